"""on_message_written: unread ids and previews, exact under redelivery and deletion.

Messages are written straight into the database as the desktop client does. The trigger runs
in the suite's functions host (or is delivered in-process when the host is not there); the
redeliveries are real CloudEvents posted to functions-framework's on_message_written app.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from .stack import (
    Triggers,
    admin_get,
    chat_of,
    latest_id,
    serve_functions,
    unread_count,
    wait_for,
)

SV = {".sv": "timestamp"}


@pytest.fixture(scope="module")
def deliver(stack):
    """POST a google.firebase.database.ref.v1.written CloudEvent (binary mode) to the trigger."""
    with serve_functions("on_message_written") as url:

        def post(chat: str, message_id: str, before, delta) -> None:
            ref = f"messages/{chat}/{message_id}"
            headers = {
                "ce-specversion": "1.0",
                "ce-id": uuid.uuid4().hex,
                "ce-source": "//firebasedatabase.googleapis.com/projects/_/locations/"
                f"us-central1/instances/{stack.ns}",
                "ce-type": "google.firebase.database.ref.v1.written",
                "ce-subject": f"refs/{ref}",
                "ce-ref": ref,
                "content-type": "application/json",
            }
            body = json.dumps({"data": before, "delta": delta})
            reply = requests.post(url, data=body, headers=headers, timeout=30)
            assert reply.status_code == 200, reply.text

        yield post


def _entry(stack, uid, chat):
    return admin_get(stack, f"userChats/{uid}/{chat}") or {}


def _unread(stack, uid, chat) -> int:
    return unread_count(_entry(stack, uid, chat))


MARK_READ = {"unreadIds": None, "readAt": SV}


def _send(user, chat, text):
    reply = user.db("POST", f"messages/{chat}", json={"sender": user.uid, "text": text, "ts": SV})
    assert reply.status_code == 200, reply.text
    message_id = reply.json()["name"]
    Triggers(user.stack).created(chat, message_id)
    return message_id


def test_counters_previews_and_redelivery(stack, new_user, deliver):
    alice, bob = new_user("t-alice"), new_user("t-bob")
    chat = chat_of(alice.uid, bob.uid)
    first = _send(alice, chat, "one")
    second = _send(alice, chat, "two")
    wait_for(lambda: _unread(stack, bob.uid, chat) == 2)
    wait_for(lambda: latest_id(_entry(stack, alice.uid, chat)) == second)
    wait_for(lambda: latest_id(_entry(stack, bob.uid, chat)) == second)
    alice_entry = _entry(stack, alice.uid, chat)
    assert set(alice_entry) == {"previews"}  # your own messages are never unread
    bob_entry = _entry(stack, bob.uid, chat)
    assert set(bob_entry) == {"unreadIds", "previews"}  # nothing stored beyond the spec
    assert bob_entry["previews"][second]["text"] == "two"
    assert bob_entry["previews"][second]["sender"] == alice.uid
    assert bob_entry["unreadIds"] == {first: admin_get(stack, f"messages/{chat}/{first}")["ts"],
                                      second: bob_entry["previews"][second]["ts"]}

    # the same creations delivered again (at-least-once delivery): nothing changes
    for message_id in (first, second, first):
        value = admin_get(stack, f"messages/{chat}/{message_id}")
        deliver(chat, message_id, None, value)
    assert _entry(stack, bob.uid, chat) == bob_entry
    assert _entry(stack, alice.uid, chat) == alice_entry

    # deleting the newest unread message corrects both the count and the preview
    before = admin_get(stack, f"messages/{chat}/{second}")
    assert alice.db("DELETE", f"messages/{chat}/{second}").status_code == 200
    Triggers(stack).deleted(chat, second, before)
    wait_for(lambda: _unread(stack, bob.uid, chat) == 1)
    wait_for(lambda: latest_id(_entry(stack, bob.uid, chat)) == first)
    wait_for(lambda: latest_id(_entry(stack, alice.uid, chat)) == first)
    after_deletion = {uid: _entry(stack, uid, chat) for uid in (alice.uid, bob.uid)}
    assert set(after_deletion[bob.uid]["unreadIds"]) == {first}

    # a redelivered deletion, and a late redelivery of the deleted message's creation
    deliver(chat, second, before, None)
    deliver(chat, second, None, before)
    assert {uid: _entry(stack, uid, chat) for uid in (alice.uid, bob.uid)} == after_deletion

    # marking read (as the client does), then an old creation redelivered: stays read
    reset = bob.db("PATCH", f"userChats/{bob.uid}/{chat}", json=MARK_READ)
    assert reset.status_code == 200, reset.text
    assert _unread(stack, bob.uid, chat) == 0 and "unreadIds" not in _entry(stack, bob.uid, chat)
    deliver(chat, first, None, admin_get(stack, f"messages/{chat}/{first}"))
    # the id may linger (ts <= readAt): read, not counted
    assert _unread(stack, bob.uid, chat) == 0

    # a new message after reading counts again
    third = _send(alice, chat, "three")
    wait_for(lambda: _unread(stack, bob.uid, chat) == 1)
    third_ts = admin_get(stack, f"messages/{chat}/{third}")["ts"]
    assert _entry(stack, bob.uid, chat)["unreadIds"][third] == third_ts

    # deleting every message removes every id and every preview
    for message_id in (first, third):
        value = admin_get(stack, f"messages/{chat}/{message_id}")
        assert alice.db("DELETE", f"messages/{chat}/{message_id}").status_code == 200
        Triggers(stack).deleted(chat, message_id, value)
    for uid in (alice.uid, bob.uid):
        wait_for(lambda uid=uid: "previews" not in _entry(stack, uid, chat))
    assert _unread(stack, bob.uid, chat) == 0
    assert "unreadIds" not in _entry(stack, bob.uid, chat)


def test_partial_client_reset_is_refused(stack, new_user):
    """Clients may clear unreadIds only together with readAt = now, and write nothing else."""
    alice, bob = new_user("r-alice"), new_user("r-bob")
    chat = chat_of(alice.uid, bob.uid)
    _send(alice, chat, "hi")
    wait_for(lambda: _unread(stack, bob.uid, chat) == 1)
    wait_for(lambda: "previews" in _entry(stack, bob.uid, chat))
    entry = _entry(stack, bob.uid, chat)
    path = f"userChats/{bob.uid}/{chat}"
    refused = [
        ("unreadIds alone", "PATCH", path, {"unreadIds": None}),
        ("unreadIds via PUT", "PUT", f"{path}/unreadIds", None),
        ("unreadIds with an old readAt", "PATCH", path, {"unreadIds": None, "readAt": 1}),
        ("one id with an old readAt", "PATCH", path,
         {f"unreadIds/{next(iter(entry['unreadIds']))}": None, "readAt": 1}),
        ("unreadIds not null", "PATCH", path, {"unreadIds": {"x": 1}, "readAt": SV}),
        ("an id added", "PATCH", path, {"unreadIds/x": 1}),
        ("the old counter", "PATCH", path, {"unread": 0}),
        ("the old counter with a mark-read", "PATCH", path, {**MARK_READ, "unread": 0}),
        ("updatedAt", "PATCH", path, {"updatedAt": SV}),
        ("updatedAt with a mark-read", "PATCH", path, {**MARK_READ, "updatedAt": SV}),
        ("lastMessage", "PATCH", path,
         {"lastMessage": {"text": "x", "sender": bob.uid, "ts": 1, "id": "x"}}),
        ("lastMessage deleted", "PATCH", path, {**MARK_READ, "lastMessage": None}),
        ("a preview", "PATCH", path, {"previews/x": {"text": "x", "sender": bob.uid, "ts": 1}}),
        ("previews deleted", "PATCH", path, {**MARK_READ, "previews": None}),
        ("readAt in the past", "PATCH", path, {"readAt": 1}),
        ("readAt deleted", "PATCH", path, {"readAt": None}),
        ("the entry replaced", "PUT", path, {"readAt": SV}),
        ("the entry deleted", "DELETE", path, None),
    ]
    failures = []
    for name, method, where, body in refused:
        reply = (bob.db(method, where) if method == "DELETE" else
                 bob.db(method, where, data=json.dumps(body)))
        if reply.status_code != 401:
            failures.append(f"{name}: {reply.status_code} {reply.text[:80]}")
    assert not failures, "\n".join(failures)
    assert _entry(stack, bob.uid, chat) == entry
    # the mark-read itself, and readAt alone, are accepted
    assert bob.db("PATCH", path, json={"readAt": SV}).status_code == 200
    assert bob.db("PATCH", path, json=MARK_READ).status_code == 200
    assert _unread(stack, bob.uid, chat) == 0


def test_events_outside_direct_chats_are_ignored(stack, deliver):
    from messenger_functions import unread

    assert unread.handle("refs/messages/notachat/m1", None, {"sender": "x", "ts": 1}) == (
        "ignored: chat id"
    )
    assert unread.handle("refs/other/a_b/m1", None, None) == "ignored: subject"
    assert unread.handle("refs/messages/a_b/m1", None, {"text": "no sender"}) == (
        "ignored: not a message"
    )
    # a malformed event body is answered, not crashed on
    deliver("a_b", "m1", "garbage", {"weird": [1, 2]})


def test_apply_delta_follows_firebase_semantics():
    from messenger_functions.unread import apply_delta

    assert apply_delta(None, {"a": 1}) == {"a": 1}
    assert apply_delta({"a": 1, "b": 2}, {"b": None, "c": 3}) == {"a": 1, "c": 3}
    assert apply_delta({"a": {"x": 1}}, {"a": {"y": 2}}) == {"a": {"x": 1, "y": 2}}
    assert apply_delta({"a": 1}, None) is None
