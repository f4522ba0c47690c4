"""The original design's curl walkthrough, end to end over real HTTP."""

from __future__ import annotations

import requests

from .stack import (
    Triggers,
    admin_get,
    chat_of,
    exchange_custom_token,
    latest_id,
    unread_count,
    wait_for,
)


def test_curl_walkthrough(stack, new_user):
    api = stack.api_url
    triggers = Triggers(stack)

    # register: trimmed and lowercased email, a custom token the Auth emulator accepts
    reply = requests.post(
        f"{api}/register",
        json={"email": "  Walk.Through@Example.COM ", "password": "s3cret-pass"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    registered = reply.json()
    assert registered["message"] == "User registered successfully."
    alice_uid = registered["user_id"]
    assert exchange_custom_token(stack, registered["custom_token"])
    assert admin_get(stack, f"users/{alice_uid}")["email"] == "walk.through@example.com"

    again = requests.post(
        f"{api}/register",
        json={"email": "walk.through@example.com", "password": "another-pass"},
        timeout=30,
    )
    assert again.status_code == 409
    assert again.json() == {"detail": "An account with this email already exists."}

    # login, as a form (the original client posted forms)
    reply = requests.post(
        f"{api}/login",
        data={"email": "WALK.THROUGH@example.com", "password": "s3cret-pass"},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["user_id"] == alice_uid
    alice_token = exchange_custom_token(stack, reply.json()["custom_token"])
    alice = {"Authorization": f"Bearer {alice_token}"}

    bob = new_user("bob")

    # users
    reply = requests.get(f"{api}/users", headers=alice, timeout=30)
    assert reply.status_code == 200
    people = {person["user_id"]: person for person in reply.json()}
    assert people[alice_uid]["email"] == "walk.through@example.com"
    assert set(people[bob.uid]) >= {"user_id", "email", "last_seen", "online"}

    # send twice: JSON and form
    sent = []
    for text, kwargs in (
        ("Hello Bob!", {"json": {"sender": alice_uid, "receiver": bob.uid, "content": "Hello Bob!",
                                 "timestamp": "2024-01-01T00:00:00"}}),
        ("Second", {"data": {"sender": alice_uid, "receiver": bob.uid, "content": "Second"}}),
    ):
        reply = requests.post(f"{api}/send_message", headers=alice, timeout=30, **kwargs)
        assert reply.status_code == 200, reply.text
        assert reply.json()["status"] == "ok"
        assert reply.json()["chat_id"] == chat_of(alice_uid, bob.uid)
        sent.append((text, reply.json()["message_id"]))
    chat = chat_of(alice_uid, bob.uid)
    for _, message_id in sent:
        triggers.created(chat, message_id)

    # get messages: both, oldest first, with ids and the server's timestamps
    reply = requests.get(
        f"{api}/get_messages", params={"sender": alice_uid, "receiver": bob.uid},
        headers=alice, timeout=30,
    )
    assert reply.status_code == 200, reply.text
    messages = reply.json()
    assert [(m["content"], m["id"]) for m in messages] == sent
    assert all(m["sender"] == alice_uid and m["receiver"] == bob.uid for m in messages)
    assert messages[0]["timestamp_ms"] <= messages[1]["timestamp_ms"]
    assert messages[0]["timestamp_ms"] > 1_600_000_000_000  # server ms, not the client's string
    # the original API's unit: whole seconds
    assert all(m["timestamp"] == m["timestamp_ms"] // 1000 for m in messages)

    # paging: the newest one, then the one before it
    newest = bob.api("GET", "/get_messages", params={"sender": alice_uid, "receiver": bob.uid,
                                                     "limit": 1}).json()
    assert [m["id"] for m in newest] == [sent[1][1]]
    older = bob.api("GET", "/get_messages", params={"sender": alice_uid, "receiver": bob.uid,
                                                    "before": newest[0]["timestamp_ms"]}).json()
    assert all(m["timestamp_ms"] < newest[0]["timestamp_ms"] for m in older)

    # new messages (maintained by the trigger), then mark read
    def unread_from() -> list:
        reply = bob.api("GET", "/get_new_messages", params={"receiver": bob.uid})
        assert reply.status_code == 200, reply.text
        return reply.json()

    assert wait_for(lambda: unread_from() == [alice_uid])
    assert wait_for(lambda: latest_id(admin_get(stack, f"userChats/{bob.uid}/{chat}")) ==
                    sent[1][1])
    entry = admin_get(stack, f"userChats/{bob.uid}/{chat}")
    assert unread_count(entry) == 2 and set(entry["unreadIds"]) == {sent[0][1], sent[1][1]}
    reply = bob.api("POST", "/mark_read", json={"sender": alice_uid, "receiver": bob.uid})
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}
    assert unread_from() == []
    entry = admin_get(stack, f"userChats/{bob.uid}/{chat}")
    assert "unreadIds" not in entry and entry["readAt"] >= messages[1]["timestamp_ms"]
    assert unread_count(entry) == 0

    # delete: the sender may, once; then 404
    before = admin_get(stack, f"messages/{chat}/{sent[1][1]}")
    reply = requests.delete(f"{api}/delete_message/{chat}/{sent[1][1]}", headers=alice, timeout=30)
    assert reply.status_code == 200 and reply.json() == {"status": "deleted"}
    triggers.deleted(chat, sent[1][1], before)
    reply = requests.delete(f"{api}/delete_message/{chat}/{sent[1][1]}", headers=alice, timeout=30)
    assert reply.status_code == 404
    assert wait_for(
        lambda: latest_id(admin_get(stack, f"userChats/{bob.uid}/{chat}")) == sent[0][1]
    )

    # presence
    reply = requests.post(f"{api}/update_activity", json={"user_id": alice_uid}, headers=alice,
                          timeout=30)
    assert reply.status_code == 200 and reply.json() == {"status": "updated"}
    people = {p["user_id"]: p for p in bob.api("GET", "/users").json()}
    assert people[alice_uid]["online"] is True
    assert isinstance(people[alice_uid]["last_seen"], int)
    assert people[bob.uid]["online"] is False


def test_openapi_document_is_served(stack):
    reply = requests.get(f"{stack.api_url}/openapi.json", timeout=30)
    assert reply.status_code == 200
    document = reply.json()
    assert document["openapi"].startswith("3.")
    assert "/delete_message/{chat_id}/{message_id}" in document["paths"]
    assert document["paths"]["/login"]["post"]["responses"]["429"]
