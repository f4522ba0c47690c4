"""The unread trigger's write path in this process, against the real suite: concurrency in one
chat, redelivery, a client marking read racing the trigger, deletion, failed writes, the cap
on unread ids. Events are handed to `unread.handle` as the functions host's worker does. The
trigger reads each message before handling its creation (no delivery order is assumed), so
the tests store a placeholder at each message's path first: the host's own trigger ignores it
(not a message), so this process is the only trigger instance writing those chats unless a
test says otherwise.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from firebase_admin import exceptions
from messenger_model.limits import PREVIEWS_KEPT, PRUNE_EVERY
from messenger_model.previews import latest_preview, prunes_on

from .stack import admin_get, latest_id, unread_count, wait_for

SV = {".sv": "timestamp"}
MARK_READ = {"unreadIds": None, "readAt": SV}  # the client's mark-read


@pytest.fixture
def unread(stack):
    from messenger_functions import unread as module

    return module


def _exist(stack, chat: str, message_ids) -> None:
    """Placeholders at the messages' paths: they exist for the trigger's existence read."""
    _admin(stack, "PATCH", f"messages/{chat}", json={m: {"placeholder": True}
                                                     for m in message_ids})


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
    _exist(stack, chat, [mid for mid, _ in events])

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
        assert set(entry) == {"unreadIds", "previews"}
        assert entry["unreadIds"] == expected
        assert _unread(stack, uid, chat) == len(expected)
        assert latest_preview(entry) == {"text": newest[1]["text"],
                                         "sender": newest[1]["sender"],
                                         "ts": newest[1]["ts"], "id": newest[0]}
        # bounded: no more previews than kept plus those added since the last prune
        assert len(entry["previews"]) <= PREVIEWS_KEPT + 3 * PRUNE_EVERY


def test_stale_creations_among_concurrent_ones_fail_alone(stack, unread) -> None:
    """Invocations running at once share their writes (update_batch.py). A stale creation (its
    message deleted meanwhile) in a shared write makes the rules refuse that write: the others
    must still get their ids and previews, and the stale ones none, in several people's chats."""
    pairs = [_pair() for _ in range(4)]
    now = int(time.time() * 1000)
    events, stale = [], set()
    for p, (a, _b, chat) in enumerate(pairs):
        live = []
        for i in range(30):
            message_id = f"m{p}-{i:03d}"
            events.append((chat, message_id, {"sender": a, "text": f"n{i}", "ts": now + i}))
            if i % 7 == 3:
                stale.add(message_id)  # never stored: deleted before its creation is handled
            else:
                live.append(message_id)
        _exist(stack, chat, live)

    def deliver(item) -> str:
        chat, message_id, message = item
        return unread.handle(f"refs/messages/{chat}/{message_id}", None, message)

    from messenger_functions import backend

    backend.trigger_update({})  # makes the batcher (an empty update writes nothing)
    batcher = backend._trigger_updates[0]
    calls, writes = batcher.calls, batcher.writes
    with ThreadPoolExecutor(32) as pool:
        results = dict(zip([mid for _, mid, _ in events], pool.map(deliver, events),
                           strict=True))
    # writes were shared (else this test would not reach the refused-batch path)
    assert batcher.writes - writes < batcher.calls - calls, (batcher.writes, batcher.calls)
    assert {mid for mid, r in results.items() if r != "created"} == stale
    assert {results[mid] for mid in stale} == {"deleted (stale creation)"}
    for a, b, chat in pairs:
        ids = set(_entry(stack, b, chat).get("unreadIds") or {})
        expected = {mid for c, mid, _ in events if c == chat and mid not in stale}
        assert ids == expected
        for uid in (a, b):
            assert not stale & set(_entry(stack, uid, chat).get("previews") or {})


def test_a_redelivered_event_leaves_the_same_state(stack, unread) -> None:
    """A redelivered creation or deletion leaves the same state. Real messages (the deletion's
    fallback preview is queried), so the host's worker handles them too: a second instance."""
    a, b, chat = _pair()
    now = int(time.time() * 1000)
    messages = {"m1": {"sender": a, "text": "once", "ts": now},
                "m2": {"sender": a, "text": "twice", "ts": now + 1}}
    for message_id, message in messages.items():
        _admin(stack, "PUT", f"messages/{chat}/{message_id}", json=message)
        unread.handle(f"refs/messages/{chat}/{message_id}", None, message)
    wait_for(lambda: _entry(stack, b, chat).get("unreadIds") == {"m1": now, "m2": now + 1})
    for uid in (a, b):
        wait_for(lambda uid=uid: latest_id(_entry(stack, uid, chat)) ==
                 "m2")
    state = {uid: _entry(stack, uid, chat) for uid in (a, b)}
    assert _unread(stack, b, chat) == 2 and set(state[a]) == {"previews"}
    for _ in range(3):
        for message_id, message in messages.items():
            assert unread.handle(f"refs/messages/{chat}/{message_id}", None, message) == (
                "created")
    assert {uid: _entry(stack, uid, chat) for uid in (a, b)} == state

    # m2 deleted, the event delivered three times: one state, the preview back on m1
    _admin(stack, "DELETE", f"messages/{chat}/m2")
    for _ in range(3):
        assert unread.handle(f"refs/messages/{chat}/m2", messages["m2"], None) == "deleted"
        state = {uid: _entry(stack, uid, chat) for uid in (a, b)}
        assert state[b]["unreadIds"] == {"m1": now}
        assert latest_preview(state[a]) == latest_preview(state[b]) == {
            "text": "once", "sender": a, "ts": now, "id": "m1"}
        assert set(state[a]) == {"previews"}


def test_a_stale_creation_is_treated_as_its_deletion(stack, unread) -> None:
    """Unordered delivery (Cloud Functions): the creation of a message that is gone by now
    is handled as its deletion (the existence read), whenever it comes."""
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
    assert latest_id(state[b]) == kept


def test_marking_read_racing_the_trigger(stack, unread) -> None:
    """A trigger that adds an id just after the owner marked the chat read leaves an id with
    ts <= readAt: it is read, not counted, and goes at the next mark-read."""
    a, b, chat = _pair()
    old = {"sender": a, "text": "read soon", "ts": int(time.time() * 1000) - 5_000}
    _exist(stack, chat, ["m1", "m2"])
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    assert _unread(stack, b, chat) == 1
    _admin(stack, "PATCH", f"userChats/{b}/{chat}", json=MARK_READ)
    read_at = _entry(stack, b, chat)["readAt"]
    assert _unread(stack, b, chat) == 0 and "unreadIds" not in _entry(stack, b, chat)
    # the read message's trigger again (late, or redelivered): its id lingers, uncounted
    unread.handle(f"refs/messages/{chat}/m1", None, old)
    entry = _entry(stack, b, chat)
    assert entry["unreadIds"] == {"m1": old["ts"]} and _unread(stack, b, chat) == 0
    assert latest_id(entry) == "m1" and entry["readAt"] == read_at
    # a message newer than readAt counts; the lingering one still does not
    new = {"sender": a, "text": "after reading", "ts": read_at + 1}
    unread.handle(f"refs/messages/{chat}/m2", None, new)
    entry = _entry(stack, b, chat)
    assert entry["unreadIds"] == {"m1": old["ts"], "m2": read_at + 1}
    assert _unread(stack, b, chat) == 1 and latest_id(entry) == "m2"
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

    _exist(stack, chat, [f"m{i:03d}" for i in range(80)])
    with ThreadPoolExecutor(8) as pool:
        done = pool.map(deliver, range(80))
        for _ in range(5):
            _admin(stack, "PATCH", path, json=MARK_READ)
            time.sleep(0.01)
        assert set(done) == {"created"}
    entry = _entry(stack, b, chat)
    newer = [ts for ts in (entry.get("unreadIds") or {}).values() if ts > entry["readAt"]]
    assert _unread(stack, b, chat) == len(newer)
    assert latest_id(entry) == "m079"
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
        wait_for(lambda uid=uid: latest_id(_entry(stack, uid, chat)) == ids[1])
    assert _unread(stack, b, chat) == 2
    assert set(_entry(stack, b, chat)["unreadIds"]) == set(ids[:2])
    for message_id in ids[:2]:
        before = admin_get(stack, f"messages/{chat}/{message_id}")
        _admin(stack, "DELETE", f"messages/{chat}/{message_id}")
        unread.handle(f"refs/messages/{chat}/{message_id}", before, None)
    # no message left: no preview left either
    for uid in (a, b):
        wait_for(lambda uid=uid: "previews" not in _entry(stack, uid, chat))
    wait_for(lambda: "unreadIds" not in _entry(stack, b, chat))
    assert _unread(stack, b, chat) == 0


def test_a_failed_write_fails_the_event_and_its_redelivery_repairs(stack, unread,
                                                                   monkeypatch) -> None:
    """The update is atomic: when it fails, the event fails (the host retries) and nothing was
    written; the redelivery writes it all."""
    from firebase_admin import db

    a, b, chat = _pair()
    original = db.Reference.update
    failures = []

    def flaky(self, value):
        if not failures:
            failures.append(self.path)
            raise exceptions.UnavailableError("database unavailable on purpose")
        return original(self, value)

    monkeypatch.setattr(db.Reference, "update", flaky)
    message = {"sender": a, "text": "hi", "ts": int(time.time() * 1000)}
    _exist(stack, chat, ["m1"])
    with pytest.raises(exceptions.UnavailableError):
        unread.handle(f"refs/messages/{chat}/m1", None, message)
    assert failures and _entry(stack, a, chat) == {} and _entry(stack, b, chat) == {}
    assert unread.handle(f"refs/messages/{chat}/m1", None, message) == "created"
    assert _unread(stack, b, chat) == 1
    assert latest_id(_entry(stack, a, chat)) == "m1"
    assert latest_id(_entry(stack, b, chat)) == "m1"


def test_unread_ids_stay_capped_whatever_the_order(stack, unread) -> None:
    """More unread messages than the cap, delivered concurrently, out of order and twice: the
    receiver keeps exactly the newest UNREAD_IDS_CAP ids; the count shows "99+"."""
    from messenger_model.limits import UNREAD_IDS_CAP
    from messenger_model.unread import unread_label

    a, b, chat = _pair()
    now = int(time.time() * 1000)
    total = UNREAD_IDS_CAP + 40
    events = [(f"m{i:04d}", {"sender": a, "text": f"n{i}", "ts": now + i}) for i in range(total)]
    _exist(stack, chat, [mid for mid, _ in events])
    shuffled = events[::2] + events[1::2]

    def deliver(item) -> str:
        return unread.handle(f"refs/messages/{chat}/{item[0]}", None, item[1])

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(deliver, shuffled + shuffled[::-1])) == {"created"}
    # prunes run on one message in PRUNE_EVERY and may each miss the others' newest ids: a
    # few more than the cap for a while; the next pruning message settles it
    entry = _entry(stack, b, chat)
    assert len(entry["unreadIds"]) <= UNREAD_IDS_CAP + 4 * PRUNE_EVERY
    name = next(f"z{i:04d}" for i in range(1000) if prunes_on(f"z{i:04d}"))
    last = (name, {"sender": a, "text": "last", "ts": now + total})
    _exist(stack, chat, [last[0]])
    deliver(last)
    entry = _entry(stack, b, chat)
    newest = dict(sorted(((mid, m["ts"]) for mid, m in events + [last]),
                         key=lambda kv: kv[1])[-UNREAD_IDS_CAP:])
    assert entry["unreadIds"] == newest
    assert _unread(stack, b, chat) == UNREAD_IDS_CAP and unread_label(UNREAD_IDS_CAP) == "99+"
    assert latest_id(entry) == last[0]


def test_an_entry_from_before_the_cap_is_pruned_by_its_next_message(stack, unread) -> None:
    """Existing data keeps working: thousands of unread ids (the old layout had no cap) count
    as "99+" and the next message prunes them to the newest UNREAD_IDS_CAP."""
    from messenger_model.limits import UNREAD_IDS_CAP

    a, b, chat = _pair()
    now = int(time.time() * 1000)
    legacy = {f"old{i:04d}": now - 10_000 + i for i in range(1_000)}
    _admin(stack, "PUT", f"userChats/{b}/{chat}", json={"unreadIds": legacy, "unread": 1000,
                                                         "updatedAt": now - 10_000})
    assert _unread(stack, b, chat) == UNREAD_IDS_CAP
    new = next(f"new{i}" for i in range(1000) if prunes_on(f"new{i}"))
    _exist(stack, chat, [new])
    unread.handle(f"refs/messages/{chat}/{new}", None, {"sender": a, "text": "hi", "ts": now})
    entry = _entry(stack, b, chat)
    assert "unread" not in entry and "updatedAt" not in entry
    ids = entry["unreadIds"]
    assert len(ids) == UNREAD_IDS_CAP and ids[new] == now
    assert min(ids.values()) == now - 10_000 + 1_000 - (UNREAD_IDS_CAP - 1)


def test_an_entry_of_the_lastmessage_layout_keeps_working(stack, unread) -> None:
    """An entry with the earlier single `lastMessage`: shown until a newer preview comes, and
    removed by the next prune."""
    a, b, chat = _pair()
    now = int(time.time() * 1000)
    old = {"text": "old", "sender": a, "ts": now - 1000, "id": "old1"}
    for uid in (a, b):
        _admin(stack, "PUT", f"userChats/{uid}/{chat}", json={"lastMessage": old})
    assert latest_id(_entry(stack, b, chat)) == "old1"
    ids = [f"n{i:03d}" for i in range(64)]
    pruning = next(i for i in ids if prunes_on(i))
    _exist(stack, chat, [pruning])
    unread.handle(f"refs/messages/{chat}/{pruning}", None, {"sender": b, "text": "new",
                                                            "ts": now})
    for uid in (a, b):
        entry = _entry(stack, uid, chat)
        assert latest_id(entry) == pruning and "lastMessage" not in entry


def test_the_rules_take_the_triggers_ids_and_previews_only_for_existing_messages(stack) -> None:
    """The trigger's identity (firebase-admin's databaseAuthVariableOverride) may write
    userChats, but an id or a preview only for a message that exists when the write commits;
    an ID token cannot claim that identity (custom claims sit under auth.token)."""
    from firebase_admin import exceptions
    from messenger_functions import backend

    a, b, chat = _pair()
    _exist(stack, chat, ["here"])
    root = backend.trigger_ref("/")
    preview = {"text": "t", "sender": a, "ts": 1}
    root.update({f"userChats/{b}/{chat}/unreadIds/here": 1,
                 f"userChats/{b}/{chat}/previews/here": preview})
    for refused in ({f"userChats/{b}/{chat}/unreadIds/gone": 1},
                    {f"userChats/{b}/{chat}/previews/gone": preview},
                    {f"userChats/{b}/{chat}/unreadIds/here": 2,   # all or nothing
                     f"userChats/{b}/{chat}/previews/gone": preview},
                    {f"userChats/{b}/{chat}/previews/here": {"text": "no sender"}}):
        with pytest.raises((exceptions.UnauthenticatedError, exceptions.PermissionDeniedError)):
            root.update(refused)
    # deletions need no message: prunes, and the deletion of a gone message's keys
    root.update({f"userChats/{b}/{chat}/previews/gone": None})
    assert _entry(stack, b, chat) == {"unreadIds": {"here": 1}, "previews": {"here": preview}}
    # a user whose token claims the trigger's flag is still a user
    reply = requests.patch(
        f"{stack.database_url}/userChats/{b}/{chat}.json",
        params={"ns": stack.ns, "auth_variable_override": '{"messengerTrigger": true}'},
        json={"previews/here": None}, timeout=30)
    assert reply.status_code in (401, 403), reply.text
    assert _entry(stack, b, chat)["previews"] == {"here": preview}


def test_a_big_prune_goes_after_the_message_in_bounded_writes(stack, unread) -> None:
    """The message's own keys in one write with as many deletions as fit in MAX_PATHS paths,
    then the rest of the prune's deletions, no write of more than update_batch.MAX_PATHS
    paths (one update deleting 900 keys held the database for its whole check). Seen as a
    client sees it: the entry's event stream (b's entry: 2 of the first write's 3 own keys)."""
    import json
    import threading

    from messenger_functions.update_batch import MAX_PATHS
    from messenger_model.limits import UNREAD_IDS_CAP

    a, b, chat = _pair()
    now = int(time.time() * 1000)
    _admin(stack, "PUT", f"userChats/{b}/{chat}",
           json={"unreadIds": {f"old{i:04d}": now - 10_000 + i for i in range(900)}})
    events: list[tuple[str, dict]] = []
    ready, done = threading.Event(), threading.Event()

    def listen() -> None:
        with requests.get(f"{stack.database_url}/userChats/{b}/{chat}.json",
                          params={"ns": stack.ns}, stream=True, timeout=30,
                          headers={"Authorization": "Bearer owner",
                                   "Accept": "text/event-stream"}) as reply:
            kind = ""
            for line in reply.iter_lines(decode_unicode=True):
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: ") and kind in ("put", "patch"):
                    event = json.loads(line[6:])
                    if kind == "put" and event["path"] == "/":
                        ready.set()
                        continue
                    events.append((kind, event))
                if done.is_set():
                    return

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert ready.wait(10)
    new = next(f"new{i}" for i in range(1000) if prunes_on(f"new{i}"))
    _exist(stack, chat, [new])
    unread.handle(f"refs/messages/{chat}/{new}", None, {"sender": a, "text": "hi", "ts": now})
    wait_for(lambda: sum(len(e["data"]) if k == "patch" else 1 for k, e in events) >= 1 + 801
             + 1, timeout=10)  # its id and preview, then 801 deletions
    done.set()
    _admin(stack, "PATCH", f"userChats/{b}/{chat}", json={"ping": 1})  # wakes the listener

    def keys(kind: str, event: dict) -> dict:
        if kind == "patch":
            return {f"{event['path'].strip('/')}/{k}".strip("/"): v
                    for k, v in event["data"].items()}
        return {event["path"].strip("/"): event["data"]}

    first = keys(*events[0])
    assert first[f"unreadIds/{new}"] == now and first[f"previews/{new}"]["text"] == "hi"
    assert len(first) == MAX_PATHS - 1  # the message's 3 paths (a's preview not in this
    # stream) and 57 deletions
    deleting = [keys(*e) for e in events[1:] if all(v is None for v in keys(*e).values())]
    assert sum(len(d) for d in deleting) == 801 - (MAX_PATHS - 3)
    assert all(len(d) <= MAX_PATHS for d in deleting), [len(d) for d in deleting]
    assert len(_entry(stack, b, chat)["unreadIds"]) == UNREAD_IDS_CAP
