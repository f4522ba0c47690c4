"""The unread trigger's write path in this process, against the real suite: concurrency in one
chat, redelivery, a client marking read between two events (stale cached ETag), deletion,
failed writes. Events are handed to `unread.handle` as the functions host's worker does, in
ordered-delivery mode (no existence read), for message ids the host never sees, so this
process is the only trigger instance writing those chats unless a test says otherwise.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .stack import admin_get, wait_for

SV = {".sv": "timestamp"}


@pytest.fixture
def unread(stack, monkeypatch):
    from messenger_functions import settings
    from messenger_functions import unread as module

    monkeypatch.setattr(settings, "ORDERED_TRIGGERS", True)
    module._cache.clear()  # noqa: SLF001 - entries of an earlier module's suite
    return module


def _pair() -> tuple[str, str, str]:
    a, b = sorted((f"a{uuid.uuid4().hex[:10]}", f"b{uuid.uuid4().hex[:10]}"))
    return a, b, f"{a}_{b}"


def _entry(stack, uid: str, chat: str) -> dict:
    return admin_get(stack, f"userChats/{uid}/{chat}") or {}


def _admin(stack, method: str, path: str, **kwargs) -> requests.Response:
    reply = requests.request(method, f"{stack.database_url}/{path}.json", params={"ns": stack.ns},
                             headers={"Authorization": "Bearer owner"}, timeout=30, **kwargs)
    assert reply.status_code == 200, reply.text
    return reply


def test_concurrent_messages_in_one_chat_are_each_counted_once(stack, unread) -> None:
    a, b, chat = _pair()
    now = int(time.time() * 1000)
    events = [(f"m{i:03d}", {"sender": a if i % 3 else b, "text": f"n{i}", "ts": now + i})
              for i in range(60)]

    def deliver(item) -> str:
        message_id, message = item
        return unread.handle(f"refs/messages/{chat}/{message_id}", None, message)

    with ThreadPoolExecutor(16) as pool:
        assert set(pool.map(deliver, events)) == {"created"}
        # every event delivered again, concurrently and in another order: nothing changes
        assert set(pool.map(deliver, reversed(events))) == {"created"}
    to_b = {mid: m["ts"] for mid, m in events if m["sender"] == a}
    to_a = {mid: m["ts"] for mid, m in events if m["sender"] == b}
    newest = max(events, key=lambda e: e[1]["ts"])
    for uid, expected in ((b, to_b), (a, to_a)):
        entry = _entry(stack, uid, chat)
        assert entry["unread"] == len(expected)
        assert entry["unreadIds"] == expected
        assert entry["lastMessage"] == {"text": newest[1]["text"], "sender": newest[1]["sender"],
                                        "ts": newest[1]["ts"], "id": newest[0]}
        assert entry["updatedAt"] == newest[1]["ts"]


def test_a_redelivered_event_writes_nothing(stack, unread) -> None:
    a, b, chat = _pair()
    message = {"sender": a, "text": "once", "ts": int(time.time() * 1000)}
    unread.handle(f"refs/messages/{chat}/m1", None, message)
    entry = _entry(stack, b, chat)
    writes = unread.stats["writes"]
    for _ in range(3):
        unread.handle(f"refs/messages/{chat}/m1", None, message)
    assert unread.stats["writes"] == writes
    assert _entry(stack, b, chat) == entry and entry["unread"] == 1


def test_marking_read_between_two_events(stack, unread) -> None:
    """The client's reset lands after the trigger cached the entry: the cached ETag is refused,
    the change is recomputed from the current value, the reset is kept."""
    a, b, chat = _pair()
    old = {"sender": a, "text": "read soon", "ts": int(time.time() * 1000) - 5_000}
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    assert _entry(stack, b, chat)["unread"] == 1
    _admin(stack, "PATCH", f"userChats/{b}/{chat}",
           json={"unread": 0, "unreadIds": None, "readAt": SV})
    read_at = _entry(stack, b, chat)["readAt"]
    refused = unread.stats["refused"]
    new = {"sender": a, "text": "after reading", "ts": read_at + 1}
    unread.handle(f"refs/messages/{chat}/m2", None, new)
    assert unread.stats["refused"] == refused + 1
    entry = _entry(stack, b, chat)
    assert entry["unread"] == 1 and entry["unreadIds"] == {"m2": read_at + 1}
    assert entry["readAt"] == read_at and entry["lastMessage"]["id"] == "m2"
    # the read message delivered again (or late): it stays read
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    assert _entry(stack, b, chat)["unread"] == 1


def test_deletion_racing_the_hosts_own_trigger(stack, unread) -> None:
    """Real messages: the suite's worker handles them too, a second instance writing the same
    entries; the counters and the fallback preview come out exact anyway."""
    a, b, chat = _pair()
    ids = []
    for text in ("one", "two", "three"):
        reply = _admin(stack, "POST", f"messages/{chat}",
                       json={"sender": a, "text": text, "ts": SV})
        ids.append(reply.json()["name"])
        value = admin_get(stack, f"messages/{chat}/{ids[-1]}")
        unread.handle(f"refs/messages/{chat}/{ids[-1]}", None, value)
    wait_for(lambda: _entry(stack, b, chat).get("unread") == 3)
    newest = admin_get(stack, f"messages/{chat}/{ids[2]}")
    _admin(stack, "DELETE", f"messages/{chat}/{ids[2]}")
    assert unread.handle(f"refs/messages/{chat}/{ids[2]}", newest, None) == "deleted"
    for uid in (a, b):
        wait_for(lambda uid=uid: _entry(stack, uid, chat)["lastMessage"]["id"] == ids[1])
    assert _entry(stack, b, chat)["unread"] == 2
    assert set(_entry(stack, b, chat)["unreadIds"]) == set(ids[:2])
    for message_id in ids[:2]:
        before = admin_get(stack, f"messages/{chat}/{message_id}")
        _admin(stack, "DELETE", f"messages/{chat}/{message_id}")
        unread.handle(f"refs/messages/{chat}/{message_id}", before, None)
    wait_for(lambda: "lastMessage" not in _entry(stack, b, chat))
    assert _entry(stack, b, chat)["unread"] == 0 and "unreadIds" not in _entry(stack, b, chat)
    assert "lastMessage" not in _entry(stack, a, chat)


def test_a_failed_write_fails_the_event_and_its_redelivery_repairs(stack, unread,
                                                                   monkeypatch) -> None:
    from firebase_admin import db, exceptions

    a, b, chat = _pair()
    original = db.Reference.set_if_unchanged
    failures = []

    def flaky(self, etag, value):
        if self.path.startswith(f"/userChats/{b}/") and not failures:
            failures.append(self.path)
            raise exceptions.UnavailableError("database unavailable on purpose")
        return original(self, etag, value)

    monkeypatch.setattr(db.Reference, "set_if_unchanged", flaky)
    message = {"sender": a, "text": "hi", "ts": int(time.time() * 1000)}
    with pytest.raises(exceptions.UnavailableError):
        unread.handle(f"refs/messages/{chat}/m1", None, message)
    assert failures
    # the sender's entry may already be written: harmless, the redelivery completes the rest
    assert unread.handle(f"refs/messages/{chat}/m1", None, message) == "created"
    assert _entry(stack, b, chat)["unread"] == 1
    assert _entry(stack, a, chat)["lastMessage"]["id"] == "m1"
