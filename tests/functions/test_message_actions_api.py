"""The `api` function's message actions and search (issue 16) over real HTTP: every route as
every kind of caller (no token, a stranger with no chats, a non-member who has other chats,
a member, the sender), bad input (400 {"detail"}), and what each left in the database.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from messenger_model.chats import new_group_id

from .stack import Triggers, admin_get, chat_of, register, unread_count, wait_for

SV = {".sv": "timestamp"}


def _admin(stack, method: str, path: str, body: Any = None) -> None:
    reply = requests.request(method, f"{stack.database_url}/{path}.json",
                             params={"ns": stack.ns}, json=body,
                             headers={"Authorization": "Bearer owner"}, timeout=30)
    assert reply.status_code == 200, reply.text


@pytest.fixture(scope="module")
def world(stack) -> dict[str, Any]:
    import uuid

    tag = uuid.uuid4().hex[:6]
    alice, bob, carol, eve = (register(stack, f"act-{name}-{tag}@example.com")
                              for name in ("alice", "bob", "carol", "eve"))
    ab, ac = chat_of(alice.uid, bob.uid), chat_of(alice.uid, carol.uid)
    group = new_group_id()  # alice and bob; carol was never in it
    _admin(stack, "PUT", f"chats/{group}", {
        "type": "group", "name": "team", "createdAt": 1, "createdBy": alice.uid,
        "members": {alice.uid: "owner", bob.uid: "member"},
        "joinedAt": {alice.uid: 1, bob.uid: 1}})
    sent = alice.api("POST", "/send_message", json={"sender": alice.uid, "receiver": carol.uid,
                                                    "content": "hi carol"})
    assert sent.status_code == 200, sent.text
    return {"alice": alice, "bob": bob, "carol": carol, "eve": eve, "AB": ab, "AC": ac,
            "G": group}


def _send(user, receiver, text: str) -> tuple[str, str]:
    reply = user.api("POST", "/send_message", json={"sender": user.uid, "receiver": receiver.uid,
                                                    "content": text})
    assert reply.status_code == 200, reply.text
    chat, message_id = reply.json()["chat_id"], reply.json()["message_id"]
    Triggers(user.stack).created(chat, message_id)  # in-process stacks: the trigger's part
    return chat, message_id


def _error(reply: requests.Response, status: int) -> str:
    assert reply.status_code == status, (reply.status_code, reply.text)
    body = reply.json()
    assert set(body) == {"detail"} and body["detail"], body
    return body["detail"]


def _no_token(stack, method: str, route: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, f"{stack.api_url}{route}", timeout=30, **kwargs)


# --- POST /edit_message/{chat_id}/{message_id} ----------------------------------------------
def test_edit_message_by_every_caller(stack, world) -> None:
    alice, bob, carol, eve = (world[k] for k in ("alice", "bob", "carol", "eve"))
    chat, message_id = _send(alice, bob, "meet at 5")
    route = f"/edit_message/{chat}/{message_id}"
    body = {"content": "meet at 6"}
    _error(_no_token(stack, "POST", route, json=body), 401)
    assert _error(eve.api("POST", route, json=body), 403) == "You are not a member of this chat."
    _error(carol.api("POST", route, json=body), 403)
    assert _error(bob.api("POST", route, json=body), 403) == (
        "Only the sender may edit a message.")
    assert admin_get(stack, f"messages/{chat}/{message_id}")["text"] == "meet at 5"
    done = alice.api("POST", route, json=body)
    assert done.status_code == 200 and done.json() == {"status": "edited"}, done.text
    stored = admin_get(stack, f"messages/{chat}/{message_id}")
    assert stored["text"] == "meet at 6" and stored["editedAt"] >= stored["ts"]
    assert set(stored) == {"sender", "text", "ts", "editedAt"}
    # the same text again: nothing to change, editedAt stays
    assert alice.api("POST", route, json=body).json() == {"status": "edited"}
    assert admin_get(stack, f"messages/{chat}/{message_id}") == stored
    # the trigger took it as an edit (in-process: delivered here): both previews show the
    # new text, and bob has no new unread
    Triggers(stack).changed(chat, message_id, {**stored, "text": "meet at 5"}, stored)
    for uid in (alice.uid, bob.uid):
        wait_for(lambda uid=uid: (admin_get(stack, f"userChats/{uid}/{chat}/previews/"
                                            f"{message_id}") or {}).get("text") == "meet at 6")
    assert unread_count(admin_get(stack, f"userChats/{bob.uid}/{chat}")) == 1  # the one message


@pytest.mark.parametrize("body,status", [
    ({}, 400), ({"content": ""}, 400), ({"content": "   "}, 400), ({"content": "x" * 4001}, 400),
    ({"content": 5}, 400), ({"content": "\ud800"}, 400),
])
def test_edit_message_bad_input(world, body, status) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "original")
    _error(alice.api("POST", f"/edit_message/{chat}/{message_id}", json=body), status)
    _error(alice.api("POST", f"/edit_message/{chat}/{message_id}", data=b"{not json",
                     headers={"Content-Type": "application/json"}), 400)


def test_edit_message_of_nothing(stack, world) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "soon gone")
    assert alice.api("DELETE", f"/delete_message/{chat}/{message_id}").status_code == 200
    _error(alice.api("POST", f"/edit_message/{chat}/{message_id}", json={"content": "x"}), 404)
    assert admin_get(stack, f"messages/{chat}/{message_id}") is None  # no husk
    _error(alice.api("POST", f"/edit_message/{chat}/nope", json={"content": "x"}), 404)
    _error(alice.api("POST", "/edit_message/not-a-chat/m1", json={"content": "x"}), 404)
    _error(alice.api("POST", f"/edit_message/{new_group_id()}/m1", json={"content": "x"}), 404)


def test_group_events_are_not_edited(stack, world) -> None:
    alice, group = world["alice"], world["G"]
    _admin(stack, "PUT", f"messages/{group}/sys1", {
        "sender": alice.uid, "text": "alice created team", "ts": SV,
        "system": {"kind": "created", "actor": alice.uid}})
    _error(alice.api("POST", f"/edit_message/{group}/sys1", json={"content": "hacked"}), 403)


# --- POST /react/{chat_id}/{message_id} -----------------------------------------------------
def test_react_by_every_caller(stack, world) -> None:
    alice, bob, carol, eve = (world[k] for k in ("alice", "bob", "carol", "eve"))
    chat, message_id = _send(alice, bob, "lunch?")
    route = f"/react/{chat}/{message_id}"
    path = f"messages/{chat}/{message_id}"
    _error(_no_token(stack, "POST", route, json={"emoji": "👍"}), 401)
    _error(eve.api("POST", route, json={"emoji": "👍"}), 403)
    _error(carol.api("POST", route, json={"emoji": "👍"}), 403)
    assert "reactions" not in admin_get(stack, path)
    for who, emoji in ((bob, "👍"), (alice, "❤️"), (bob, "😂")):  # bob changes his
        reply = who.api("POST", route, json={"emoji": emoji})
        assert reply.status_code == 200 and reply.json() == {"status": "ok"}, reply.text
    assert admin_get(stack, f"{path}/reactions") == {alice.uid: "❤️", bob.uid: "😂"}
    assert bob.api("POST", route, json={"emoji": ""}).status_code == 200  # removes his
    assert admin_get(stack, f"{path}/reactions") == {alice.uid: "❤️"}
    assert alice.api("POST", route, json={"emoji": ""}).status_code == 200
    stored = admin_get(stack, path)
    assert "reactions" not in stored and stored["text"] == "lunch?"


@pytest.mark.parametrize("body", [
    {}, {"emoji": "x" * 17}, {"emoji": "👍" * 9}, {"emoji": "  "}, {"emoji": "a\nb"},
    {"emoji": 1}, {"emoji": None},
], ids=repr)
def test_react_bad_input(world, body) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "react badly")
    _error(bob.api("POST", f"/react/{chat}/{message_id}", json=body), 400)


def test_react_on_a_deleted_message_makes_no_husk(stack, world) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "soon gone")
    assert alice.api("DELETE", f"/delete_message/{chat}/{message_id}").status_code == 200
    _error(bob.api("POST", f"/react/{chat}/{message_id}", json={"emoji": "👍"}), 404)
    assert admin_get(stack, f"messages/{chat}/{message_id}") is None
    _error(bob.api("POST", f"/react/{chat}/{message_id}", json={"emoji": ""}), 404)


def test_react_in_a_group(stack, world) -> None:
    alice, bob, carol, group = world["alice"], world["bob"], world["carol"], world["G"]
    _admin(stack, "PUT", f"messages/{group}/gm1", {"sender": alice.uid, "text": "team", "ts": SV})
    assert bob.api("POST", f"/react/{group}/gm1", json={"emoji": "🎉"}).status_code == 200
    _error(carol.api("POST", f"/react/{group}/gm1", json={"emoji": "🎉"}), 403)
    assert admin_get(stack, f"messages/{group}/gm1/reactions") == {bob.uid: "🎉"}


# --- POST /forward_message ------------------------------------------------------------------
def test_forward_message_by_every_caller(stack, world) -> None:
    alice, bob, carol, eve = (world[k] for k in ("alice", "bob", "carol", "eve"))
    chat, message_id = _send(alice, bob, "the plan")
    bc = chat_of(bob.uid, carol.uid)
    body = {"from_chat_id": chat, "message_id": message_id, "to_chat_id": bc}
    _error(_no_token(stack, "POST", "/forward_message", json=body), 401)
    _error(eve.api("POST", "/forward_message", json=body), 403)
    # carol is in bob_carol but not in alice_bob: she cannot forward (so read) its messages
    _error(carol.api("POST", "/forward_message", json=body), 403)
    # alice is in alice_bob but not in bob_carol
    _error(alice.api("POST", "/forward_message", json=body), 403)
    done = bob.api("POST", "/forward_message", json=body)
    assert done.status_code == 200, done.text
    assert done.json()["chat_id"] == bc
    copy = admin_get(stack, f"messages/{bc}/{done.json()['message_id']}")
    assert copy["sender"] == bob.uid and copy["text"] == "the plan"
    assert copy["forwardedFrom"] == {"sender": alice.uid, "chatId": chat, "messageId": message_id}
    assert admin_get(stack, f"chats/{bc}/members") == {bob.uid: True, carol.uid: True}
    # into a group bob is in
    group = world["G"]
    into_group = bob.api("POST", "/forward_message", json={**body, "to_chat_id": group})
    assert into_group.status_code == 200, into_group.text
    assert admin_get(stack, f"messages/{group}/{into_group.json()['message_id']}")["text"] == (
        "the plan")


@pytest.mark.parametrize("change,status", [
    ({"message_id": "nope"}, 404),
    ({"to_chat_id": "not-a-chat"}, 404),
    ({"from_chat_id": "not-a-chat"}, 404),
    ({"to_chat_id": "g-AAAAAAAAAAAAAAAAAAAA"}, 404),
    ({"message_id": ""}, 400),
    ({"to_chat_id": None}, 400),
    ({"from_chat_id": 7}, 400),
], ids=repr)
def test_forward_message_bad_input(world, change, status) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "fwd me")
    body = {"from_chat_id": chat, "message_id": message_id, "to_chat_id": world["AC"], **change}
    _error(alice.api("POST", "/forward_message", json=body), status)


def test_forward_of_a_group_event_is_refused_and_of_a_file_without_storage_is_503(
        stack, world) -> None:
    """This stack runs no Storage emulator: a file cannot be copied, which is a 503 {"detail"}
    (copying for real: test_forward_files_api.py)."""
    alice, bob, group = world["alice"], world["bob"], world["G"]
    chat = world["AB"]
    _admin(stack, "PUT", f"messages/{chat}/file1", {
        "sender": alice.uid, "text": "", "ts": SV, "attachment": {
            "path": f"chats/{chat}/{alice.uid}/a.png", "name": "a.png", "size": 3,
            "contentType": "image/png"}})
    _admin(stack, "PUT", f"messages/{group}/sys2", {
        "sender": alice.uid, "text": "alice created team", "ts": SV,
        "system": {"kind": "created", "actor": alice.uid}})
    _error(bob.api("POST", "/forward_message", json={
        "from_chat_id": group, "message_id": "sys2", "to_chat_id": chat}), 400)
    before = admin_get(stack, f"messages/{chat}")
    assert "try again" in _error(bob.api("POST", "/forward_message", json={
        "from_chat_id": chat, "message_id": "file1", "to_chat_id": chat}), 503)
    assert admin_get(stack, f"messages/{chat}") == before  # nothing written


def test_forward_to_someone_without_an_account(world) -> None:
    alice, bob = world["alice"], world["bob"]
    chat, message_id = _send(alice, bob, "fwd me")
    nobody = chat_of(alice.uid, "nobody-here")
    _error(alice.api("POST", "/forward_message", json={
        "from_chat_id": chat, "message_id": message_id, "to_chat_id": nobody}), 404)


# --- GET /search ----------------------------------------------------------------------------
def test_search_by_every_caller(stack, world) -> None:
    alice, bob, carol, eve = (world[k] for k in ("alice", "bob", "carol", "eve"))
    ab, first = _send(alice, bob, "Pineapple pizza tonight?")
    _, second = _send(bob, alice, "only if it has PINEAPPLE")
    ac, third = _send(carol, alice, "pineapple juice for carol")
    _send(bob, carol, "bob and carol: pineapple secret")  # alice is not in this chat
    _error(_no_token(stack, "GET", "/search", params={"q": "pineapple"}), 401)
    assert eve.api("GET", "/search", params={"q": "pineapple"}).json() == []
    _error(eve.api("GET", "/search", params={"q": "pineapple", "chat_id": ab}), 403)
    _error(carol.api("GET", "/search", params={"q": "pineapple", "chat_id": ab}), 403)

    found = alice.api("GET", "/search", params={"q": "pineapple"})
    assert found.status_code == 200, found.text
    hits = found.json()
    assert [(h["chat_id"], h["id"]) for h in hits] == [(ac, third), (ab, second), (ab, first)]
    assert hits[1] == {"chat_id": ab, "id": second, "sender": bob.uid,
                       "content": "only if it has PINEAPPLE",
                       "timestamp": hits[1]["timestamp_ms"] // 1000,
                       "timestamp_ms": admin_get(stack, f"messages/{ab}/{second}")["ts"]}
    only_ab = alice.api("GET", "/search", params={"q": "PineApple", "chat_id": ab}).json()
    assert [h["id"] for h in only_ab] == [second, first]
    assert [h["id"] for h in alice.api("GET", "/search",
                                       params={"q": "pineapple", "limit": 1}).json()] == [third]
    # bob sees his two chats' hits, not alice_carol's
    assert {h["chat_id"] for h in bob.api("GET", "/search", params={"q": "pineapple"}).json()} \
        == {ab, chat_of(bob.uid, carol.uid)}
    # hidden ("delete for me") is hidden from search too; an edit is found by its new text
    _admin(stack, "PUT", f"hidden/{alice.uid}/{ab}/{first}", True)
    assert alice.api("POST", f"/edit_message/{ac}/{third}", json={"content": "x"}).status_code \
        == 403  # carol's message
    assert carol.api("POST", f"/edit_message/{ac}/{third}",
                     json={"content": "mango juice"}).status_code == 200
    assert [h["id"] for h in alice.api("GET", "/search", params={"q": "pineapple"}).json()] == [
        second]
    assert [h["id"] for h in alice.api("GET", "/search", params={"q": "MANGO"}).json()] == [third]


@pytest.mark.parametrize("params", [
    {}, {"q": ""}, {"q": "   "}, {"q": "x" * 101}, {"q": "a", "limit": 0},
    {"q": "a", "limit": 201}, {"q": "a", "limit": "many"}, {"q": "a", "chat_id": ""},
    {"q": "a", "before": ""}, {"q": "a", "before": "123"}, {"q": "a", "before": "x:c:m"},
    {"q": "a", "before": "1:c:m:extra"}, {"q": "a", "before": "1:c/d:m"},
    {"q": "a", "before": "1" * 17 + ":c:m"},
], ids=repr)
def test_search_bad_input(world, params) -> None:
    _error(world["alice"].api("GET", "/search", params=params), 400)


def test_search_pages_cover_every_hit_once_in_order(stack, world) -> None:
    # hits in two chats, with equal timestamps across them (an import could make those),
    # read three at a time by following `before`: together the whole list, in its order
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    ab, ac = world["AB"], world["AC"]
    for i in range(4):
        _admin(stack, "PUT", f"messages/{ab}/kiwi-ab-{i}",
               {"sender": bob.uid, "text": f"kiwi {i}", "ts": 1_000 + i})
        _admin(stack, "PUT", f"messages/{ac}/kiwi-ac-{i}",
               {"sender": carol.uid, "text": f"KIWI {i}", "ts": 1_000 + i // 2})
    _send(bob, alice, "a fresh kiwi")  # the newest, with a server timestamp
    everything = alice.api("GET", "/search", params={"q": "kiwi"}).json()
    assert len(everything) == 9
    keys = [(h["timestamp_ms"], h["chat_id"], h["id"]) for h in everything]
    assert keys == sorted(keys, reverse=True)
    pages, before = [], None
    while True:
        params = {"q": "kiwi", "limit": 3, **({"before": before} if before else {})}
        page = alice.api("GET", "/search", params=params)
        assert page.status_code == 200, page.text
        if not page.json():
            break
        pages.append(page.json())
        last = page.json()[-1]
        before = f"{last['timestamp_ms']}:{last['chat_id']}:{last['id']}"
    assert [len(p) for p in pages] == [3, 3, 3]
    assert [h for p in pages for h in p] == everything
    # one chat, paged the same way
    only_ac = alice.api("GET", "/search", params={"q": "kiwi", "chat_id": ac,
                                                  "before": f"1001:{ac}:kiwi-ac-3"}).json()
    assert [h["id"] for h in only_ac] == ["kiwi-ac-2", "kiwi-ac-1", "kiwi-ac-0"]
    # a cursor naming someone else's chat opens nothing: it only places the caller's own hits
    eve = world["eve"]
    assert eve.api("GET", "/search", params={"q": "kiwi",
                                             "before": f"9999999999999:{ac}:x"}).json() == []
    _error(eve.api("GET", "/search", params={"q": "kiwi", "chat_id": ac,
                                             "before": f"9999999999999:{ac}:x"}), 403)


def test_search_of_a_chat_that_is_not_one(world) -> None:
    alice = world["alice"]
    _error(alice.api("GET", "/search", params={"q": "a", "chat_id": "nope"}), 404)
    _error(alice.api("GET", "/search", params={"q": "a", "chat_id": new_group_id()}), 404)


def test_search_in_a_group(stack, world) -> None:
    alice, bob, carol, group = world["alice"], world["bob"], world["carol"], world["G"]
    _admin(stack, "PUT", f"messages/{group}/gq1", {"sender": bob.uid, "text": "quokka day",
                                                  "ts": SV})
    _admin(stack, "PUT", f"userChats/{alice.uid}/{group}", {"readAt": 1})
    assert [h["id"] for h in alice.api("GET", "/search", params={"q": "quokka"}).json()] == [
        "gq1"]
    assert alice.api("GET", "/search", params={"q": "quokka", "chat_id": group}).json()[0][
        "chat_id"] == group
    _error(carol.api("GET", "/search", params={"q": "quokka", "chat_id": group}), 403)
    # an entry left behind after a removal does not open the group's messages
    _admin(stack, "PUT", f"userChats/{carol.uid}/{group}", {"readAt": 1})
    assert carol.api("GET", "/search", params={"q": "quokka"}).json() == []


def test_the_routes_are_in_the_openapi_document(stack) -> None:
    document = requests.get(f"{stack.api_url}/openapi.json", timeout=30).json()
    paths = document["paths"]
    assert set(paths["/edit_message/{chat_id}/{message_id}"]) == {"post"}
    assert set(paths["/react/{chat_id}/{message_id}"]) == {"post"}
    assert set(paths["/forward_message"]) == {"post"}
    search = paths["/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {"q", "chat_id", "limit", "before"}
    assert {"400", "401", "403", "404"} <= set(search["responses"])
    assert "SearchHit" in document["components"]["schemas"]


# --- POST /send_message with reply_to, and GET /get_messages' new fields ----------------------
def test_a_reply_quotes_a_message_of_the_same_chat(stack, world) -> None:
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    chat, original = _send(alice, bob, "question?")
    _, elsewhere = _send(alice, carol, "another chat")
    body = {"sender": bob.uid, "receiver": alice.uid, "content": "answer!"}
    for reply_to in (elsewhere, "nope", "a/b", "x" * 129):
        _error(bob.api("POST", "/send_message", json={**body, "reply_to": reply_to}), 400)
    _error(bob.api("POST", "/send_message", json={**body, "reply_to": ""}), 400)
    # carol's reply goes to her chat with alice: alice_bob's message is not there, and she
    # learns nothing more than for an id that does not exist
    assert _error(carol.api("POST", "/send_message", json={**body, "sender": carol.uid,
                                                           "reply_to": original}), 400) == (
        _error(carol.api("POST", "/send_message", json={**body, "sender": carol.uid,
                                                        "reply_to": "nope"}), 400))
    done = bob.api("POST", "/send_message", json={**body, "reply_to": original})
    assert done.status_code == 200, done.text
    stored = admin_get(stack, f"messages/{chat}/{done.json()['message_id']}")
    assert stored["replyTo"] == original and stored["text"] == "answer!"


def test_get_messages_carries_the_actions(stack, world) -> None:
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    chat, plain = _send(alice, bob, "plain")
    _, edited = _send(alice, bob, "typo")
    assert alice.api("POST", f"/edit_message/{chat}/{edited}",
                     json={"content": "fixed"}).status_code == 200
    replied = bob.api("POST", "/send_message", json={
        "sender": bob.uid, "receiver": alice.uid, "content": "re", "reply_to": plain})
    for who, emoji in ((alice, "👍"), (bob, "👍")):
        assert who.api("POST", f"/react/{chat}/{plain}", json={"emoji": emoji}).status_code == 200
    assert carol.api("POST", f"/react/{chat}/{plain}", json={"emoji": "👎"}).status_code == 403
    ac, source = _send(carol, alice, "from carol")
    forwarded = alice.api("POST", "/forward_message", json={
        "from_chat_id": ac, "message_id": source, "to_chat_id": chat})
    assert forwarded.status_code == 200, forwarded.text
    page = bob.api("GET", "/get_messages", params={"sender": alice.uid, "receiver": bob.uid,
                                                   "limit": 500})
    assert page.status_code == 200, page.text
    by_id = {m["id"]: m for m in page.json()}
    assert by_id[plain]["reactions"] == {"👍": sorted([alice.uid, bob.uid])}
    assert by_id[plain]["edited_at"] is None and by_id[plain]["reply_to"] is None
    stamp = admin_get(stack, f"messages/{chat}/{edited}/editedAt")
    assert by_id[edited]["content"] == "fixed"
    assert (by_id[edited]["edited_at_ms"], by_id[edited]["edited_at"]) == (stamp, stamp // 1000)
    assert by_id[edited]["reactions"] == {}
    assert by_id[replied.json()["message_id"]]["reply_to"] == plain
    assert by_id[forwarded.json()["message_id"]]["forwarded_from"] == {
        "sender": carol.uid, "chat_id": ac, "message_id": source}
    assert by_id[forwarded.json()["message_id"]]["content"] == "from carol"


def test_group_replies_and_their_fields(stack, world) -> None:
    alice, bob, carol, group = world["alice"], world["bob"], world["carol"], world["G"]
    first = alice.api("POST", "/send_message", json={"chat_id": group, "content": "agenda?"})
    assert first.status_code == 200, first.text
    original = first.json()["message_id"]
    _, elsewhere = _send(alice, bob, "not in the group")
    _error(bob.api("POST", "/send_message", json={"chat_id": group, "content": "re",
                                                  "reply_to": elsewhere}), 400)
    _error(carol.api("POST", "/send_message", json={"chat_id": group, "content": "re",
                                                    "reply_to": original}), 403)
    reply = bob.api("POST", "/send_message", json={"chat_id": group, "content": "item 1",
                                                   "reply_to": original})
    assert reply.status_code == 200, reply.text
    assert bob.api("POST", f"/react/{group}/{original}", json={"emoji": "👀"}).status_code == 200
    page = alice.api("GET", "/get_messages", params={"chat_id": group, "limit": 500}).json()
    by_id = {m["id"]: m for m in page}
    assert by_id[reply.json()["message_id"]]["reply_to"] == original
    assert by_id[original]["reactions"] == {"👀": [bob.uid]}


def test_get_messages_leaves_out_what_the_caller_hid(stack, world) -> None:
    """"Delete for me" (hidden/{uid}/{chatId}/{id}) hides a message from that caller's pages
    only; a page still holds `limit` messages when there are that many the caller sees."""
    alice, bob, group = world["alice"], world["bob"], world["G"]
    sent = []
    for n in range(5):
        reply = alice.api("POST", "/send_message", json={"chat_id": group, "content": f"h{n}"})
        assert reply.status_code == 200, reply.text
        sent.append(reply.json()["message_id"])
    # bob hides the two newest and one in the middle, as the client does: his own REST write
    for message_id in (sent[4], sent[3], sent[1]):
        assert bob.db("PUT", f"hidden/{bob.uid}/{group}/{message_id}",
                      json=True).status_code == 200

    def page(user, **params):
        reply = user.api("GET", "/get_messages", params={"chat_id": group, **params})
        assert reply.status_code == 200, reply.text
        return [m["id"] for m in reply.json()]

    mine = page(bob, limit=500)
    assert not {sent[4], sent[3], sent[1]} & set(mine)
    assert sent[0] in mine and sent[2] in mine
    assert page(bob, limit=2)[-2:] == [sent[0], sent[2]]  # filled from older ones
    assert page(alice, limit=5) == sent  # hidden for bob only
    # shown again once bob deletes the mark
    assert bob.db("DELETE", f"hidden/{bob.uid}/{group}/{sent[4]}").status_code == 200
    assert page(bob, limit=1) == [sent[4]]
