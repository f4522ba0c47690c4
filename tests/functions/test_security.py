"""Security matrix: a third user tries everything it must not do, through the API and straight
against the database REST with its own ID token, and is refused; every legitimate operation
succeeds. The rules under test are the repository's database.rules.json."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from .stack import Triggers, admin_get, chat_of

SV = {".sv": "timestamp"}
DENIED = 401  # the database answers rule violations with 401 "Permission denied"
MARK_READ = {"unreadIds": None, "readAt": SV}  # the only client write in userChats


@pytest.fixture(scope="module")
def people(stack):
    from .stack import register

    alice = register(stack, "sec-alice@example.com")
    bob = register(stack, "sec-bob@example.com")
    mallory = register(stack, "sec-mallory@example.com")
    chat = chat_of(alice.uid, bob.uid)
    reply = alice.api("POST", "/send_message",
                      json={"sender": alice.uid, "receiver": bob.uid, "content": "secret"})
    assert reply.status_code == 200, reply.text
    message_id = reply.json()["message_id"]
    Triggers(stack).created(chat, message_id)
    return {"alice": alice, "bob": bob, "mallory": mallory, "chat": chat, "msg": message_id}


def _unsigned(claims: dict) -> str:
    def b64(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."


# ---- through the API -----------------------------------------------------------------------
API_ATTACKS = [
    ("forge sender", "POST", "/send_message",
     lambda p: {"json": {"sender": p["alice"].uid, "receiver": p["bob"].uid, "content": "hi"}}),
    ("read others' chat", "GET", "/get_messages",
     lambda p: {"params": {"sender": p["alice"].uid, "receiver": p["bob"].uid}}),
    ("others' unread senders", "GET", "/get_new_messages",
     lambda p: {"params": {"receiver": p["bob"].uid}}),
    ("reset others' counters", "POST", "/mark_read",
     lambda p: {"json": {"sender": p["alice"].uid, "receiver": p["bob"].uid}}),
    ("others' presence", "POST", "/update_activity",
     lambda p: {"json": {"user_id": p["alice"].uid}}),
    ("delete others' message", "DELETE", "/delete_message/{chat}/{msg}", lambda p: {}),
]


@pytest.mark.parametrize("name,method,route,kwargs", API_ATTACKS, ids=[a[0] for a in API_ATTACKS])
def test_api_refuses_mallory(people, name, method, route, kwargs):
    reply = people["mallory"].api(method, route.format(**people), **kwargs(people))
    assert reply.status_code == 403, reply.text
    assert set(reply.json()) == {"detail"}


def test_only_the_sender_deletes_through_the_api(people):
    bob = people["bob"]
    reply = bob.api("DELETE", f"/delete_message/{people['chat']}/{people['msg']}")
    assert reply.status_code == 403
    assert reply.json() == {"detail": "Only the sender may delete a message."}


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-jwt", "Basic dXNlcjpwYXNz", "Bearer expired", "Bearer wrongaud"],
)
def test_api_needs_a_valid_id_token(stack, people, authorization):
    now = int(time.time())
    claims = {"iss": "https://securetoken.google.com/demo-messenger", "aud": "demo-messenger",
              "sub": people["alice"].uid, "iat": now - 7200, "exp": now - 3600}
    if authorization == "Bearer expired":
        authorization = f"Bearer {_unsigned(claims)}"
    elif authorization == "Bearer wrongaud":
        authorization = f"Bearer {_unsigned({**claims, 'aud': 'other', 'exp': now + 600})}"
    headers = {"Authorization": authorization} if authorization else {}
    reply = requests.get(f"{stack.api_url}/users", headers=headers, timeout=30)
    assert reply.status_code == 401, reply.text
    assert "detail" in reply.json()


# ---- straight against the database REST ----------------------------------------------------
def _db_attacks(p: dict) -> list[tuple[str, str, str, object]]:
    a, b, m, chat, msg = p["alice"].uid, p["bob"].uid, p["mallory"].uid, p["chat"], p["msg"]
    mine = chat_of(m, a)
    good = {"sender": m, "text": "hi", "ts": SV}
    return [
        ("read others' chat", "GET", f"messages/{chat}", None),
        ("read one message of others", "GET", f"messages/{chat}/{msg}", None),
        ("query others' chat", "GET", f"messages/{chat}", "query"),
        ("read all messages", "GET", "messages", None),
        ("write into others' chat", "POST", f"messages/{chat}", good),
        ("forge sender", "POST", f"messages/{mine}", {**good, "sender": a}),
        ("unsorted chat id", "POST", f"messages/{a}_{m}" if a > m else f"messages/{m}_{a}", good),
        ("delete others' message", "DELETE", f"messages/{chat}/{msg}", None),
        ("wipe a chat", "DELETE", f"messages/{chat}", None),
        ("read credentials", "GET", "credentials", None),
        ("read own-looking credentials", "GET", f"credentials/{m}", None),
        ("read the email index", "GET", "emails", None),
        ("write the email index", "PUT", "emails/abc", m),
        ("read login throttles", "GET", "loginThrottle", None),
        ("read others' counters", "GET", f"userChats/{b}", None),
        ("reset others' counters", "PATCH", f"userChats/{b}/{chat}", MARK_READ),
        ("others' readAt", "PATCH", f"userChats/{b}/{chat}", {"readAt": SV}),
        ("raise own counter", "PATCH", f"userChats/{m}/{mine}", {"unread": 5}),
        ("own old counter reset", "PATCH", f"userChats/{m}/{mine}", {**MARK_READ, "unread": 0}),
        ("own updatedAt", "PATCH", f"userChats/{m}/{mine}", {"updatedAt": SV}),
        ("own updatedAt with a mark-read", "PATCH", f"userChats/{m}/{mine}",
         {**MARK_READ, "updatedAt": SV}),
        ("forge own preview", "PATCH", f"userChats/{m}/{mine}",
         {"lastMessage": {"text": "x", "sender": a, "ts": 1, "id": "x"}}),
        ("forge own preview with a mark-read", "PATCH", f"userChats/{m}/{mine}",
         {**MARK_READ, "lastMessage": {"text": "x", "sender": a, "ts": 1, "id": "x"}}),
        ("add an unread id", "PATCH", f"userChats/{m}/{mine}", {"unreadIds/x": 1}),
        ("set own unreadIds", "PATCH", f"userChats/{m}/{mine}",
         {"unreadIds": {"x": 1}, "readAt": SV}),
        ("clear unreadIds without readAt", "PATCH", f"userChats/{m}/{mine}",
         {"unreadIds": None}),
        ("clear unreadIds with an old readAt", "PATCH", f"userChats/{m}/{mine}",
         {"unreadIds": None, "readAt": 1}),
        ("own readAt in the past", "PATCH", f"userChats/{m}/{mine}", {"readAt": 1}),
        ("replace own entry", "PUT", f"userChats/{m}/{mine}", {"readAt": SV}),
        ("write others' presence", "PUT", f"status/{a}", {"online": True, "lastSeen": SV}),
        ("presence in the past", "PUT", f"status/{m}", {"online": True, "lastSeen": 1}),
        ("rename someone else", "PUT", f"users/{a}/displayName", "pwned"),
        ("replace own profile", "PUT", f"users/{m}", {"email": "x@y.z", "displayName": "x"}),
        ("create others' chat", "PUT", f"chats/{chat}",
         {"members": {a: True, b: True}, "type": "direct", "createdAt": SV}),
        ("read others' chat meta", "GET", f"chats/{chat}", None),
        ("chat with an extra member", "PUT", f"chats/{chat_of(m, b)}",
         {"members": {m: True, b: True, a: True}, "type": "direct", "createdAt": SV}),
        ("chat created in the past", "PUT", f"chats/{chat_of(m, b)}",
         {"members": {m: True, b: True}, "type": "direct", "createdAt": 1}),
        ("chat missing a member", "PUT", f"chats/{chat_of(m, b)}",
         {"members": {m: True}, "type": "direct", "createdAt": SV}),
        ("root read", "GET", "", None),
    ]


def _message_attacks(p: dict) -> list[tuple[str, object]]:
    m = p["mallory"].uid
    return [
        ("oversize", {"sender": m, "text": "x" * 4001, "ts": SV}),
        ("empty text", {"sender": m, "text": "", "ts": SV}),
        ("extra field", {"sender": m, "text": "hi", "ts": SV, "read": True}),
        ("ts not now", {"sender": m, "text": "hi", "ts": 1_700_000_000_000}),
        ("missing ts", {"sender": m, "text": "hi"}),
        ("text not a string", {"sender": m, "text": 42, "ts": SV}),
    ]


def test_database_refuses_mallory(people):
    mallory = people["mallory"]
    failures = []
    for name, method, path, body in _db_attacks(people):
        if body == "query":
            reply = mallory.db(method, path, params={"orderBy": '"ts"', "limitToLast": 5})
        elif body is None:
            reply = mallory.db(method, path)
        else:
            reply = mallory.db(method, path, json=body)
        if reply.status_code != DENIED:
            failures.append(f"{name}: {method} {path} -> {reply.status_code} {reply.text[:80]}")
    assert not failures, "\n".join(failures)


def test_database_refuses_bad_messages(people):
    mallory, alice = people["mallory"], people["alice"]
    chat = chat_of(mallory.uid, alice.uid)
    failures = []
    for name, body in _message_attacks(people):
        reply = mallory.db("POST", f"messages/{chat}", json=body)
        if reply.status_code != DENIED:
            failures.append(f"{name}: {reply.status_code} {reply.text[:80]}")
    assert not failures, "\n".join(failures)
    # 4,000 characters exactly is fine
    ok = mallory.db("POST", f"messages/{chat}", json={"sender": mallory.uid, "text": "y" * 4000,
                                                      "ts": SV})
    assert ok.status_code == 200, ok.text


def test_messages_are_not_editable_and_only_the_sender_deletes(people):
    mallory, alice = people["mallory"], people["alice"]
    chat = chat_of(mallory.uid, alice.uid)
    reply = mallory.db("POST", f"messages/{chat}", json={"sender": mallory.uid, "text": "v1",
                                                         "ts": SV})
    assert reply.status_code == 200, reply.text
    message_id = reply.json()["name"]
    edit = mallory.db("PUT", f"messages/{chat}/{message_id}",
                      json={"sender": mallory.uid, "text": "v2", "ts": SV})
    assert edit.status_code == DENIED
    patch = mallory.db("PATCH", f"messages/{chat}/{message_id}", json={"text": "v2"})
    assert patch.status_code == DENIED
    assert alice.db("DELETE", f"messages/{chat}/{message_id}").status_code == DENIED
    assert mallory.db("DELETE", f"messages/{chat}/{message_id}").status_code == 200
    assert admin_get(people["alice"].stack, f"messages/{chat}/{message_id}") is None


def test_legitimate_operations_succeed(stack, people):
    mallory, alice = people["mallory"], people["alice"]
    chat = chat_of(mallory.uid, alice.uid)
    steps = [
        ("list people", mallory.db("GET", "users")),
        ("presence list", mallory.db("GET", "status")),
        ("own presence", mallory.db("PUT", f"status/{mallory.uid}",
                                    json={"online": True, "lastSeen": SV})),
        ("rename self", mallory.db("PUT", f"users/{mallory.uid}/displayName", json="Mal")),
        ("start a chat", mallory.db("PUT", f"chats/{chat}", json={
            "members": {mallory.uid: True, alice.uid: True}, "type": "direct",
            "createdAt": SV})),
        ("read chat meta", alice.db("GET", f"chats/{chat}")),
        ("send", mallory.db("POST", f"messages/{chat}",
                            json={"sender": mallory.uid, "text": "hello", "ts": SV})),
        ("reply", alice.db("POST", f"messages/{chat}",
                           json={"sender": alice.uid, "text": "hi!", "ts": SV})),
        ("read chat", alice.db("GET", f"messages/{chat}")),
        ("page chat", mallory.db("GET", f"messages/{chat}",
                                 params={"orderBy": '"ts"', "limitToLast": 10})),
        ("own chat list", mallory.db("GET", f"userChats/{mallory.uid}")),
        ("mark read", alice.db("PATCH", f"userChats/{alice.uid}/{chat}", json=MARK_READ)),
        ("readAt alone", alice.db("PATCH", f"userChats/{alice.uid}/{chat}",
                                  json={"readAt": SV})),
    ]
    failures = [f"{name}: {r.status_code} {r.text[:99]}"
                for name, r in steps if r.status_code != 200]
    assert not failures, "\n".join(failures)
    # starting an existing chat again is refused (create only), whoever tries
    again = alice.db("PUT", f"chats/{chat}", json={
        "members": {mallory.uid: True, alice.uid: True}, "type": "direct", "createdAt": SV})
    assert again.status_code == DENIED
