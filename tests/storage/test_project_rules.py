"""The repo's storage.rules: direct-chat files for the chat's two members only, uploads as
yourself, 25 MB, avatars by their owner; everything else closed."""

from __future__ import annotations

import pytest

from .support import REPO_RULES, auth, decide, repo_rules, resource

MB = 1024 * 1024
CHAT = "alice_bob"


@pytest.fixture(scope="module")
def rules():
    return repo_rules()


def test_members_read_a_chat_file_others_do_not(rules) -> None:
    name = f"chats/{CHAT}/alice/photo.png"
    existing = resource(name)
    assert decide(rules, "get", name, auth("alice"), existing=existing).allowed
    assert decide(rules, "get", name, auth("bob"), existing=existing).allowed
    assert not decide(rules, "get", name, auth("eve"), existing=existing).allowed
    assert not decide(rules, "get", name, None, existing=existing).allowed


def test_a_member_uploads_as_themself_within_25_mb(rules) -> None:
    name = f"chats/{CHAT}/alice/photo.png"
    assert decide(rules, "create", name, auth("alice"), incoming=resource(name, 25 * MB)).allowed
    assert not decide(rules, "create", name, auth("alice"),
                      incoming=resource(name, 25 * MB + 1)).allowed
    # as the other member: the uploader segment must be the caller
    assert not decide(rules, "create", name, auth("bob"), incoming=resource(name)).allowed


def test_another_users_chat_is_closed(rules) -> None:
    name = "chats/bob_carol/eve/x.png"
    assert not decide(rules, "create", name, auth("eve"), incoming=resource(name)).allowed
    name = "chats/bob_carol/bob/x.png"
    assert not decide(rules, "get", name, auth("eve"), existing=resource(name)).allowed
    assert not decide(rules, "list", "chats/bob_carol", auth("eve")).allowed


def test_chat_ids_must_be_two_sorted_uids(rules) -> None:
    # unsorted, three parts, or a uid that merely contains the caller's: all refused
    for chat in ("bob_alice", "alice_bob_eve", "alice_", "_alice", "xalice_bob", "ali.ce_bob"):
        name = f"chats/{chat}/alice/x.png"
        assert not decide(rules, "create", name, auth("alice"),
                          incoming=resource(name)).allowed, chat


def test_sent_files_are_never_replaced_or_redescribed(rules) -> None:
    name = f"chats/{CHAT}/alice/photo.png"
    forged = resource(name, metadata={"uploader": "bob"})
    assert not decide(rules, "update", name, auth("alice"), incoming=forged,
                      existing=resource(name)).allowed
    assert not decide(rules, "update", name, auth("bob"), incoming=forged,
                      existing=resource(name)).allowed


def test_only_the_uploader_deletes(rules) -> None:
    name = f"chats/{CHAT}/alice/photo.png"
    assert decide(rules, "delete", name, auth("alice"), existing=resource(name)).allowed
    assert not decide(rules, "delete", name, auth("bob"), existing=resource(name)).allowed


def test_members_list_their_chat(rules) -> None:
    assert decide(rules, "list", f"chats/{CHAT}", auth("alice")).allowed
    assert decide(rules, "list", f"chats/{CHAT}/bob", auth("alice")).allowed
    assert not decide(rules, "list", "chats", auth("alice")).allowed
    assert not decide(rules, "list", "", auth("alice")).allowed


def test_avatars_are_images_their_owner_writes(rules) -> None:
    name = "avatars/alice/me.png"
    assert decide(rules, "create", name, auth("alice"), incoming=resource(name)).allowed
    assert decide(rules, "update", name, auth("alice"), incoming=resource(name),
                  existing=resource(name)).allowed
    assert not decide(rules, "create", name, auth("bob"), incoming=resource(name)).allowed
    assert not decide(rules, "create", name, auth("alice"),
                      incoming=resource(name, content_type="text/html")).allowed
    assert not decide(rules, "create", name, auth("alice"),
                      incoming=resource(name, content_type="image/svg+xml")).allowed
    assert decide(rules, "get", name, auth("bob"), existing=resource(name)).allowed
    assert not decide(rules, "get", name, None, existing=resource(name)).allowed


GROUP = "g-" + "A1b2C3d4E5f6G7h8I9j0"
CAP = "q3Vx-_9kLmNoPqRsTuVwXy"  # 22 URL-safe characters, as secrets.token_urlsafe(16)


def test_unknown_paths_are_closed(rules) -> None:
    for name in ("groups/g1/alice/x.png", "x.png", "chats/alice_bob/x.png",
                 f"groups/{GROUP}/alice/x.png", f"other/{GROUP}/{CAP}/alice/x.png"):
        assert not decide(rules, "create", name, auth("alice"), incoming=resource(name)).allowed
        assert not decide(rules, "get", name, auth("alice"), existing=resource(name)).allowed


def test_group_files_are_read_by_their_name_and_written_as_yourself(rules) -> None:
    name = f"groups/{GROUP}/{CAP}/alice/-Nabc.jpg"
    assert decide(rules, "create", name, auth("alice"), incoming=resource(name)).allowed
    assert decide(rules, "get", name, auth("bob"), existing=resource(name)).allowed
    assert not decide(rules, "get", name, None, existing=resource(name)).allowed
    # in someone else's name, replaced, or deleted by another: refused
    assert not decide(rules, "create", name, auth("bob"), incoming=resource(name)).allowed
    assert not decide(rules, "update", name, auth("alice"), incoming=resource(name),
                      existing=resource(name)).allowed
    assert not decide(rules, "delete", name, auth("bob"), existing=resource(name)).allowed
    assert decide(rules, "delete", name, auth("alice"), existing=resource(name)).allowed


def test_group_names_are_never_listed_and_caps_are_long(rules) -> None:
    for prefix in (f"groups/{GROUP}", f"groups/{GROUP}/{CAP}", "groups", f"thumbs/groups/{GROUP}"):
        assert not decide(rules, "list", prefix, auth("alice")).allowed, prefix
    for cap in ("short", "a" * 21, "a" * 65, "has.dot" + "a" * 20, "has%2Fslash" + "a" * 15):
        name = f"groups/{GROUP}/{cap}/alice/x.jpg"
        assert not decide(rules, "create", name, auth("alice"),
                          incoming=resource(name)).allowed, cap
        assert not decide(rules, "get", name, auth("alice"), existing=resource(name)).allowed
    for gid in ("g-short", "g-" + "a" * 21, "G-" + "a" * 20, "alice_bob"):
        name = f"groups/{gid}/{CAP}/alice/x.jpg"
        assert not decide(rules, "create", name, auth("alice"),
                          incoming=resource(name)).allowed, gid


def test_thumbnails_are_read_like_their_original_and_written_by_no_client(rules) -> None:
    direct = f"thumbs/chats/{CHAT}/alice/-Nabc.jpg"
    assert decide(rules, "get", direct, auth("bob"), existing=resource(direct)).allowed
    assert not decide(rules, "get", direct, auth("eve"), existing=resource(direct)).allowed
    group = f"thumbs/groups/{GROUP}/{CAP}/alice/-Nabc.jpg"
    assert decide(rules, "get", group, auth("bob"), existing=resource(group)).allowed
    for name in (direct, group):
        for uid in ("alice", "bob"):  # not even the uploader forges a thumbnail
            assert not decide(rules, "create", name, auth(uid), incoming=resource(name)).allowed
            assert not decide(rules, "update", name, auth(uid), incoming=resource(name),
                              existing=resource(name)).allowed
            assert not decide(rules, "delete", name, auth(uid), existing=resource(name)).allowed


@pytest.mark.parametrize("content_type", [
    "text/html", "application/xhtml+xml", "image/svg+xml", "text/javascript",
    "application/javascript", "text/xml", "Text/HTML", "text/html; charset=utf-8", "",
    "image", "image/png\n", "application/x-javascript",
])
def test_active_or_malformed_content_types_are_refused(rules, content_type) -> None:
    for name in (f"chats/{CHAT}/alice/f.bin", f"groups/{GROUP}/{CAP}/alice/f.bin"):
        incoming = resource(name, content_type=content_type)
        assert not decide(rules, "create", name, auth("alice"), incoming=incoming).allowed


@pytest.mark.parametrize("content_type", [
    "image/png", "image/jpeg", "application/pdf", "application/octet-stream", "text/plain",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "video/mp4",
])
def test_ordinary_files_are_accepted(rules, content_type) -> None:
    name = f"chats/{CHAT}/alice/f.bin"
    incoming = resource(name, content_type=content_type)
    assert decide(rules, "create", name, auth("alice"), incoming=incoming).allowed


@pytest.mark.parametrize("file", [".hidden", "..", "a b.png", "x" * 129, "é.png", "a:b"])
def test_odd_file_names_are_refused(rules, file) -> None:
    for name in (f"chats/{CHAT}/alice/{file}", f"groups/{GROUP}/{CAP}/alice/{file}",
                 f"avatars/alice/{file}"):
        assert not decide(rules, "create", name, auth("alice"),
                          incoming=resource(name)).allowed, name


def test_group_uploads_are_limited_to_25_mb(rules) -> None:
    name = f"groups/{GROUP}/{CAP}/alice/big.bin"
    assert decide(rules, "create", name, auth("alice"),
                  incoming=resource(name, 25 * MB)).allowed
    assert not decide(rules, "create", name, auth("alice"),
                      incoming=resource(name, 25 * MB + 1)).allowed


def test_the_rules_and_the_model_state_the_same_limits() -> None:
    from messenger_model import attachments

    text = REPO_RULES.read_text(encoding="utf-8")
    assert attachments.MAX_BYTES == 25 * MB and "25 * 1024 * 1024" in text
    for refused in attachments.REFUSED_TYPES:
        assert f"'{refused}'" in text
    for pattern in (attachments.FILE_NAME_PATTERN, attachments.CAP_PATTERN,
                    attachments.GROUP_PATTERN, attachments.CONTENT_TYPE_PATTERN):
        assert pattern in text, pattern
