"""The original API's contract (issue 18): the seed's own client, as it calls the API.

It sends `POST /mark_read?sender=…&receiver=…` and `POST /update_activity?user_id=…` with query
parameters and no body, sends `timestamp: int(time.time())`, and reads `last_seen` and a
message's `timestamp` as seconds: `int(time.time()) - last_seen < 60` means online.
"""

from __future__ import annotations

import time

import requests

from .stack import Triggers, admin_get, chat_of, unread_count, wait_for


def seed_online(person: dict) -> bool:
    """The seed client's own presence rule."""
    return person["last_seen"] is not None and int(time.time()) - person["last_seen"] < 60


def test_the_original_clients_calls_work_in_its_units(stack, new_user):
    alice, bob = new_user("seed-alice"), new_user("seed-bob")
    # presence, as the seed sends it: query parameters, no body
    reply = alice.api("POST", "/update_activity", params={"user_id": alice.uid})
    assert reply.status_code == 200 and reply.json() == {"status": "updated"}, reply.text
    people = {p["user_id"]: p for p in bob.api("GET", "/users").json()}
    me = people[alice.uid]
    assert seed_online(me) and me["online"] is True
    assert me["last_seen"] == me["last_seen_ms"] // 1000
    assert people[bob.uid]["last_seen"] is None or not seed_online(people[bob.uid])

    # a message with the seed's timestamp (ignored: the server's clock wins)
    reply = alice.api("POST", "/send_message", json={
        "sender": alice.uid, "receiver": bob.uid, "content": "hi", "timestamp": int(time.time())})
    assert reply.status_code == 200, reply.text
    Triggers(stack).created(reply.json()["chat_id"], reply.json()["message_id"])
    messages = bob.api("GET", "/get_messages",
                       params={"sender": alice.uid, "receiver": bob.uid}).json()
    (message,) = messages
    assert abs(time.time() - message["timestamp"]) < 120  # seconds, as the seed reads them
    assert message["timestamp"] == message["timestamp_ms"] // 1000

    # mark read, as the seed sends it
    chat = chat_of(alice.uid, bob.uid)
    assert wait_for(lambda: unread_count(admin_get(stack, f"userChats/{bob.uid}/{chat}")) == 1)
    reply = bob.api("POST", "/mark_read", params={"sender": alice.uid, "receiver": bob.uid})
    assert reply.status_code == 200 and reply.json() == {"status": "ok"}, reply.text
    assert unread_count(admin_get(stack, f"userChats/{bob.uid}/{chat}")) == 0
    assert bob.api("GET", "/get_new_messages", params={"receiver": bob.uid}).json() == []


def test_query_json_and_form_alike(stack, new_user):
    alice = new_user("alike")
    ways = [
        {"params": {"user_id": alice.uid, "online": "false"}},
        {"json": {"user_id": alice.uid, "online": False}},
        {"data": {"user_id": alice.uid, "online": "false"}},
        {"files": {"user_id": (None, alice.uid), "online": (None, "false")}},
        {"params": {"user_id": alice.uid}, "json": {"online": False}},  # split between both
        {"params": {"user_id": alice.uid, "online": "false"},
         "json": {"user_id": alice.uid, "online": False}},  # both, agreeing
    ]
    for way in ways:
        alice.api("POST", "/update_activity", json={"user_id": alice.uid})  # online again
        reply = alice.api("POST", "/update_activity", **way)
        assert reply.status_code == 200, (way, reply.text)
        person = next(p for p in alice.api("GET", "/users").json() if p["user_id"] == alice.uid)
        assert person["online"] is False, way
    # a GET route takes its parameters from a body as well
    reply = alice.api("GET", "/get_new_messages", json={"receiver": alice.uid})
    assert reply.status_code == 200 and reply.json() == [], reply.text


def test_a_parameter_given_twice_differently_is_refused(stack, new_user):
    alice, bob = new_user("twice"), new_user("twice")
    reply = bob.api("POST", "/mark_read", params={"sender": alice.uid, "receiver": bob.uid},
                    json={"sender": alice.uid, "receiver": alice.uid})
    assert reply.status_code == 400, reply.text
    assert reply.json() == {"detail": "Invalid request: receiver given twice, with different "
                                      "values (URL and body)."}


def test_credentials_never_travel_in_the_url(stack, new_user):
    user = new_user("url")
    for route in ("/register", "/login"):
        reply = requests.post(f"{stack.api_url}{route}", timeout=30,
                              params={"email": user.email, "password": user.password})
        assert reply.status_code == 400, reply.text
        assert reply.json()["detail"] == ("Send email, password in the body, not in the URL: "
                                          "URLs end up in request logs.")
    # an unrelated query parameter does not get in the way of a normal sign-in
    reply = requests.post(f"{stack.api_url}/login", params={"lang": "ru"}, timeout=30,
                          json={"email": user.email, "password": user.password})
    assert reply.status_code == 200, reply.text
