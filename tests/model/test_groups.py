"""Group ids, roles, the ownership hand-over, read_by and typing, as the shared model derives
them (app and functions alike)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from messenger_model import chats, groups, limits, paths, receipts

RULES = (Path(__file__).resolve().parents[2] / "database.rules.json").read_text()


def test_group_ids():
    made = {chats.new_group_id() for _ in range(200)}
    assert len(made) == 200 and all(chats.is_group_id(g) for g in made)
    assert all(re.fullmatch(chats.GROUP_ID_PATTERN, g) for g in made)
    for bad in ("g-short", "g-AAAAAAAAAAAAAAAAAAAA\n", "g-AAAAAAAAAAAAAAAAAAA_", "a_b",
                "G-AAAAAAAAAAAAAAAAAAAA", "g-AAAAAAAAAAAAAAAAAAAAA"):
        assert not chats.is_group_id(bad), bad
    # a group id is never a direct chat id, nor the other way round
    assert all(chats.chat_members(g) is None for g in made)
    assert chats.is_chat_id("a_b") and not chats.is_chat_id("b_a")
    # the rules use the same pattern (JSON escapes aside)
    assert chats.GROUP_ID_PATTERN in json.dumps(json.loads(RULES)).replace("\\\\", "\\")


def test_paths():
    assert paths.receipt("g-x", "u") == "receipts/g-x/u"
    assert paths.typing_of("g-x", "u") == "typing/g-x/u"
    assert paths.read_receipts_setting("u") == "privacy/u/readReceipts"
    assert paths.hidden_message("u", "c", "m") == "hidden/u/c/m"
    assert paths.chat_members("g-x") == "chats/g-x/members"


def test_roles_and_successor():
    chat = {"members": {"o": "owner", "a1": "admin", "a2": "admin", "m": "member", "x": "boss"},
            "joinedAt": {"o": 1, "a1": 5, "a2": 3, "m": 0, "x": 0}}
    assert groups.role_of(chat, "x") == "member"  # an unknown role is a plain member
    assert groups.is_admin("owner") and groups.is_admin("admin") and not groups.is_admin("member")
    assert not groups.is_admin(None)
    assert groups.successor(chat, "o") == "a2"  # the longest-standing admin
    no_admins = {"members": {"o": "owner", "m1": "member", "m2": "member"},
                 "joinedAt": {"m1": 9, "m2": 4}}
    assert groups.successor(no_admins, "o") == "m2"
    two_owners = {"members": {"o": "owner", "p": "owner", "m": "member"}}
    assert groups.successor(two_owners, "o") is None
    assert groups.successor({"members": {"o": "owner"}}, "o") is None
    # members without a join time rank after those with one, then by uid
    assert groups.successor({"members": {"o": "owner", "b": "member", "a": "member"}}, "o") == "a"


def test_read_by():
    got = receipts.read_by("s", 10, {"a": 10, "b": 9, "c": 11, "s": 99, "gone": 50},
                           ["s", "a", "b", "c", "d"])
    assert got == ["a", "c"]  # not the sender, not a removed member, not one behind
    assert receipts.read_by("s", 10, {"a": 10, "c": 11}, ["a", "c"], hidden_from=["c"]) == ["a"]
    assert receipts.read_by("s", None, {"a": 10}, ["a"]) == []
    assert receipts.read_by("s", 10, None, ["a"]) == []
    assert receipts.read_by("s", 10, {"a": "x", "b": True}, ["a", "b"]) == []
    assert receipts.receipts_enabled(None) and receipts.receipts_enabled({})
    assert not receipts.receipts_enabled({"readReceipts": False})


def test_typing_now():
    now = 1_000_000
    entries = {"a": now - 100, "b": now - limits.TYPING_FRESH_MS - 1, "me": now, "c": "x",
               "d": now - limits.TYPING_FRESH_MS}
    assert receipts.typing_now(entries, now, exclude="me") == ["a", "d"]
    assert receipts.typing_now(None, now) == []
