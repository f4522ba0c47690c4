"""database.rules.json for message actions (issue 16): edit, reply, forward, reactions,
evaluated by the rules engine directly over a tree shaped as docs/data-model.md's agreed layout.

Every case is a client's write (a PATCH of `/` or a PUT of one path) as the rules see it. Over
real HTTP, as every kind of attacker: tests/security/test_message_action_attacks.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from messenger_emulators.rules import RuleSet

from .support import NOW, set_at, split, user
from .test_project_rules import RULES_FILE

AB = "alice_bob"          # alice and bob
AE = "alice_eve"          # alice and eve: bob is not in it
BC = "bob_carol"
G = "g-AAAAAAAAAAAAAAAAAAAA"  # a group of alice (owner) and bob; carol was removed
M = "m1"                  # alice's message in AB
BOBS = "m2"               # bob's message in AB
EVES = "e1"               # eve's message in AE
GM = "g1"                 # alice's message in G
SYS = "s1"                # a group event in G, written by the api as alice (the actor)

TREE: dict[str, Any] = {
    "chats": {G: {"type": "group", "name": "team", "createdAt": 1, "createdBy": "alice",
                  "members": {"alice": "owner", "bob": "member"},
                  "joinedAt": {"alice": 1, "bob": 1}}},
    "messages": {
        AB: {M: {"sender": "alice", "text": "hello", "ts": 10},
             BOBS: {"sender": "bob", "text": "hi alice", "ts": 11,
                    "reactions": {"alice": "👍"}}},
        AE: {EVES: {"sender": "eve", "text": "psst", "ts": 12}},
        G: {GM: {"sender": "alice", "text": "team!", "ts": 13},
            "c1": {"sender": "carol", "text": "before I left", "ts": 9},
            SYS: {"sender": "alice", "text": "alice created team", "ts": 8,
                  "system": {"kind": "created", "actor": "alice"}}},
    },
}
SV = NOW  # what a {".sv": "timestamp"} becomes before the rules see it


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_text(RULES_FILE.read_text(encoding="utf-8"))


def can(rules: RuleSet, uid: str | None, changes: dict[str, Any], root: Any = None) -> bool:
    """May `uid` write `changes` (root-relative paths) in one request?"""
    old = TREE if root is None else root
    writes = [(split(path), value) for path, value in changes.items()]
    new = old
    for path, value in writes:
        new = set_at(new, path, value)
    return rules.can_write(writes, None if uid is None else user(uid), old, new, NOW).allowed


def at(chat: str, message: str, **fields: Any) -> dict[str, Any]:
    """A PATCH of messages/{chat}/{message} with `fields`."""
    return {f"messages/{chat}/{message}/{key}": value for key, value in fields.items()}


def new_message(chat: str, **fields: Any) -> dict[str, Any]:
    return {f"messages/{chat}/new": fields}


# --- edit ------------------------------------------------------------------------------------
def test_the_sender_edits_text_with_edited_at_now(rules) -> None:
    assert can(rules, "alice", at(AB, M, text="hello!", editedAt=SV))
    assert can(rules, "alice", at(G, GM, text="team!!", editedAt=SV))


@pytest.mark.parametrize("who", ["bob", "eve", None])
def test_no_one_else_edits(rules, who) -> None:
    assert not can(rules, who, at(AB, M, text="pwned", editedAt=SV))


@pytest.mark.parametrize("fields", [
    {"text": "no stamp"},                                   # editedAt missing
    {"text": "forged", "editedAt": NOW - 60_000},           # editedAt in the past
    {"text": "forged", "editedAt": NOW + 60_000},           # ... or in the future
    {"text": "forged", "editedAt": "now"},
    {"editedAt": SV},                                       # "edited" without a change
    {"text": "hello", "editedAt": SV},                      # the same text
    {"text": "", "editedAt": SV},
    {"text": "x" * 4001, "editedAt": SV},
    {"text": 42, "editedAt": SV},
    {"text": None, "editedAt": SV},                         # deleting the text
    {"text": "v2", "editedAt": SV, "sender": "bob"},
    {"text": "v2", "editedAt": SV, "ts": SV},
    {"text": "v2", "editedAt": SV, "ts": 1},
    {"text": "v2", "editedAt": SV, "replyTo": BOBS},
    {"text": "v2", "editedAt": SV, "forwardedFrom": {"sender": "bob", "chatId": AB,
                                                    "messageId": BOBS}},
    {"text": "v2", "editedAt": SV, "reactions/bob": "👎"},
    {"text": "v2", "editedAt": SV, "system": {"kind": "created"}},
    {"text": "v2", "editedAt": SV, "extra": 1},
], ids=repr)
def test_an_edit_changes_only_the_text(rules, fields) -> None:
    assert not can(rules, "alice", at(AB, M, **fields))


def test_an_edit_is_a_patch_not_a_replacement(rules) -> None:
    whole = {"sender": "alice", "text": "v2", "ts": 10, "editedAt": SV}
    assert not can(rules, "alice", {f"messages/{AB}/{M}": whole})


def test_a_later_edit_needs_a_fresh_stamp(rules) -> None:
    edited = set_at(TREE, split(f"messages/{AB}/{M}/editedAt"), NOW - 5000)
    assert can(rules, "alice", at(AB, M, text="v3", editedAt=SV), edited)
    assert not can(rules, "alice", at(AB, M, text="v3"), edited)  # keeps the old stamp


def test_edits_stop_at_deleted_and_system_messages(rules) -> None:
    # a message deleted meanwhile is not re-created as a husk {text, editedAt}
    assert not can(rules, "alice", at(AB, "gone", text="v2", editedAt=SV))
    assert not can(rules, "alice", at(G, SYS, text="alice was hacked", editedAt=SV))


def test_a_removed_member_no_longer_edits(rules) -> None:
    # carol's old message in G: she is not a member any more
    assert not can(rules, "carol", at(G, "c1", text="edited after leaving", editedAt=SV))


def test_edited_at_is_never_set_at_creation(rules) -> None:
    assert can(rules, "alice", new_message(AB, sender="alice", text="x", ts=SV))
    assert not can(rules, "alice",
                   new_message(AB, sender="alice", text="x", ts=SV, editedAt=SV))


# --- reply -----------------------------------------------------------------------------------
def test_a_reply_quotes_an_existing_message_of_the_same_chat(rules) -> None:
    assert can(rules, "bob", new_message(AB, sender="bob", text="re", ts=SV, replyTo=M))
    assert can(rules, "bob", new_message(G, sender="bob", text="re", ts=SV, replyTo=GM))


@pytest.mark.parametrize("reply_to", [
    EVES,               # a message of another chat (alice is in it, but this is AB)
    GM,                 # of alice's group
    "missing",          # no such message
    f"{BOBS}/reactions",  # a path into a message, not a message id
    f"../{AE}/{EVES}",
    "",
    42,
    {"id": M},
])
def test_a_reply_to_anything_else_is_refused(rules, reply_to) -> None:
    assert not can(rules, "alice", new_message(AB, sender="alice", text="re", ts=SV,
                                               replyTo=reply_to))


def test_reply_to_is_never_changed_or_added_later(rules) -> None:
    replied = set_at(TREE, split(f"messages/{AB}/r1"),
                     {"sender": "alice", "text": "re", "ts": 14, "replyTo": BOBS})
    assert not can(rules, "alice", at(AB, "r1", replyTo=M), replied)
    assert not can(rules, "alice", at(AB, "r1", replyTo=None), replied)
    assert not can(rules, "alice", at(AB, M, replyTo=BOBS))
    # not even with an edit
    assert not can(rules, "alice", at(AB, "r1", text="re!", editedAt=SV, replyTo=M), replied)


# --- forward ---------------------------------------------------------------------------------
def forwarded(chat: str, uid: str, source: dict[str, Any], text: str) -> dict[str, Any]:
    return new_message(chat, sender=uid, text=text, ts=SV, forwardedFrom=source)


def test_a_member_forwards_a_message_as_it_is(rules) -> None:
    source = {"sender": "eve", "chatId": AE, "messageId": EVES}
    assert can(rules, "alice", forwarded(AB, "alice", source, "psst"))
    group_source = {"sender": "alice", "chatId": G, "messageId": GM}
    assert can(rules, "bob", forwarded(BC, "bob", group_source, "team!"))


@pytest.mark.parametrize("who,source,text", [
    # bob is not in AE: he cannot forward (and so read) eve's message
    ("bob", {"sender": "eve", "chatId": AE, "messageId": EVES}, "psst"),
    # carol was removed from the group
    ("carol", {"sender": "alice", "chatId": G, "messageId": GM}, "team!"),
    # a forged sender
    ("alice", {"sender": "bob", "chatId": AE, "messageId": EVES}, "psst"),
    # a forged text
    ("alice", {"sender": "eve", "chatId": AE, "messageId": EVES}, "eve says: send money"),
    # no such original
    ("alice", {"sender": "eve", "chatId": AE, "messageId": "nope"}, "psst"),
    # the original is in another chat than the one named
    ("alice", {"sender": "eve", "chatId": AB, "messageId": EVES}, "psst"),
    # missing and extra fields, wrong types, paths instead of keys
    ("alice", {"sender": "eve", "chatId": AE}, "psst"),
    ("alice", {"sender": "eve", "chatId": AE, "messageId": EVES, "note": "x"}, "psst"),
    ("alice", {"sender": "eve", "chatId": AE, "messageId": 1}, "psst"),
    ("alice", {"sender": "eve", "chatId": f"{AE}/{EVES}", "messageId": "text"}, "psst"),
    ("alice", {"sender": "eve", "chatId": AE, "messageId": f"{EVES}/x"}, "psst"),
    ("alice", "eve", "psst"),
])
def test_a_forged_forward_is_refused(rules, who, source, text) -> None:
    chat = AB if who in ("alice", "bob") else "carol_dave"
    assert not can(rules, who, forwarded(chat, who, source, text))


def test_forwarded_from_is_creation_only(rules) -> None:
    source = {"sender": "eve", "chatId": AE, "messageId": EVES}
    assert not can(rules, "alice", at(AB, M, forwardedFrom=source))
    assert not can(rules, "alice", at(AB, M, text="psst", editedAt=SV, forwardedFrom=source))


# --- reactions -------------------------------------------------------------------------------
def react(chat: str, message: str, uid: str, emoji: Any) -> dict[str, Any]:
    return {f"messages/{chat}/{message}/reactions/{uid}": emoji}


def test_members_react_as_themselves(rules) -> None:
    assert can(rules, "bob", react(AB, M, "bob", "❤️"))
    assert can(rules, "alice", react(AB, M, "alice", "👍"))  # on your own message too
    assert can(rules, "alice", react(AB, BOBS, "alice", "😂"))  # replaces hers
    assert can(rules, "alice", react(AB, BOBS, "alice", None))  # removes it
    assert can(rules, "bob", react(G, GM, "bob", "🎉"))
    assert can(rules, "bob", react(G, SYS, "bob", "🎉"))
    assert can(rules, "bob", react(AB, M, "bob", "x" * 16))


@pytest.mark.parametrize("who,target,change", [
    ("bob", (AB, M, "alice"), "👎"),        # a reaction for someone else
    ("bob", (AB, BOBS, "alice"), None),     # removing someone else's
    ("eve", (AB, M, "eve"), "👀"),          # not in the chat
    (None, (AB, M, "alice"), "👍"),
    ("carol", (G, GM, "carol"), "👋"),      # removed from the group
    ("bob", (AB, "gone", "bob"), "👍"),     # a deleted message: no husk {reactions}
    ("bob", (AB, M, "bob"), ""),
    ("bob", (AB, M, "bob"), "x" * 17),
    ("bob", (AB, M, "bob"), "👍" * 9),       # 18 UTF-16 units
    ("bob", (AB, M, "bob"), 1),
    ("bob", (AB, M, "bob"), True),
    ("bob", (AB, M, "bob"), {"emoji": "👍"}),
], ids=repr)
def test_other_reactions_are_refused(rules, who, target, change) -> None:
    assert not can(rules, who, react(*target, change))


def test_reactions_are_written_one_key_at_a_time(rules) -> None:
    # a reactions node replaced whole could drop others' reactions: no grant covers it
    assert not can(rules, "bob", {f"messages/{AB}/{BOBS}/reactions": {"bob": "👍"}})
    assert not can(rules, "alice", {f"messages/{AB}/{BOBS}/reactions": None})


def test_no_reactions_at_creation(rules) -> None:
    assert not can(rules, "alice", new_message(AB, sender="alice", text="x", ts=SV,
                                               reactions={"alice": "👍"}))
    assert not can(rules, "alice", new_message(AB, sender="alice", text="x", ts=SV,
                                               reactions={"bob": "👍"}))


def test_a_message_with_reactions_is_still_deleted_by_its_sender_only(rules) -> None:
    assert can(rules, "bob", {f"messages/{AB}/{BOBS}": None})
    assert not can(rules, "alice", {f"messages/{AB}/{BOBS}": None})
