"""The `api` function's group, chat, receipt and typing routes over real HTTP (issue 15).

Real accounts (registered through the API), real ID tokens, the real suite with the project's
rules and the unread trigger running. Each route as a member, an admin, the owner, a plain
member trying admin actions, a removed member and a stranger; the database is checked after
every change (one update: membership, system message and userChats entries together).
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from messenger_model.chats import GROUP_ID_PATTERN

from .stack import admin_get, chat_of, register, unread_count, wait_for

NO_CHAT = "g-ZZZZZZZZZZZZZZZZZZZZ"


@pytest.fixture(scope="module")
def people(stack):
    names = ("olga", "adam", "mia", "ben", "eve")
    made = {name: register(stack, f"ga-{name}-{uuid.uuid4().hex[:6]}@example.com")
            for name in names}
    for name, user in made.items():  # display names, for the system messages' wording
        assert user.db("PUT", f"users/{user.uid}/displayName", json=name).status_code == 200
    return made


def ok(reply, status: int = 200):
    assert reply.status_code == status, reply.text
    return reply.json()


def refused(reply, status: int) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert set(body) == {"detail"} and body["detail"], body
    return body["detail"]


def _group(people, *others: str, name: str = "team") -> str:
    olga = people["olga"]
    chat = ok(olga.api("POST", "/create_group",
                       json={"name": name, "members": [people[o].uid for o in others]}))
    return chat["chat_id"]


def _messages(user, chat: str) -> list[dict]:
    return ok(user.api("GET", "/get_messages", params={"chat_id": chat}))


def test_create_and_get_chat(stack, people):
    olga, adam, mia, eve = (people[n] for n in ("olga", "adam", "mia", "eve"))
    chat = _group(people, "adam", "mia", name="  team  ")
    assert re.fullmatch(GROUP_ID_PATTERN, chat)
    for user in (olga, adam, mia):
        got = ok(user.api("GET", "/get_chat", params={"chat_id": chat}))
        assert got == {"chat_id": chat, "type": "group", "name": "team",
                       "members": {olga.uid: "owner", adam.uid: "member", mia.uid: "member"}}
    refused(eve.api("GET", "/get_chat", params={"chat_id": chat}), 403)
    refused(eve.api("GET", "/get_chat", params={"chat_id": NO_CHAT}), 404)
    for bad in ("g-short", "../chats", "a_b/c", "x"):
        refused(olga.api("GET", "/get_chat", params={"chat_id": bad}), 404)
    # a direct chat, through the same route
    direct = chat_of(olga.uid, eve.uid)
    got = ok(eve.api("GET", "/get_chat", params={"chat_id": direct}))
    assert got == {"chat_id": direct, "type": "direct", "name": "olga",
                   "members": {olga.uid: "member", eve.uid: "member"}}
    refused(mia.api("GET", "/get_chat", params={"chat_id": direct}), 403)

    # in the database: the record, every member's entry starting at the join, the system message
    record = admin_get(stack, f"chats/{chat}")
    assert record["createdBy"] == olga.uid and record["type"] == "group"
    assert set(record["joinedAt"]) == {olga.uid, adam.uid, mia.uid}
    for user in (olga, adam, mia):
        entry = admin_get(stack, f"userChats/{user.uid}/{chat}")
        assert entry["group"] == {"name": "team"}
        assert entry["readAt"] == record["joinedAt"][user.uid] == record["createdAt"]
    (created,) = _messages(adam, chat)
    assert created["system"] == {"kind": "created", "actor": olga.uid, "name": "team",
                                 "users": {adam.uid: True, mia.uid: True}}
    assert created["content"] == "olga created the group team"
    # the system message shows as the preview, and is not unread
    wait_for(lambda: (admin_get(stack, f"userChats/{mia.uid}/{chat}") or {}).get("previews"))
    assert unread_count(admin_get(stack, f"userChats/{mia.uid}/{chat}")) == 0


@pytest.mark.parametrize("body,status", [
    ({"name": "", "members": []}, 400),
    ({"name": "   ", "members": []}, 400),
    ({"name": "x" * 101, "members": []}, 400),
    ({"name": "x", "members": "not a list"}, 400),
    ({"name": "x", "members": ["a/b"]}, 400),
    ({"name": "x", "members": ["dup", "dup"]}, 400),
    ({"name": "x", "members": [f"u{i}" for i in range(201)]}, 400),
    ({"name": "x", "members": [f"u{i}" for i in range(200)]}, 400),  # 201 with the owner
    ({"name": "x"}, 400),
    ({"members": []}, 400),
    ({"name": "x", "members": ["nobody-has-this-uid"]}, 404),
])
def test_create_group_bad_input(people, body, status):
    refused(people["olga"].api("POST", "/create_group", json=body), status)


def test_messages_receipts_and_privacy(stack, people):
    olga, adam, mia, eve = (people[n] for n in ("olga", "adam", "mia", "eve"))
    chat = _group(people, "adam", "mia")
    sent = ok(mia.api("POST", "/send_message", json={"chat_id": chat, "content": "hello"}))
    assert sent["chat_id"] == chat
    refused(eve.api("POST", "/send_message", json={"chat_id": chat, "content": "x"}), 403)
    refused(mia.api("POST", "/send_message",
                    json={"chat_id": chat, "sender": olga.uid, "content": "x"}), 403)
    refused(mia.api("POST", "/send_message", json={"chat_id": NO_CHAT, "content": "x"}), 404)
    refused(mia.api("POST", "/send_message", json={"content": "x"}), 400)
    wait_for(lambda: unread_count(admin_get(stack, f"userChats/{olga.uid}/{chat}")) == 1)
    wait_for(lambda: unread_count(admin_get(stack, f"userChats/{adam.uid}/{chat}")) == 1)
    message = _messages(olga, chat)[-1]
    assert message["id"] == sent["message_id"] and message["read_by"] == []
    assert message["sender"] == mia.uid and message["chat_id"] == chat

    # olga reads: one update clears her unread ids and writes her receipt
    ok(olga.api("POST", "/mark_read", json={"chat_id": chat}))
    assert unread_count(admin_get(stack, f"userChats/{olga.uid}/{chat}")) == 0
    assert admin_get(stack, f"receipts/{chat}/{olga.uid}") >= message["timestamp_ms"]
    assert _messages(mia, chat)[-1]["read_by"] == [olga.uid]
    refused(eve.api("POST", "/mark_read", json={"chat_id": chat}), 403)
    refused(eve.api("GET", "/get_messages", params={"chat_id": chat}), 403)
    refused(eve.api("GET", "/get_messages", params={"chat_id": NO_CHAT}), 404)

    # adam switches read receipts off: he writes none, is shown none, and his old one is hidden
    ok(adam.api("POST", "/mark_read", json={"chat_id": chat}))
    assert _messages(mia, chat)[-1]["read_by"] == sorted([olga.uid, adam.uid])
    assert adam.db("PUT", f"privacy/{adam.uid}", json={"readReceipts": False}).status_code == 200
    assert _messages(mia, chat)[-1]["read_by"] == [olga.uid]
    assert all(m["read_by"] == [] for m in _messages(adam, chat))
    second = ok(mia.api("POST", "/send_message", json={"chat_id": chat, "content": "again"}))
    wait_for(lambda: unread_count(admin_get(stack, f"userChats/{adam.uid}/{chat}")) == 1)
    before = admin_get(stack, f"receipts/{chat}/{adam.uid}")
    ok(adam.api("POST", "/mark_read", json={"chat_id": chat}))
    assert unread_count(admin_get(stack, f"userChats/{adam.uid}/{chat}")) == 0
    assert admin_get(stack, f"receipts/{chat}/{adam.uid}") == before  # not moved
    assert _messages(olga, chat)[-1]["id"] == second["message_id"]

    # direct chats get read_by too, through both ways of naming them
    ok(olga.api("POST", "/send_message", json={"chat_id": chat_of(olga.uid, eve.uid),
                                               "content": "hi eve"}))
    ok(eve.api("POST", "/mark_read", json={"sender": olga.uid, "receiver": eve.uid}))
    page = ok(olga.api("GET", "/get_messages", params={"sender": olga.uid, "receiver": eve.uid}))
    assert page[-1]["read_by"] == [eve.uid] and page[-1]["receiver"] == eve.uid


def test_admin_actions(stack, people):
    olga, adam, mia, ben, eve = (people[n] for n in ("olga", "adam", "mia", "ben", "eve"))
    chat = _group(people, "adam", "mia")
    # plain members cannot administer
    for route, body in [("/rename_group", {"chat_id": chat, "name": "x"}),
                        ("/add_members", {"chat_id": chat, "members": [ben.uid]}),
                        ("/remove_member", {"chat_id": chat, "user_id": adam.uid})]:
        refused(mia.api("POST", route, json=body), 403)
        refused(eve.api("POST", route, json=body), 403)
        refused(olga.api("POST", route, json={**body, "chat_id": NO_CHAT}), 404)
    assert admin_get(stack, f"chats/{chat}/name") == "team"

    # only the owner makes admins, through the API (never by writing the record)
    assert olga.db("PUT", f"chats/{chat}/members/{adam.uid}", json="admin").status_code == 401
    role = {"chat_id": chat, "user_id": adam.uid, "role": "admin"}
    refused(mia.api("POST", "/set_role", json=role), 403)
    refused(eve.api("POST", "/set_role", json=role), 403)
    refused(olga.api("POST", "/set_role", json={**role, "user_id": olga.uid}), 400)
    refused(olga.api("POST", "/set_role", json={**role, "user_id": eve.uid}), 404)
    refused(olga.api("POST", "/set_role", json={**role, "role": "owner"}), 400)
    ok(olga.api("POST", "/set_role", json=role))
    assert admin_get(stack, f"chats/{chat}/members/{adam.uid}") == "admin"
    made = _messages(mia, chat)[-1]  # the members are told, as for every membership change
    assert made["system"] == {"kind": "role", "actor": olga.uid, "users": {adam.uid: True},
                              "role": "admin"}
    assert made["content"] == "olga made adam an admin"
    ok(olga.api("POST", "/set_role", json=role))  # no change: nothing to announce
    assert _messages(mia, chat)[-1]["id"] == made["id"]
    ok(olga.api("POST", "/set_role", json={**role, "role": "member"}))
    back = _messages(mia, chat)[-1]
    assert back["system"]["role"] == "member" and back["content"] == "olga made adam a member"
    ok(olga.api("POST", "/set_role", json=role))
    refused(adam.api("POST", "/set_role", json={**role, "user_id": mia.uid}), 403)
    ok(adam.api("POST", "/add_members", json={"chat_id": chat, "members": [ben.uid, mia.uid]}))
    record = admin_get(stack, f"chats/{chat}")
    assert record["members"][ben.uid] == "member"
    entry = admin_get(stack, f"userChats/{ben.uid}/{chat}")
    assert entry["readAt"] == record["joinedAt"][ben.uid] and entry["group"] == {"name": "team"}
    added = _messages(ben, chat)[-1]
    assert added["system"]["kind"] == "added" and added["system"]["users"] == {ben.uid: True}
    assert added["content"] == "adam added ben"
    # the added member sees nothing before their join as unread
    wait_for(lambda: (admin_get(stack, f"userChats/{ben.uid}/{chat}") or {}).get("previews"))
    assert unread_count(admin_get(stack, f"userChats/{ben.uid}/{chat}")) == 0

    ok(adam.api("POST", "/rename_group", json={"chat_id": chat, "name": "crew"}))
    assert admin_get(stack, f"chats/{chat}/name") == "crew"
    for user in (olga, adam, mia, ben):
        assert admin_get(stack, f"userChats/{user.uid}/{chat}/group/name") == "crew"
    assert _messages(mia, chat)[-1]["system"] == {"kind": "renamed", "actor": adam.uid,
                                                  "name": "crew"}

    refused(adam.api("POST", "/remove_member", json={"chat_id": chat, "user_id": olga.uid}), 403)
    refused(adam.api("POST", "/remove_member", json={"chat_id": chat, "user_id": adam.uid}), 400)
    refused(adam.api("POST", "/remove_member", json={"chat_id": chat, "user_id": eve.uid}), 404)

    # mia is removed: membership, entry, receipt and typing go in one update
    ok(mia.api("POST", "/mark_read", json={"chat_id": chat}))
    ok(mia.api("POST", "/typing", json={"chat_id": chat}))
    ok(adam.api("POST", "/remove_member", json={"chat_id": chat, "user_id": mia.uid}))
    assert mia.uid not in admin_get(stack, f"chats/{chat}/members")
    for path in (f"userChats/{mia.uid}/{chat}", f"receipts/{chat}/{mia.uid}",
                 f"typing/{chat}/{mia.uid}", f"chats/{chat}/joinedAt/{mia.uid}"):
        assert admin_get(stack, path) is None, path
    assert _messages(ben, chat)[-1]["system"]["kind"] == "removed"
    # a removed member is a stranger to every route
    for method, route, kwargs in [
        ("GET", "/get_chat", {"params": {"chat_id": chat}}),
        ("GET", "/get_messages", {"params": {"chat_id": chat}}),
        ("POST", "/send_message", {"json": {"chat_id": chat, "content": "still here?"}}),
        ("POST", "/mark_read", {"json": {"chat_id": chat}}),
        ("POST", "/typing", {"json": {"chat_id": chat}}),
        ("GET", "/typing", {"params": {"chat_id": chat}}),
        ("POST", "/leave_group", {"json": {"chat_id": chat}}),
        ("POST", "/rename_group", {"json": {"chat_id": chat, "name": "mine"}}),
        ("POST", "/add_members", {"json": {"chat_id": chat, "members": [mia.uid]}}),
    ]:
        refused(mia.api(method, route, **kwargs), 403)
    # and gets nothing new: a later message makes no entry for them
    ok(ben.api("POST", "/send_message", json={"chat_id": chat, "content": "after mia"}))
    wait_for(lambda: unread_count(admin_get(stack, f"userChats/{olga.uid}/{chat}")) >= 1)
    assert admin_get(stack, f"userChats/{mia.uid}/{chat}") is None
    # the owner may remove an admin
    ok(olga.api("POST", "/remove_member", json={"chat_id": chat, "user_id": adam.uid}))
    assert adam.uid not in admin_get(stack, f"chats/{chat}/members")


def test_leaving_hands_ownership_on(stack, people):
    olga, adam, mia, ben = (people[n] for n in ("olga", "adam", "mia", "ben"))
    from .test_group_trigger import _admin

    chat = _group(people, "mia", "adam", "ben")
    _admin(stack, "PATCH", f"chats/{chat}", {f"members/{ben.uid}": "admin",
                                             f"members/{adam.uid}": "admin",
                                             f"joinedAt/{adam.uid}": 5,
                                             f"joinedAt/{ben.uid}": 9})
    ok(olga.api("POST", "/leave_group", json={"chat_id": chat}))
    members = admin_get(stack, f"chats/{chat}/members")
    assert olga.uid not in members and members[adam.uid] == "owner"  # the longest-standing admin
    assert members[ben.uid] == "admin" and members[mia.uid] == "member"
    assert admin_get(stack, f"userChats/{olga.uid}/{chat}") is None
    left, owner = _messages(mia, chat)[-2:]
    assert left["system"]["kind"] == "left" and left["content"] == "olga left"
    assert owner["system"] == {"kind": "owner", "actor": olga.uid, "users": {adam.uid: True}}
    # with no admin left, the longest-standing member inherits
    ok(people["adam"].api("POST", "/remove_member", json={"chat_id": chat, "user_id": ben.uid}))
    ok(adam.api("POST", "/leave_group", json={"chat_id": chat}))
    assert admin_get(stack, f"chats/{chat}/members") == {mia.uid: "owner"}
    ok(mia.api("POST", "/leave_group", json={"chat_id": chat}))
    assert admin_get(stack, f"chats/{chat}/members") is None
    refused(mia.api("GET", "/get_chat", params={"chat_id": chat}), 403)
    refused(mia.api("POST", "/leave_group", json={"chat_id": chat_of(mia.uid, olga.uid)}), 404)


def test_typing(stack, people):
    olga, adam, mia, eve = (people[n] for n in ("olga", "adam", "mia", "eve"))
    chat = _group(people, "adam", "mia")
    assert ok(olga.api("GET", "/typing", params={"chat_id": chat})) == []
    ok(mia.api("POST", "/typing", json={"chat_id": chat}))
    ok(adam.api("POST", "/typing", json={"chat_id": chat}))
    assert ok(olga.api("GET", "/typing", params={"chat_id": chat})) == sorted([mia.uid, adam.uid])
    assert ok(mia.api("GET", "/typing", params={"chat_id": chat})) == [adam.uid]  # not yourself
    assert isinstance(admin_get(stack, f"typing/{chat}/{mia.uid}"), int)  # server time
    # a stale entry (a crashed client) is not typing
    from .test_group_trigger import _admin

    _admin(stack, "PUT", f"typing/{chat}/{adam.uid}", 1)
    assert ok(olga.api("GET", "/typing", params={"chat_id": chat})) == [mia.uid]
    refused(eve.api("POST", "/typing", json={"chat_id": chat}), 403)
    refused(eve.api("GET", "/typing", params={"chat_id": chat}), 403)
    refused(eve.api("GET", "/typing", params={"chat_id": NO_CHAT}), 404)
    refused(eve.api("GET", "/typing", params={}), 400)
    direct = chat_of(olga.uid, eve.uid)
    ok(eve.api("POST", "/typing", json={"chat_id": direct}))
    assert ok(olga.api("GET", "/typing", params={"chat_id": direct})) == [eve.uid]


def test_openapi_lists_the_group_routes(stack):
    import requests

    document = requests.get(f"{stack.api_url}/openapi.json", timeout=30).json()
    for path in ("/create_group", "/rename_group", "/add_members", "/remove_member",
                 "/set_role", "/leave_group", "/get_chat", "/typing"):
        assert path in document["paths"], path
    assert set(document["paths"]["/typing"]) == {"get", "post"}
    message = document["components"]["schemas"]["MessageOut"]["properties"]
    assert "read_by" in message and "system" in message


def test_removal_through_the_api_ends_the_removed_members_streams(stack, people):
    """remove_member's one update: mia's open streams of the group end with `cancel` (before
    the system message that tells of it), while a member's stream gets that message."""
    from tests.database.sse import CLOSED, SseReader

    olga, mia, ben = people["olga"], people["mia"], people["ben"]
    chat = _group(people, "mia", "ben")

    def stream(user, path):
        reader = SseReader(f"{stack.database_url}/{path}.json",
                           params={"ns": stack.ns, "auth": user.id_token})
        assert reader.status == 200 and reader.next()[0] == "put"
        return reader

    mine = [stream(mia, f"messages/{chat}"), stream(mia, f"chats/{chat}"),
            stream(mia, f"typing/{chat}"), stream(mia, f"receipts/{chat}")]
    theirs = stream(ben, f"messages/{chat}")
    ok(olga.api("POST", "/remove_member", json={"chat_id": chat, "user_id": mia.uid}))
    for reader in mine:
        assert reader.next(timeout=5) == ("cancel", "Permission denied.")
        assert reader.next(timeout=5) == CLOSED
        reader.close()
    event, data = theirs.next(timeout=5)
    # a multi-path update reaches a stream as a patch of the written paths below it
    assert event == "patch" and '"kind": "removed"' in json.dumps(data), (event, data)
    theirs.close()


def _admin_put(stack, path: str, value) -> None:
    import requests

    reply = requests.put(f"{stack.database_url}/{path}.json", params={"ns": stack.ns},
                         json=value, headers={"Authorization": "Bearer owner"}, timeout=30)
    assert reply.status_code == 200, reply.text


def test_two_admins_adding_at_once_never_pass_the_limit(stack, people):
    """Each admin's add alone fits under GROUP_MAX_MEMBERS, both together do not: fired at
    the same moment over HTTP, one is refused (400), and the group never has more than the
    limit. Membership changes of one group are serialised (a conditional claim)."""
    import threading

    from messenger_model.limits import GROUP_MAX_MEMBERS

    olga, adam, mia = (people[n] for n in ("olga", "adam", "mia"))
    tag = uuid.uuid4().hex[:6]
    filler = [f"fill-{tag}-{i:03d}" for i in range(GROUP_MAX_MEMBERS - 8)]
    extra = [f"more-{tag}-{i:02d}" for i in range(5 * 2 * 3)]
    for uid in filler + extra:  # accounts, as far as the api checks them (profile with email)
        _admin_put(stack, f"users/{uid}", {"email": f"{uid}@example.com", "createdAt": 1})
    for round_ in range(3):
        chat = ok(olga.api("POST", "/create_group", json={
            "name": f"full {round_}", "members": [adam.uid, mia.uid, *filler]}))["chat_id"]
        for admin_ in (adam, mia):
            ok(olga.api("POST", "/set_role", json={"chat_id": chat, "user_id": admin_.uid,
                                                   "role": "admin"}))
        assert len(admin_get(stack, f"chats/{chat}/members")) == GROUP_MAX_MEMBERS - 5
        batches = [extra[10 * round_:10 * round_ + 5], extra[10 * round_ + 5:10 * round_ + 10]]
        start = threading.Barrier(2)
        answers: list = [None, None]

        def add(n: int, who, batch, chat=chat, start=start, answers=answers) -> None:
            start.wait()
            answers[n] = who.api("POST", "/add_members", json={"chat_id": chat,
                                                               "members": batch})

        threads = [threading.Thread(target=add, args=(n, who, batch))
                   for n, (who, batch) in enumerate(zip((adam, mia), batches, strict=True))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200, 400], [(a.status_code, a.text) for a in answers]
        members = admin_get(stack, f"chats/{chat}/members")
        assert len(members) == GROUP_MAX_MEMBERS, len(members)
        won = batches[[a.status_code for a in answers].index(200)]
        assert set(won) <= set(members)
        # the record, the entries and the system message agree
        assert set(admin_get(stack, f"chats/{chat}/joinedAt")) == set(members)
        assert admin_get(stack, f"groupLocks/{chat}") is None  # released by the change
