"""Groups, receipts, typing, privacy and hidden messages attacked over real HTTP (issue 15).

The real suite (Auth + Database emulators, the project's database.rules.json), ID tokens
minted by the Auth emulator, plain `requests` as the attacker's client. Every group path as a
stranger, a removed member and a plain member trying admin actions; forged memberships and
roles; and each refused write leaves the data exactly as it was. The legitimate operations
next to each attack succeed, so a refusal is the rules' doing, not a broken request.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .db_support import PROJECT, InProcessSuite

SV = {".sv": "timestamp"}
G = "g-AAAAAAAAAAAAAAAAAAAA"      # owner olga, admin adam, member mia; rem was removed
G2 = "g-BBBBBBBBBBBBBBBBBBBB"     # eve's own group
UNMADE = "g-CCCCCCCCCCCCCCCCCCCC"  # no group with this id exists


def seed() -> dict[str, Any]:
    members = {"olga": "owner", "adam": "admin", "mia": "member"}
    return {
        "users": {uid: {"email": f"{uid}@example.com", "displayName": uid}
                  for uid in ("olga", "adam", "mia", "rem", "eve")},
        "chats": {
            G: {"type": "group", "name": "team", "createdAt": 1, "createdBy": "olga",
                "members": members, "joinedAt": dict.fromkeys(members, 1)},
            G2: {"type": "group", "name": "eve's", "createdAt": 1, "createdBy": "eve",
                 "members": {"eve": "owner"}, "joinedAt": {"eve": 1}},
        },
        "messages": {G: {"m1": {"sender": "mia", "text": "secret plan", "ts": 5},
                         "m2": {"sender": "rem", "text": "said before leaving", "ts": 4}},
                     G2: {"e1": {"sender": "eve", "text": "eve's", "ts": 5}}},
        "userChats": {uid: {G: {"readAt": 1, "group": {"name": "team"}}} for uid in members},
        "receipts": {G: {"olga": 5, "mia": 5}},
        "typing": {G: {"adam": 1}},
        "privacy": {"mia": {"readReceipts": True}},
        "hidden": {"mia": {G: {"m1": True}}},
    }


class Db:
    def __init__(self, suite: InProcessSuite) -> None:
        self.suite = suite
        self.base = f"http://127.0.0.1:{suite.db_port}"

    def call(self, who: str | None, method: str, path: str, body: Any = None,
             **params: str) -> requests.Response:
        query = {"ns": PROJECT, **params}
        if who is not None:
            query["auth"] = "owner" if who == "admin" else self.suite.token(who)
        return requests.request(method, f"{self.base}/{path}.json", params=query,
                                json=body, timeout=10)

    def tree(self) -> Any:
        return self.call("admin", "GET", "").json()


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Iterator[Db]:
    suite = InProcessSuite(tmp_path_factory.mktemp("groups"), secure=False).start()
    try:
        yield Db(suite)
    finally:
        suite.stop()


@pytest.fixture
def fresh(db: Db) -> Db:
    assert db.call("admin", "PUT", "", seed()).status_code == 200
    return db


READ_PATHS = [f"chats/{G}", f"chats/{G}/members", f"chats/{G}/name", f"messages/{G}",
              f"messages/{G}/m1", f"receipts/{G}", f"receipts/{G}/olga", f"typing/{G}",
              f"userChats/olga/{G}", "privacy/mia", f"hidden/mia/{G}", "receipts", "typing",
              "privacy", "hidden", "chats", "messages"]


@pytest.mark.parametrize("who", [None, "eve", "rem"])
def test_outsiders_read_nothing_of_a_group(fresh: Db, who) -> None:
    leaks = []
    for path in READ_PATHS:
        for params in ({}, {"orderBy": '"ts"', "limitToLast": "5"}, {"shallow": "true"}):
            if "orderBy" in params and not path.startswith("messages/g-"):
                continue
            reply = fresh.call(who, "GET", path, **params)
            if reply.status_code != 401:
                leaks.append(f"{path} {params}: {reply.status_code} {reply.text[:60]}")
    assert not leaks, "\n".join(leaks)


def test_members_read_their_group(fresh: Db) -> None:
    for who in ("olga", "adam", "mia"):
        for path in (f"chats/{G}", f"messages/{G}", f"receipts/{G}", f"typing/{G}"):
            assert fresh.call(who, "GET", path).status_code == 200, (who, path)
    assert fresh.call("mia", "GET", f"messages/{G}", orderBy='"ts"',
                      limitToLast="1").json() == {"m1": {"sender": "mia", "text": "secret plan",
                                                         "ts": 5}}
    assert fresh.call("olga", "GET", f"messages/{G2}").status_code == 401


def _attacks() -> list[tuple[str, str, str, str, Any]]:
    """(name, who, method, path, body): every one must be refused."""
    msg = {"text": "hi", "ts": SV}
    return [
        # strangers and removed members write nothing
        ("stranger sends", "eve", "POST", f"messages/{G}", {**msg, "sender": "eve"}),
        ("removed member sends", "rem", "POST", f"messages/{G}", {**msg, "sender": "rem"}),
        ("stranger sends into an unmade group", "eve", "PUT", f"messages/{UNMADE}/x",
         {**msg, "sender": "eve"}),
        ("stranger marks read", "eve", "PATCH", "",
         {f"userChats/eve/{G}/readAt": SV, f"receipts/{G}/eve": SV}),
        ("removed member marks read", "rem", "PATCH", f"userChats/rem/{G}",
         {"unreadIds": None, "readAt": SV}),
        ("removed member's receipt", "rem", "PUT", f"receipts/{G}/rem", SV),
        ("removed member types", "rem", "PUT", f"typing/{G}/rem", SV),
        ("stranger types", "eve", "PUT", f"typing/{G}/eve", SV),
        # nobody makes themselves a member or an admin, nor changes the group
        ("stranger joins", "eve", "PUT", f"chats/{G}/members/eve", "member"),
        ("stranger joins as owner", "eve", "PATCH", f"chats/{G}/members", {"eve": "owner"}),
        ("removed member rejoins", "rem", "PUT", f"chats/{G}/members/rem", "member"),
        ("member promotes self", "mia", "PUT", f"chats/{G}/members/mia", "admin"),
        ("member adds a friend", "mia", "PUT", f"chats/{G}/members/eve", "member"),
        ("member removes the owner", "mia", "DELETE", f"chats/{G}/members/olga", None),
        ("member renames", "mia", "PUT", f"chats/{G}/name", "pwned"),
        ("member back-dates own join", "mia", "PUT", f"chats/{G}/joinedAt/mia", 0),
        ("admin adds directly", "adam", "PUT", f"chats/{G}/members/eve", "member"),
        ("admin removes directly", "adam", "DELETE", f"chats/{G}/members/mia", None),
        ("admin promotes self to owner", "adam", "PUT", f"chats/{G}/members/adam", "owner"),
        ("owner edits the record directly", "olga", "PUT", f"chats/{G}/name", "x"),
        ("owner deletes the group directly", "olga", "DELETE", f"chats/{G}", None),
        ("stranger mints a group", "eve", "PUT", f"chats/{UNMADE}",
         {"type": "group", "name": "mine", "createdAt": SV, "createdBy": "eve",
          "members": {"eve": "owner", "olga": "member"}}),
        ("group with a direct-looking member map", "eve", "PUT", f"chats/{UNMADE}",
         {"type": "direct", "createdAt": SV, "members": {"eve": True}}),
        # messages: as yourself, no system messages, only your own deletions
        ("member forges a sender", "mia", "POST", f"messages/{G}", {**msg, "sender": "olga"}),
        ("member forges a system message", "mia", "POST", f"messages/{G}",
         {**msg, "sender": "mia", "system": {"kind": "added", "actor": "olga",
                                             "users": {"eve": True}}}),
        ("owner deletes a member's message", "olga", "DELETE", f"messages/{G}/m1", None),
        ("member edits a message", "mia", "PATCH", f"messages/{G}/m1", {"text": "changed"}),
        ("owner wipes the chat", "olga", "DELETE", f"messages/{G}", None),
        # receipts, typing: your own, now, in your chats
        ("member writes another's receipt", "mia", "PUT", f"receipts/{G}/olga", SV),
        ("member back-dates a receipt", "mia", "PUT", f"receipts/{G}/mia", 1),
        ("member deletes another's receipt", "mia", "DELETE", f"receipts/{G}/olga", None),
        ("member types as another", "mia", "PUT", f"typing/{G}/adam", SV),
        ("member types in the future", "mia", "PUT", f"typing/{G}/mia", 9_999_999_999_999),
        ("member clears everyone's typing", "mia", "DELETE", f"typing/{G}", None),
        # userChats group entries: the API's and the trigger's
        ("member renames own entry", "mia", "PATCH", f"userChats/mia/{G}/group",
         {"name": "pwned"}),
        ("member forges an unread id", "mia", "PUT", f"userChats/mia/{G}/unreadIds/m1", 5),
        ("member writes another's entry", "mia", "PATCH", f"userChats/olga/{G}",
         {"unreadIds": None, "readAt": SV}),
        ("removed member recreates the entry", "rem", "PUT", f"userChats/rem/{G}",
         {"readAt": SV}),
        # privacy, hidden: the owner's
        ("another's privacy", "eve", "PUT", "privacy/mia", {"readReceipts": False}),
        ("privacy with extra fields", "mia", "PUT", "privacy/mia",
         {"readReceipts": False, "admin": True}),
        ("another's hidden", "eve", "DELETE", f"hidden/mia/{G}/m1", None),
        ("hide in another's list", "eve", "PUT", f"hidden/mia/{G}/m2", True),
        ("hidden not true", "mia", "PUT", f"hidden/mia/{G}/m2", "yes"),
    ]


@pytest.mark.parametrize("name,who,method,path,body", _attacks(), ids=[a[0] for a in _attacks()])
def test_group_attacks_are_refused_and_change_nothing(fresh: Db, name, who, method, path,
                                                      body) -> None:
    before = fresh.tree()
    reply = fresh.call(who, method, path, body)
    assert reply.status_code == 401, f"{reply.status_code} {reply.text[:200]}"
    assert reply.json() == {"error": "Permission denied"}
    assert fresh.tree() == before


def test_legitimate_group_operations_succeed(fresh: Db) -> None:
    ok = [
        ("member sends", "mia", "POST", f"messages/{G}", {"sender": "mia", "text": "x",
                                                          "ts": SV}),
        ("member marks read with a receipt", "mia", "PATCH", "",
         {f"userChats/mia/{G}/unreadIds": None, f"userChats/mia/{G}/readAt": SV,
          f"receipts/{G}/mia": SV}),
        ("member types", "adam", "PUT", f"typing/{G}/adam", SV),
        ("member stops typing", "adam", "DELETE", f"typing/{G}/adam", None),
        ("sender deletes own message", "mia", "DELETE", f"messages/{G}/m1", None),
        ("privacy off", "mia", "PUT", "privacy/mia", {"readReceipts": False}),
        ("hide a message", "mia", "PUT", f"hidden/mia/{G}/m2", True),
        ("unhide it", "mia", "DELETE", f"hidden/mia/{G}/m2", None),
        ("own privacy read", "mia", "GET", "privacy/mia", None),
    ]
    failures = []
    for name, who, method, path, body in ok:
        reply = fresh.call(who, method, path, body)
        if reply.status_code != 200:
            failures.append(f"{name}: {reply.status_code} {reply.text[:99]}")
    assert not failures, "\n".join(failures)
    # with read receipts off, no receipt is accepted (the rules keep the switch honest)
    assert fresh.call("mia", "PUT", f"receipts/{G}/mia", SV).status_code == 401


def test_a_refused_multi_path_update_writes_nothing(fresh: Db) -> None:
    """A member's legitimate mark-read smuggling one admin-only key: all refused."""
    before = copy.deepcopy(fresh.tree())
    reply = fresh.call("mia", "PATCH", "", {f"userChats/mia/{G}/readAt": SV,
                                            f"chats/{G}/members/mia": "owner"})
    assert reply.status_code == 401
    assert fresh.tree() == before
