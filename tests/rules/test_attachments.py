"""database.rules.json: a message's `attachment` (issue 17): it must point into the chat's
own Storage folder, as the sender's upload, with a sane name, size, type and thumbnail."""

from __future__ import annotations

from typing import Any

import pytest
from messenger_model import attachments

from .support import NOW, set_at, split, user
from .test_project_rules import rules

CHAT = "alice_bob"
PATH = f"chats/{CHAT}/alice/-Nabc123.jpg"
GOOD = {"path": PATH, "name": "Holiday photo.jpg", "size": 123_456,
        "contentType": "image/jpeg", "thumb": "thumbs/" + PATH, "width": 1024, "height": 768}


def send(value: Any, uid: str = "alice", chat: str = CHAT, old: Any = None) -> bool:
    path = split(f"messages/{chat}/-Nabc123")
    new_root = set_at(old, path, value)
    return rules().can_write([(path, value)], user(uid), old, new_root, NOW).allowed


def message(text: str = "", **attachment: Any) -> dict:
    return {"sender": "alice", "text": text, "ts": NOW, "attachment": {**GOOD, **attachment}}


def test_a_message_with_an_attachment_may_have_no_text() -> None:
    assert send(message())
    assert send(message("look at this"))
    assert not send({"sender": "alice", "text": "", "ts": NOW})  # no attachment: text needed
    assert send(message(thumb=None, width=None, height=None))  # optional fields


def test_the_model_s_value_passes() -> None:
    att = attachments.attachment_from(GOOD)
    assert att is not None and att.as_value() == GOOD
    assert send({"sender": "alice", "text": "", "ts": NOW, "attachment": att.as_value()})


@pytest.mark.parametrize("path", [
    f"chats/{CHAT}/bob/-Nabc123.jpg",          # the other member's upload, as mine
    "chats/bob_carol/bob/-Nabc123.jpg",        # another chat's file
    f"chats/{CHAT}/alice/../bob/x.jpg",
    f"chats/{CHAT}/alice/sub/x.jpg",
    f"chats/{CHAT}/alice/.hidden",
    f"chats/{CHAT}/alice/",
    "avatars/alice/x.jpg",
    "https://evil.example/x.jpg",
    f"thumbs/chats/{CHAT}/alice/x.jpg",
    f"groups/g-{'a' * 20}/{'c' * 22}/alice/x.jpg",  # a group's file in a direct chat
])
def test_the_path_must_be_the_senders_file_in_this_chat(path: str) -> None:
    assert not send(message(path=path, thumb="thumbs/" + path))


@pytest.mark.parametrize("field,value", [
    ("size", 25 * 1024 * 1024 + 1), ("size", -1), ("size", "12"),
    ("name", ""), ("name", "x" * 256), ("name", 7),
    ("contentType", "text/html; charset=utf-8"), ("contentType", "IMAGE/JPEG"),
    ("contentType", ""), ("thumb", "thumbs/chats/bob_carol/bob/x.jpg"), ("thumb", True),
    ("width", 0), ("height", "768"), ("width", 10 ** 6), ("extra", "field"),
])
def test_bad_fields_are_refused(field: str, value: Any) -> None:
    assert not send(message(**{field: value}))


def test_missing_fields_are_refused() -> None:
    for field in ("path", "name", "size", "contentType"):
        value = message()
        del value["attachment"][field]
        assert not send(value), field


def test_a_stranger_cannot_attach_to_a_chat() -> None:
    value = message()
    value["sender"] = "eve"
    assert not send(value, uid="eve")


def test_the_rules_state_the_model_s_size_limit() -> None:
    from .test_project_rules import RULES_FILE

    assert f"<= {attachments.MAX_BYTES}" in RULES_FILE.read_text(encoding="utf-8")


def set_avatar(uid: str, owner: str, value: Any) -> bool:
    old = {"users": {owner: {"email": f"{owner}@example.com"}}}
    path = split(f"users/{owner}/avatar")
    return rules().can_write([(path, value)], user(uid), old, set_at(old, path, value),
                             NOW).allowed


def test_an_avatar_is_the_owner_s_own_object() -> None:
    good = attachments.avatar_path("alice", "-Nabc")
    assert set_avatar("alice", "alice", good)
    assert set_avatar("alice", "alice", None)  # removed
    assert not set_avatar("bob", "alice", good)
    for bad in ("avatars/bob/-Nabc.jpg", "avatars/alice/../bob/x.jpg", "avatars/alice/",
                "avatars/alice", f"chats/{CHAT}/alice/x.jpg", "https://x/y.jpg", 5):
        assert not set_avatar("alice", "alice", bad), bad


GROUP = "g-" + "Q" * 20
GROUP_DATA = {"chats": {GROUP: {"type": "group", "members": {"alice": "owner", "bob": "member"}}}}


def test_a_group_attachment_is_a_member_s_capability_path() -> None:
    cap = attachments.new_capability()
    good = attachments.object_path(GROUP, "alice", "-Nabc123", "x.png", cap)
    value = {"sender": "alice", "text": "", "ts": NOW,
             "attachment": {**GOOD, "path": good, "thumb": "thumbs/" + good}}
    assert send(value, chat=GROUP, old=GROUP_DATA)
    for bad in (attachments.object_path(GROUP, "bob", "-Nabc123", "x.png", cap),  # bob's
                f"groups/{'g-' + 'R' * 20}/{cap}/alice/x.png",                   # other group
                f"groups/{GROUP}/short/alice/x.png",                              # weak cap
                f"groups/{GROUP}/{cap}/alice/../x.png",
                f"chats/{CHAT}/alice/x.png"):
        bad_value = {**value, "attachment": {**GOOD, "path": bad, "thumb": "thumbs/" + bad}}
        assert not send(bad_value, chat=GROUP, old=GROUP_DATA), bad
    # a non-member cannot attach (nor write) at all
    eve = {**value, "sender": "eve", "attachment": {
        **GOOD, "path": attachments.object_path(GROUP, "eve", "-Nabc123", "x.png", cap)}}
    assert not send(eve, uid="eve", chat=GROUP, old=GROUP_DATA)
