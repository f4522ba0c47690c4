"""database.rules.json for forwarding a message with a picture or a file (issue 16): the new
message carries a new object under the target chat's prefix (uploaded again by the forwarder),
its original's caption, and `forwardedFrom`; the rules check the original exists in a chat of
the forwarder's with that sender, that text and that file (name, size, type)."""

from __future__ import annotations

from typing import Any

import pytest
from messenger_emulators.rules import RuleSet

from .test_message_actions import SV, can, new_message
from .test_project_rules import RULES_FILE

AB = "alice_bob"
AE = "alice_eve"
BC = "bob_carol"
G = "g-AAAAAAAAAAAAAAAAAAAA"  # alice (owner) and bob
PHOTO = {"path": f"chats/{AE}/eve/-Ephoto.jpg", "name": "cat.jpg", "size": 2048,
         "contentType": "image/jpeg", "thumb": f"thumbs/chats/{AE}/eve/-Ephoto.jpg",
         "width": 40, "height": 30}
GROUP_FILE = {"path": f"groups/{G}/{'c' * 22}/alice/-Greport.pdf", "name": "report.pdf",
              "size": 999, "contentType": "application/pdf"}
TREE: dict[str, Any] = {
    "chats": {G: {"type": "group", "name": "team", "createdAt": 1, "createdBy": "alice",
                  "members": {"alice": "owner", "bob": "member"},
                  "joinedAt": {"alice": 1, "bob": 1}}},
    "messages": {
        AE: {"p1": {"sender": "eve", "text": "my cat", "ts": 12, "attachment": PHOTO},
             "t1": {"sender": "eve", "text": "", "ts": 13,
                    "attachment": {**PHOTO, "path": f"chats/{AE}/eve/-Ebare.jpg",
                                   "thumb": f"thumbs/chats/{AE}/eve/-Ebare.jpg"}},
             "x1": {"sender": "eve", "text": "just text", "ts": 14}},
        G: {"f1": {"sender": "alice", "text": "", "ts": 15, "attachment": GROUP_FILE}},
    },
}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_text(RULES_FILE.read_text(encoding="utf-8"))


def copy_in(chat: str, uid: str, att: dict[str, Any]) -> dict[str, Any]:
    """`att` uploaded again by `uid` into `chat` (a direct chat: chats/{chat}/{uid}/...)."""
    path = f"chats/{chat}/{uid}/-Nfwd" + att["path"][att["path"].rfind("."):]
    copy = {**att, "path": path}
    if "thumb" in att:
        copy["thumb"] = "thumbs/" + path
    return copy


def forward(chat: str, uid: str, source: Any, text: str, att: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {"sender": uid, "text": text, "ts": SV, "forwardedFrom": source}
    if att is not None:
        fields["attachment"] = att
    return new_message(chat, **fields)


def allowed(rules, uid: str, changes: dict[str, Any]) -> bool:
    return can(rules, uid, changes, TREE)


def test_a_member_forwards_a_photo_with_its_caption(rules) -> None:
    source = {"sender": "eve", "chatId": AE, "messageId": "p1"}
    assert allowed(rules, "alice", forward(AB, "alice", source, "my cat",
                                           copy_in(AB, "alice", PHOTO)))
    bare = TREE["messages"][AE]["t1"]["attachment"]
    source = {"sender": "eve", "chatId": AE, "messageId": "t1"}
    assert allowed(rules, "alice", forward(AB, "alice", source, "", copy_in(AB, "alice", bare)))
    # from a group to a direct chat of a member
    source = {"sender": "alice", "chatId": G, "messageId": "f1"}
    assert allowed(rules, "bob", forward(BC, "bob", source, "", copy_in(BC, "bob", GROUP_FILE)))


def test_a_file_from_a_chat_you_are_not_in_is_refused(rules) -> None:
    # bob is not in AE; carol is not in the group
    source = {"sender": "eve", "chatId": AE, "messageId": "p1"}
    assert not allowed(rules, "bob", forward(BC, "bob", source, "my cat",
                                             copy_in(BC, "bob", PHOTO)))
    source = {"sender": "alice", "chatId": G, "messageId": "f1"}
    assert not allowed(rules, "carol", forward(BC, "carol", source, "",
                                               copy_in(BC, "carol", GROUP_FILE)))


@pytest.mark.parametrize("source,text,change", [
    # another sender, another caption
    ({"sender": "alice", "chatId": AE, "messageId": "p1"}, "my cat", {}),
    ({"sender": "eve", "chatId": AE, "messageId": "p1"}, "eve's bank details: ...", {}),
    # another file than the original's: name, size or type
    ({"sender": "eve", "chatId": AE, "messageId": "p1"}, "my cat", {"name": "invoice.jpg"}),
    ({"sender": "eve", "chatId": AE, "messageId": "p1"}, "my cat", {"size": 4096}),
    ({"sender": "eve", "chatId": AE, "messageId": "p1"}, "my cat",
     {"contentType": "image/png"}),
    # a file passed off as forwarded from a text message
    ({"sender": "eve", "chatId": AE, "messageId": "x1"}, "just text", {}),
    # no such original
    ({"sender": "eve", "chatId": AE, "messageId": "nope"}, "my cat", {}),
])
def test_a_forged_forward_of_a_file_is_refused(rules, source, text, change) -> None:
    att = {**copy_in(AB, "alice", PHOTO), **change}
    assert not allowed(rules, "alice", forward(AB, "alice", source, text, att))


def test_a_file_forward_without_its_file_is_refused(rules) -> None:
    """Only the caption, marked forwarded: it would say eve sent that text alone."""
    source = {"sender": "eve", "chatId": AE, "messageId": "p1"}
    assert not allowed(rules, "alice", forward(AB, "alice", source, "my cat", None))


@pytest.mark.parametrize("path", [
    PHOTO["path"],                        # the original's object, in AE's prefix
    f"chats/{AE}/alice/-Nfwd.jpg",        # alice's own name, but in AE's prefix
    f"chats/{AB}/eve/-Nfwd.jpg",          # the right chat, under eve's name
    f"groups/{G}/{'c' * 22}/alice/-Greport.pdf",  # a group's object
])
def test_pointing_at_an_object_outside_the_target_chat_is_refused(rules, path) -> None:
    source = {"sender": "eve", "chatId": AE, "messageId": "p1"}
    att = {**PHOTO, "path": path, "thumb": "thumbs/" + path}
    assert not allowed(rules, "alice", forward(AB, "alice", source, "my cat", att))


def test_a_text_forward_still_passes(rules) -> None:
    source = {"sender": "eve", "chatId": AE, "messageId": "x1"}
    assert allowed(rules, "alice", forward(AB, "alice", source, "just text", None))
