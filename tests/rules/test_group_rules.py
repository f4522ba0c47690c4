"""database.rules.json for groups, receipts, typing, privacy and hidden messages (issue 15),
evaluated by the rules engine directly over a tree shaped as docs/data-model.md's agreed layout.

Over real HTTP, as every kind of attacker: tests/security/test_group_attacks.py.
"""

from __future__ import annotations

from typing import Any

import pytest
from messenger_emulators.rules import RuleSet
from messenger_model.chats import GROUP_ID_PATTERN, new_group_id

from .support import NOW, set_at, split, user
from .test_project_rules import RULES_FILE

G = "g-AAAAAAAAAAAAAAAAAAAA"  # a group of owner "olga", admin "adam", member "mia"
OTHER_G = "g-BBBBBBBBBBBBBBBBBBBB"  # a group "eve" owns; none of the above is in it
DIRECT = "mia_olga"
MSG = {"sender": "mia", "text": "hi", "ts": 5}

TREE: dict[str, Any] = {
    "chats": {
        G: {"type": "group", "name": "team", "createdAt": 1, "createdBy": "olga",
            "members": {"olga": "owner", "adam": "admin", "mia": "member"},
            "joinedAt": {"olga": 1, "adam": 1, "mia": 2}},
        OTHER_G: {"type": "group", "name": "eve's", "createdAt": 1, "createdBy": "eve",
                  "members": {"eve": "owner"}, "joinedAt": {"eve": 1}},
    },
    "messages": {G: {"m1": MSG}, DIRECT: {"d1": {"sender": "olga", "text": "yo", "ts": 3}}},
    "userChats": {"mia": {G: {"readAt": 2, "group": {"name": "team"}}}},
    "receipts": {G: {"olga": 4}},
    "typing": {G: {"adam": NOW - 1000}},
    "privacy": {"mia": {"readReceipts": True}, "off": {"readReceipts": False}},
    "hidden": {"mia": {G: {"m1": True}}},
}
TRIGGER = {"uid": "messenger-unread-trigger", "messengerTrigger": True}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return RuleSet.from_text(RULES_FILE.read_text(encoding="utf-8"))


def can_read(rules: RuleSet, path: str, auth: Any, root: Any = None) -> bool:
    return rules.can_read(split(path), auth, TREE if root is None else root, NOW).allowed


def can_update(rules: RuleSet, changes: dict[str, Any], auth: Any, root: Any = None) -> bool:
    """A root multi-path update, as a client's PATCH of `/` (or one path's PUT)."""
    old = TREE if root is None else root
    writes = [(split(path), value) for path, value in changes.items()]
    new = old
    for path, value in writes:
        new = set_at(new, path, value)
    return rules.can_write(writes, auth, old, new, NOW).allowed


def without_member(uid: str) -> dict[str, Any]:
    """TREE after the API removed `uid` from G."""
    root = set_at(TREE, ("chats", G, "members", uid), None)
    return set_at(root, ("userChats", uid, G), None)


def test_group_ids_match_the_rules_pattern() -> None:
    assert GROUP_ID_PATTERN in RULES_FILE.read_text(encoding="utf-8").replace("\\\\", "\\")
    assert G != new_group_id() and len(new_group_id()) == len(G)


# --- reads: members only, checked from the group's own record --------------------------------
@pytest.mark.parametrize("path", [f"chats/{G}", f"messages/{G}", f"messages/{G}/m1",
                                  f"receipts/{G}", f"typing/{G}"])
def test_members_read_a_group(rules, path) -> None:
    for uid in ("olga", "adam", "mia"):
        assert can_read(rules, path, user(uid)), (uid, path)


@pytest.mark.parametrize("path", [f"chats/{G}", f"messages/{G}", f"messages/{G}/m1",
                                  f"receipts/{G}", f"typing/{G}", f"chats/{G}/members"])
def test_strangers_and_removed_members_read_nothing_of_a_group(rules, path) -> None:
    assert not can_read(rules, path, None)
    assert not can_read(rules, path, user("eve"))
    assert not can_read(rules, path, user("mia"), without_member("mia"))


def test_a_member_of_one_group_reads_no_other(rules) -> None:
    assert not can_read(rules, f"messages/{OTHER_G}", user("olga"))
    assert can_read(rules, f"messages/{OTHER_G}", user("eve"))
    # an id of the right shape that holds no group is nobody's
    assert not can_read(rules, "messages/g-CCCCCCCCCCCCCCCCCCCC", user("olga"))
    # a group-looking id with `_` is a (non-canonical) direct id, never a group
    assert not can_read(rules, "messages/g-AAAAAAAAAAAAAAAAAAAA_x", user("olga"))


def test_direct_chats_read_as_before(rules) -> None:
    assert can_read(rules, f"messages/{DIRECT}", user("mia"))
    assert not can_read(rules, f"messages/{DIRECT}", user("adam"))
    assert can_read(rules, f"receipts/{DIRECT}", user("olga"))
    assert not can_read(rules, f"typing/{DIRECT}", user("adam"))


# --- group records: never client-writable --------------------------------------------------
@pytest.mark.parametrize("who", ["olga", "adam", "mia", "eve"])
@pytest.mark.parametrize("change", [
    {f"chats/{G}/members/eve": "member"},
    {f"chats/{G}/members/mia": "admin"},
    {f"chats/{G}/members/olga": None},
    {f"chats/{G}/name": "renamed"},
    {f"chats/{G}": None},
    {f"chats/{G}/joinedAt/mia": 0},
    {"chats/g-CCCCCCCCCCCCCCCCCCCC": {"type": "group", "name": "mine", "createdAt": NOW,
                                      "members": {"eve": "owner"}}},
])
def test_no_client_writes_group_records(rules, who, change) -> None:
    assert not can_update(rules, change, user(who))


# --- messages ----------------------------------------------------------------------------
def test_members_send_as_themselves(rules) -> None:
    for uid in ("olga", "adam", "mia"):
        assert can_update(rules, {f"messages/{G}/new": {"sender": uid, "text": "x", "ts": NOW}},
                          user(uid))
    assert not can_update(rules, {f"messages/{G}/new": {"sender": "olga", "text": "x",
                                                        "ts": NOW}}, user("mia"))


@pytest.mark.parametrize("value", [
    {"sender": "mia", "text": "x", "ts": NOW, "system": {"kind": "added", "actor": "mia"}},
    {"sender": "mia", "text": "x", "ts": 1},
    {"sender": "mia", "text": "", "ts": NOW},
])
def test_members_cannot_write_system_or_malformed_messages(rules, value) -> None:
    assert not can_update(rules, {f"messages/{G}/new": value}, user("mia"))


def test_non_members_and_removed_members_cannot_send(rules) -> None:
    eve = {f"messages/{G}/new": {"sender": "eve", "text": "x", "ts": NOW}}
    assert not can_update(rules, eve, user("eve"))
    mia = {f"messages/{G}/new": {"sender": "mia", "text": "x", "ts": NOW}}
    assert not can_update(rules, mia, user("mia"), without_member("mia"))
    assert not can_update(rules, mia, None)


def test_only_the_sender_deletes_a_group_message(rules) -> None:
    assert can_update(rules, {f"messages/{G}/m1": None}, user("mia"))
    assert not can_update(rules, {f"messages/{G}/m1": None}, user("olga"))  # not even the owner
    assert not can_update(rules, {f"messages/{G}/m1": None}, user("eve"))
    assert not can_update(rules, {f"messages/{G}": None}, user("olga"))


def test_no_edits_yet(rules) -> None:
    assert not can_update(rules, {f"messages/{G}/m1/text": "changed"}, user("mia"))
    assert not can_update(rules, {f"messages/{G}/m1/sender": "olga"}, user("mia"))


# --- receipts -------------------------------------------------------------------------------
def test_receipts_owner_member_now(rules) -> None:
    assert can_update(rules, {f"receipts/{G}/mia": NOW}, user("mia"))
    assert can_update(rules, {f"receipts/{G}/mia": None}, user("mia"))
    assert can_update(rules, {f"receipts/{DIRECT}/mia": NOW}, user("mia"))
    refused = [
        ({f"receipts/{G}/mia": NOW - 1}, "mia"),          # not now
        ({f"receipts/{G}/mia": "x"}, "mia"),
        ({f"receipts/{G}/olga": NOW}, "mia"),             # someone else's
        ({f"receipts/{G}/olga": None}, "mia"),
        ({f"receipts/{G}/eve": NOW}, "eve"),              # not a member
        ({f"receipts/{G}": None}, "olga"),                # the whole chat's
        ({"receipts/olga_mia/mia": NOW}, "mia"),         # a direct id not sorted
        ({f"receipts/{DIRECT}/adam": NOW}, "adam"),       # not in the direct chat
    ]
    for change, who in refused:
        assert not can_update(rules, change, user(who)), change
    assert not can_update(rules, {f"receipts/{G}/mia": NOW}, user("mia"), without_member("mia"))


def test_receipts_are_not_written_while_they_are_switched_off(rules) -> None:
    root = set_at(TREE, ("chats", G, "members", "off"), "member")
    assert not can_update(rules, {f"receipts/{G}/off": NOW}, user("off"), root)
    assert can_update(rules, {f"receipts/{G}/off": None}, user("off"), root)


def test_mark_read_with_receipt_is_one_update(rules) -> None:
    change = {f"userChats/mia/{G}/unreadIds": None, f"userChats/mia/{G}/readAt": NOW,
              f"receipts/{G}/mia": NOW}
    assert can_update(rules, change, user("mia"))
    assert not can_update(rules, change, user("mia"), without_member("mia"))
    assert not can_update(rules, change, user("olga"))


# --- typing ---------------------------------------------------------------------------------
def test_typing_own_entry_in_own_chats(rules) -> None:
    assert can_update(rules, {f"typing/{G}/mia": NOW}, user("mia"))
    assert can_update(rules, {f"typing/{G}/mia": None}, user("mia"))
    assert can_update(rules, {f"typing/{DIRECT}/olga": NOW}, user("olga"))
    for change, who in [({f"typing/{G}/mia": NOW + 60_000}, "mia"),
                        ({f"typing/{G}/mia": True}, "mia"),
                        ({f"typing/{G}/adam": NOW}, "mia"),
                        ({f"typing/{G}/eve": NOW}, "eve"),
                        ({f"typing/{G}": None}, "olga"),
                        ({f"typing/{DIRECT}/adam": NOW}, "adam")]:
        assert not can_update(rules, change, user(who)), change
    assert not can_update(rules, {f"typing/{G}/mia": NOW}, user("mia"), without_member("mia"))


# --- privacy and hidden ----------------------------------------------------------------------
def test_privacy_is_the_owners(rules) -> None:
    assert can_read(rules, "privacy/mia", user("mia"))
    assert not can_read(rules, "privacy/mia", user("olga"))
    assert not can_read(rules, "privacy", user("mia"))
    assert can_update(rules, {"privacy/mia": {"readReceipts": False}}, user("mia"))
    assert can_update(rules, {"privacy/mia/readReceipts": True}, user("mia"))
    assert can_update(rules, {"privacy/mia": None}, user("mia"))
    for change, who in [({"privacy/mia": {"readReceipts": False}}, "olga"),
                        ({"privacy/mia": {"readReceipts": "no"}}, "mia"),
                        ({"privacy/mia": {"readReceipts": False, "x": 1}}, "mia"),
                        ({"privacy/mia": {}}, "mia")]:
        assert not can_update(rules, change, user(who) if who else None), change


def test_hidden_is_the_owners(rules) -> None:
    assert can_read(rules, f"hidden/mia/{G}", user("mia"))
    assert not can_read(rules, "hidden/mia", user("olga"))
    assert can_update(rules, {f"hidden/mia/{G}/m2": True}, user("mia"))
    assert can_update(rules, {f"hidden/mia/{G}/m1": None}, user("mia"))
    assert not can_update(rules, {f"hidden/mia/{G}/m2": False}, user("mia"))
    assert not can_update(rules, {f"hidden/mia/{G}/m2": True}, user("olga"))
    assert not can_update(rules, {f"hidden/mia/{G}": None}, user("mia"))


# --- userChats group entries -------------------------------------------------------------
def test_trigger_writes_only_current_members_entries(rules) -> None:
    preview = {"text": "hi", "sender": "mia", "ts": 5}
    add = {f"userChats/adam/{G}/unreadIds/m1": 5, f"userChats/mia/{G}/previews/m1": preview}
    assert can_update(rules, add, TRIGGER)
    # a racing trigger cannot re-create a removed member's entry (the whole update fails)
    assert not can_update(rules, add, TRIGGER, without_member("mia"))
    # deleting keys of a gone entry is allowed (it stays gone)
    gone = {f"userChats/mia/{G}/previews/m1": None, f"userChats/adam/{G}/unreadIds/m1": None}
    assert can_update(rules, gone, TRIGGER, without_member("mia"))
    # not for a message that does not exist, as for direct chats
    assert not can_update(rules, {f"userChats/adam/{G}/unreadIds/nope": 5}, TRIGGER)
    # a stranger is no member either
    assert not can_update(rules, {f"userChats/eve/{G}/previews/m1": preview}, TRIGGER)


def test_group_claims_are_the_api_functions_alone(rules) -> None:
    """groupLocks/{groupId} (the api function's claim while it changes a group): no client,
    not even the owner, reads or writes it; a claim held forever would stop every change."""
    claim = {"by": "x", "until": NOW + 60_000}
    for who in ("olga", "adam", "mia", "eve"):
        assert not can_read(rules, f"groupLocks/{G}", user(who))
        assert not can_update(rules, {f"groupLocks/{G}": claim}, user(who))
    assert not can_update(rules, {f"groupLocks/{G}": claim}, TRIGGER)


def test_a_preview_carries_its_messages_event_and_no_other(rules) -> None:
    """A preview's `system` (the app's sentence) must be the kind its message has: none on
    a plain message, the same kind on a group event."""
    import copy

    event = {"kind": "renamed", "actor": "olga", "name": "x"}
    tree = copy.deepcopy(TREE)
    tree["messages"][G]["s1"] = {"sender": "olga", "text": "olga renamed", "ts": 6,
                                 "system": event}
    plain = {"text": "hi", "sender": "mia", "ts": 5}
    assert can_update(rules, {f"userChats/mia/{G}/previews/s1": {
        "text": "olga renamed", "sender": "olga", "ts": 6, "system": event}}, TRIGGER, tree)
    assert not can_update(rules, {f"userChats/mia/{G}/previews/m1": {
        **plain, "system": event}}, TRIGGER, tree)
    assert not can_update(rules, {f"userChats/mia/{G}/previews/s1": {
        "text": "olga renamed", "sender": "olga", "ts": 6,
        "system": {**event, "kind": "added"}}}, TRIGGER, tree)
    assert not can_update(rules, {f"userChats/mia/{G}/previews/s1": {
        "text": "olga renamed", "sender": "olga", "ts": 6}}, TRIGGER, tree)


def test_owners_mark_read_only_while_members(rules) -> None:
    mark = {f"userChats/mia/{G}/unreadIds": None, f"userChats/mia/{G}/readAt": NOW}
    assert can_update(rules, mark, user("mia"))
    assert not can_update(rules, mark, user("mia"), without_member("mia"))
    for change in ({f"userChats/mia/{G}/group": {"name": "pwned"}},
                   {f"userChats/mia/{G}/group/name": "pwned"},
                   {f"userChats/mia/{G}": None},
                   {f"userChats/eve/{G}/readAt": NOW}):
        assert not can_update(rules, change, user("mia")), change
    assert not can_update(rules, {f"userChats/eve/{G}/readAt": NOW}, user("eve"))
