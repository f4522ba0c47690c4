"""The repo's storage.rules: direct-chat files for the chat's two members only, uploads as
yourself, 25 MB, avatars by their owner; everything else closed."""

from __future__ import annotations

import pytest

from .support import auth, decide, repo_rules, resource

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


def test_groups_and_unknown_paths_are_closed(rules) -> None:
    for name in ("groups/g1/alice/x.png", "x.png", "chats/alice_bob/x.png"):
        assert not decide(rules, "create", name, auth("alice"), incoming=resource(name)).allowed
        assert not decide(rules, "get", name, auth("alice"), existing=resource(name)).allowed
