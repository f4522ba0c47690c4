"""The unread trigger's write path in this process, against the real suite: concurrency in one
chat, redelivery, a client marking read racing the trigger, deletion, failed writes, shared
id PATCHes. Events are handed to `unread.handle` as the functions host's worker does, in
ordered-delivery mode (no existence read), for message ids the host never sees, so this
process is the only trigger instance writing those chats unless a test says otherwise.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from firebase_admin import exceptions

from .stack import admin_get, unread_count, wait_for

SV = {".sv": "timestamp"}
MARK_READ = {"unreadIds": None, "readAt": SV}  # the client's mark-read


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


def _unread(stack, uid: str, chat: str) -> int:
    return unread_count(_entry(stack, uid, chat))


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
        assert set(entry) == {"unreadIds", "lastMessage"}
        assert entry["unreadIds"] == expected
        assert _unread(stack, uid, chat) == len(expected)
        assert entry["lastMessage"] == {"text": newest[1]["text"], "sender": newest[1]["sender"],
                                        "ts": newest[1]["ts"], "id": newest[0]}


def test_a_redelivered_event_leaves_the_same_state(stack, unread) -> None:
    """A redelivered creation rewrites no lastMessage (its id PATCH sets what is there); a
    redelivered deletion changes nothing either. Real messages (the deletion's fallback
    preview is queried), so the host's worker handles them too: a second instance."""
    a, b, chat = _pair()
    now = int(time.time() * 1000)
    messages = {"m1": {"sender": a, "text": "once", "ts": now},
                "m2": {"sender": a, "text": "twice", "ts": now + 1}}
    for message_id, message in messages.items():
        _admin(stack, "PUT", f"messages/{chat}/{message_id}", json=message)
        unread.handle(f"refs/messages/{chat}/{message_id}", None, message)
    wait_for(lambda: _entry(stack, b, chat).get("unreadIds") == {"m1": now, "m2": now + 1})
    for uid in (a, b):
        wait_for(lambda uid=uid: _entry(stack, uid, chat).get("lastMessage", {}).get("id") ==
                 "m2")
    state = {uid: _entry(stack, uid, chat) for uid in (a, b)}
    assert _unread(stack, b, chat) == 2 and set(state[a]) == {"lastMessage"}
    writes, reads = unread.stats["writes"], unread.stats["reads"]
    for _ in range(3):
        for message_id, message in messages.items():
            assert unread.handle(f"refs/messages/{chat}/{message_id}", None, message) == (
                "created")
    assert (unread.stats["writes"], unread.stats["reads"]) == (writes, reads)
    assert {uid: _entry(stack, uid, chat) for uid in (a, b)} == state

    # m2 deleted, the event delivered three times: one state, the preview back on m1
    _admin(stack, "DELETE", f"messages/{chat}/m2")
    for _ in range(3):
        assert unread.handle(f"refs/messages/{chat}/m2", messages["m2"], None) == "deleted"
        state = {uid: _entry(stack, uid, chat) for uid in (a, b)}
        assert state[b]["unreadIds"] == {"m1": now}
        assert state[a]["lastMessage"] == state[b]["lastMessage"] == {
            "text": "once", "sender": a, "ts": now, "id": "m1"}
        assert set(state[a]) == {"lastMessage"}


def test_a_stale_creation_is_treated_as_its_deletion(stack, unread, monkeypatch) -> None:
    """Unordered delivery (Cloud Functions): the creation of a message that is gone by now
    is handled as its deletion (the existence read), whenever it comes."""
    from messenger_functions import settings

    monkeypatch.setattr(settings, "ORDERED_TRIGGERS", False)
    a, b, chat = _pair()
    reply = _admin(stack, "POST", f"messages/{chat}", json={"sender": a, "text": "x", "ts": SV})
    kept = reply.json()["name"]
    kept_value = admin_get(stack, f"messages/{chat}/{kept}")
    unread.handle(f"refs/messages/{chat}/{kept}", None, kept_value)
    gone = {"sender": a, "text": "gone", "ts": kept_value["ts"] + 1}
    state = {uid: _entry(stack, uid, chat) for uid in (a, b)}
    for _ in range(2):
        assert unread.handle(f"refs/messages/{chat}/zzgone", None, gone) == (
            "deleted (stale creation)")
    assert {uid: _entry(stack, uid, chat) for uid in (a, b)} == state
    assert state[b]["unreadIds"] == {kept: kept_value["ts"]}
    assert state[b]["lastMessage"]["id"] == kept


def test_marking_read_racing_the_trigger(stack, unread) -> None:
    """A trigger that adds an id just after the owner marked the chat read leaves an id with
    ts <= readAt: it is read, not counted, and goes at the next mark-read."""
    a, b, chat = _pair()
    old = {"sender": a, "text": "read soon", "ts": int(time.time() * 1000) - 5_000}
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    assert _unread(stack, b, chat) == 1
    _admin(stack, "PATCH", f"userChats/{b}/{chat}", json=MARK_READ)
    read_at = _entry(stack, b, chat)["readAt"]
    assert _unread(stack, b, chat) == 0 and "unreadIds" not in _entry(stack, b, chat)
    # the read message's trigger again (late, or redelivered): its id lingers, uncounted
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    entry = _entry(stack, b, chat)
    assert entry["unreadIds"] == {"m1": old["ts"]} and _unread(stack, b, chat) == 0
    assert entry["lastMessage"]["id"] == "m1" and entry["readAt"] == read_at
    # a message newer than readAt counts; the lingering one still does not
    new = {"sender": a, "text": "after reading", "ts": read_at + 1}
    unread.handle(f"refs/messages/{chat}/m2", None, new)
    entry = _entry(stack, b, chat)
    assert entry["unreadIds"] == {"m1": old["ts"], "m2": read_at + 1}
    assert _unread(stack, b, chat) == 1 and entry["lastMessage"]["id"] == "m2"
    # the next mark-read takes both
    _admin(stack, "PATCH", f"userChats/{b}/{chat}", json=MARK_READ)
    assert "unreadIds" not in _entry(stack, b, chat) and _unread(stack, b, chat) == 0


def test_mark_reads_racing_a_burst(stack, unread) -> None:
    """Mark-reads land while a burst of creations is handled: whatever the interleaving,
    the count is the ids newer than the last readAt, a last mark-read leaves none, and the
    preview is the newest message."""
    a, b, chat = _pair()
    path = f"userChats/{b}/{chat}"
    base = int(time.time() * 1000)

    def deliver(i: int) -> str:
        # odd ones stamped a minute ahead: newer than any readAt here, so counted until a
        # mark-read takes them; even ones older than the readAt of a mark-read before them
        message = {"sender": a, "text": f"n{i}", "ts": base + (i % 2) * 60_000 + i}
        return unread.handle(f"refs/messages/{chat}/m{i:03d}", None, message)

    with ThreadPoolExecutor(8) as pool:
        done = pool.map(deliver, range(80))
        for _ in range(5):
            _admin(stack, "PATCH", path, json=MARK_READ)
            time.sleep(0.01)
        assert set(done) == {"created"}
    entry = _entry(stack, b, chat)
    newer = [ts for ts in (entry.get("unreadIds") or {}).values() if ts > entry["readAt"]]
    assert _unread(stack, b, chat) == len(newer)
    assert entry["lastMessage"]["id"] == "m079"
    _admin(stack, "PATCH", path, json=MARK_READ)
    assert _unread(stack, b, chat) == 0


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
    wait_for(lambda: _unread(stack, b, chat) == 3)
    newest = admin_get(stack, f"messages/{chat}/{ids[2]}")
    _admin(stack, "DELETE", f"messages/{chat}/{ids[2]}")
    assert unread.handle(f"refs/messages/{chat}/{ids[2]}", newest, None) == "deleted"
    for uid in (a, b):
        wait_for(lambda uid=uid: _entry(stack, uid, chat)["lastMessage"]["id"] == ids[1])
    assert _unread(stack, b, chat) == 2
    assert set(_entry(stack, b, chat)["unreadIds"]) == set(ids[:2])
    for message_id in ids[:2]:
        before = admin_get(stack, f"messages/{chat}/{message_id}")
        _admin(stack, "DELETE", f"messages/{chat}/{message_id}")
        unread.handle(f"refs/messages/{chat}/{message_id}", before, None)
    wait_for(lambda: "lastMessage" not in _entry(stack, b, chat))
    wait_for(lambda: "unreadIds" not in _entry(stack, b, chat))
    assert _unread(stack, b, chat) == 0
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
    assert _unread(stack, b, chat) == 1
    assert _entry(stack, a, chat)["lastMessage"]["id"] == "m1"
    assert _entry(stack, b, chat)["lastMessage"]["id"] == "m1"


def test_id_changes_share_a_patch_and_a_failed_patch_fails_its_invocations(stack,
                                                                            unread) -> None:
    """Keys queued while no PATCH was sent go out together; a refused PATCH raises in every
    invocation whose keys it carried (the host redelivers them)."""
    a, b, chat = _pair()
    keys = [{f"userChats/{b}/{chat}/unreadIds/k{i}": i + 1} for i in range(3)]
    patches = unread.stats["patches"]
    queued = [unread._ids.submit(item) for item in keys]  # noqa: SLF001
    for item in queued:
        unread._ids.wait(item)  # noqa: SLF001 - the first sends all three
    assert unread.stats["patches"] == patches + 1
    assert _entry(stack, b, chat)["unreadIds"] == {"k0": 1, "k1": 2, "k2": 3}

    # "." is not allowed in a key: the database refuses the whole PATCH
    bad = unread._ids.submit({f"userChats/{b}/{chat}/unreadIds/bad.key": 9})  # noqa: SLF001
    good = unread._ids.submit({f"userChats/{b}/{chat}/unreadIds/k3": 4})  # noqa: SLF001
    for item in (bad, good):
        with pytest.raises(exceptions.InvalidArgumentError):
            unread._ids.wait(item)  # noqa: SLF001
    assert set(_entry(stack, b, chat)["unreadIds"]) == {"k0", "k1", "k2"}
    unread._ids.apply({f"userChats/{b}/{chat}/unreadIds/k3": 4})  # noqa: SLF001 - redelivered
    assert _entry(stack, b, chat)["unreadIds"]["k3"] == 4
