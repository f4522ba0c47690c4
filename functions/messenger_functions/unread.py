"""The `on_message_written` trigger: unread counters and last-message previews in userChats.

Idempotent by construction rather than by remembering event ids: each member's entry keeps
the *set* of unread message ids (`unreadIds`), and `unread` is always that set's size. A
redelivered creation adds an id that is already there, a redelivered deletion removes one that
is already gone, so any number of deliveries, in any order, leave the same counter. Each entry
is changed by a read-modify-write with a conditional PUT on its ETag (a transaction, starting
from this instance's cached copy: _EntryCache), so two messages landing at once cannot lose an
increment and a client's mark-read is never overwritten; changes queued for one entry share a
write (_EntryWriter). The preview is recomputed from the messages themselves whenever it might
be stale. docs/functions.md ("The trigger") argues each case.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from . import backend, keys, settings

log = logging.getLogger(__name__)

PREVIEW_CHARS = 200  # lastMessage.text is a preview, not a copy of the message


def parse_subject(subject: str) -> tuple[str, str] | None:
    """ "refs/messages/CHAT/MSG" -> (CHAT, MSG)."""
    parts = subject.strip("/").split("/")
    if parts and parts[0] == "refs":
        parts = parts[1:]
    if len(parts) != 3 or parts[0] != settings.MESSAGES:
        return None
    return parts[1], parts[2]


def apply_delta(before: Any, delta: Any) -> Any:
    """The value after a write, from the value before and the event's delta (None deletes)."""
    if delta is None:
        return None
    if not isinstance(before, dict) or not isinstance(delta, dict):
        return delta
    merged = dict(before)
    for key, value in delta.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = apply_delta(merged.get(key), value)
    return merged or None


def _number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("sender"), str)
        and _number(value.get("ts")) is not None
    )


def _preview(message_id: str, message: dict[str, Any]) -> dict[str, Any]:
    text = message.get("text")
    return {
        "text": text[:PREVIEW_CHARS] if isinstance(text, str) else "",
        "sender": message["sender"],
        "ts": _number(message["ts"]),
        "id": message_id,
    }


def _message_gone(chat: str, message_id: str) -> bool:
    stats["reads"] += 1
    return backend.trigger_ref(f"{settings.MESSAGES}/{chat}/{message_id}").get() is None


def _latest(chat: str) -> dict[str, Any] | None:
    found = (
        backend.trigger_ref(f"{settings.MESSAGES}/{chat}").order_by_child("ts").limit_to_last(3)
        .get()
        or {}
    )
    candidates = [(key, value) for key, value in found.items() if _is_message(value)]
    if not candidates:
        return None
    key, value = max(candidates, key=lambda item: (_number(item[1]["ts"]), item[0]))
    return _preview(key, value)


def _entry(current: Any) -> dict[str, Any]:
    entry = dict(current) if isinstance(current, dict) else {}
    ids = entry.get("unreadIds")
    pairs = ids.items() if isinstance(ids, dict) else ()
    entry["unreadIds"] = {key: ts for key, ts in pairs if _number(ts) is not None}
    return entry


def _finish(entry: dict[str, Any]) -> dict[str, Any]:
    read_at = _number(entry.get("readAt"))
    ids = {key: ts for key, ts in entry["unreadIds"].items() if read_at is None or ts > read_at}
    entry["unread"] = len(ids)
    if ids:
        entry["unreadIds"] = ids
    else:
        entry.pop("unreadIds", None)
    last = entry.get("lastMessage")
    updated = _number(last.get("ts")) if isinstance(last, dict) else None
    entry["updatedAt"] = updated if updated is not None else _number(entry.get("updatedAt")) or 0
    return entry


class _EntryCache:
    """This instance's last known (ETag, value) of userChats entries it wrote, bounded (LRU).

    Only a starting guess: every write is conditional on the ETag, so a stale entry (a client
    marked the chat read, another instance wrote) costs one refused PUT, whose answer carries
    the current value and ETag, and the change is recomputed from that, as in a transaction.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._items: OrderedDict[str, tuple[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, path: str) -> tuple[str, Any] | None:
        with self._lock:
            found = self._items.get(path)
            if found is not None:
                self._items.move_to_end(path)
            return found

    def put(self, path: str, etag: str, value: Any) -> None:
        with self._lock:
            self._items[path] = (etag, value)
            self._items.move_to_end(path)
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def forget(self, path: str) -> None:
        with self._lock:
            self._items.pop(path, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


CACHE_LIMIT = 4096
MAX_TRIES = 25  # as firebase-admin's transaction()
_cache = _EntryCache(CACHE_LIMIT)


class _Change:
    def __init__(self, change: Callable[[Any], Any], fresh: bool) -> None:
        self.change = change
        self.fresh = fresh
        self.done = threading.Event()
        self.error: BaseException | None = None


class _EntryWriter:
    """Writes the entries' changes from a few writer threads, coalescing per entry.

    An invocation queues one change per entry it touches and waits until a write containing
    each of them succeeded (then it returns: the event is done) or failed (it raises, and the
    host redelivers the event; changes are idempotent, so a partial success is harmless). A
    writer takes an entry with queued changes that no other writer is writing, applies all of
    them in order to the entry's current value and writes the result in one conditional PUT.
    (When an entry is idle, the invocation writes it itself, as a writer would: at low rates
    that saves two thread hand-offs per write; at most `threads` invocations do so at once.)
    So one entry has at most one write in flight (concurrent events of one chat never refuse
    each other's writes), changes of one entry are applied in the order they were queued, at
    most 2 x `threads` writes are in flight towards the database whatever the event rate, and the
    busier the database, the more changes share a write: the trigger's requests per message
    fall as the load rises instead of competing with the clients' writes.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._started = 0
        self._cv = threading.Condition()
        self._pending: OrderedDict[str, list[_Change]] = OrderedDict()  # oldest first
        self._busy: set[str] = set()
        self._inline = 0  # invocations writing an entry themselves

    def apply(self, changes: list[tuple[str, Callable[[Any], Any], bool]]) -> None:
        mine = [_Change(change, fresh) for _, change, fresh in changes]
        inline: list[tuple[str, list[_Change]]] = []
        with self._cv:
            for (path, _, _), item in zip(changes, mine, strict=True):
                queued = self._pending.get(path)
                if queued is None:
                    self._pending[path] = [item]
                else:
                    queued.append(item)
            # An entry nobody is writing, while fewer than `threads` invocations write inline:
            # this thread writes it itself (no hand-off to a writer and back, which costs more
            # CPU than the write at low rates). Busy entries go to the writers, and batch.
            for path in dict.fromkeys(path for path, _, _ in changes):
                if path in self._pending and path not in self._busy and \
                        self._inline < self._threads:
                    self._busy.add(path)
                    self._inline += 1
                    inline.append((path, self._pending.pop(path)))
            left = sum(1 for path, _, _ in changes if path in self._pending)
            if left:
                while self._started < self._threads:
                    self._started += 1
                    threading.Thread(target=self._run, name=f"unread-writer-{self._started}",
                                     daemon=True).start()
                self._cv.notify(left)
        for path, batch in inline:
            self._write(path, batch, inline=True)
        for item in mine:
            item.done.wait()
        for item in mine:
            if item.error is not None:
                raise item.error

    def _take(self) -> tuple[str, list[_Change]]:
        with self._cv:
            while True:
                for path in self._pending:
                    if path not in self._busy:
                        self._busy.add(path)
                        return path, self._pending.pop(path)
                self._cv.wait()

    def _run(self) -> None:
        while True:
            path, batch = self._take()
            self._write(path, batch)

    def _write(self, path: str, batch: list[_Change], inline: bool = False) -> None:
        try:
            _write_batch(path, batch)
        except BaseException as e:  # noqa: BLE001 - handed to the waiting invocations
            for item in batch:
                item.error = e
        finally:
            with self._cv:
                self._busy.discard(path)
                if inline:
                    self._inline -= 1
                if path in self._pending:
                    self._cv.notify()
            for item in batch:
                item.done.set()


_writer = _EntryWriter(settings.UNREAD_WRITERS)

# Requests made and changes coalesced, for tests and UNREAD_STATS_LOG_S: "events" changes
# queued (two per message), "batched" of them written together with an earlier one.
stats = {"events": 0, "reads": 0, "writes": 0, "refused": 0, "skipped": 0, "batched": 0}


def _update(changes: list[tuple[str, Callable[[Any], Any], bool]]) -> None:
    """Read-modify-write of entries, each with a conditional PUT (`if-match` its ETag).

    Each `change(current)` returns the entry's new value, or None when there is nothing to
    write. `fresh` reads the entry first (a transaction's GET); otherwise this instance's
    cached (ETag, value) is tried. Same guarantee as firebase-admin's `transaction()`: the
    value written was computed from the value it replaces. See _EntryWriter for the batching.
    """
    _writer.apply(changes)


_last_stats_log = [0.0]


def _log_stats() -> None:
    """With UNREAD_STATS_LOG_S set: the request counters, at most every that many seconds."""
    now = time.monotonic()
    if now - _last_stats_log[0] >= settings.UNREAD_STATS_LOG_S:
        _last_stats_log[0] = now
        print("unread trigger stats " + json.dumps(stats), flush=True)


def _write_batch(path: str, batch: list[_Change]) -> None:
    if settings.UNREAD_STATS_LOG_S:
        _log_stats()
    def change(current: Any) -> Any:
        for item in batch:
            new = item.change(current)
            if new is not None:
                current = new
        return current

    stats["batched"] += len(batch) - 1
    stats["events"] += len(batch)
    reference = backend.trigger_ref(path)
    known = None if any(item.fresh for item in batch) else _cache.get(path)
    try:
        if known is None:
            stats["reads"] += 1
            current, etag = reference.get(etag=True)
        else:
            etag, current = known
        for _ in range(MAX_TRIES):
            new = change(current)
            if new is None or new == current:
                stats["skipped"] += 1
                _cache.put(path, etag, current)
                return
            stats["writes"] += 1
            done, current, etag = reference.set_if_unchanged(etag, new)
            if done:
                _cache.put(path, etag, new)
                return
            stats["refused"] += 1
    except BaseException:
        _cache.forget(path)  # a write may or may not have landed: read it next time
        raise
    _cache.forget(path)
    raise RuntimeError(f"{path}: still contended after {MAX_TRIES} conditional writes")


def _on_created(chat: str, members: tuple[str, str], message_id: str, message: dict) -> None:
    ts = _number(message["ts"])
    preview = _preview(message_id, message)
    changes = []

    for uid in members:

        def update(current: Any, uid: str = uid) -> dict[str, Any]:
            entry = _entry(current)
            last = entry.get("lastMessage")
            last_key = (
                (_number(last.get("ts")) or 0, str(last.get("id")))
                if isinstance(last, dict)
                else None
            )
            if last_key is None or (ts, message_id) >= last_key:
                entry["lastMessage"] = preview
            if uid != message["sender"]:
                entry["unreadIds"][message_id] = ts
            return _finish(entry)

        changes.append((f"{settings.USER_CHATS}/{uid}/{chat}", update, False))
    _update(changes)


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    latest: list[dict[str, Any] | None] = []  # the fallback preview, queried only if needed
    lock = threading.Lock()  # the two entries are written at once, by two writers
    changes = []

    for uid in members:

        def update(current: Any) -> dict[str, Any] | None:
            if not isinstance(current, dict):
                return None
            entry = _entry(current)
            entry["unreadIds"].pop(message_id, None)
            last = entry.get("lastMessage")
            if isinstance(last, dict) and last.get("id") == message_id:
                with lock:
                    if not latest:
                        stats["reads"] += 1
                        latest.append(_latest(chat))
                if latest[0] is None:
                    entry.pop("lastMessage", None)
                else:
                    entry["lastMessage"] = latest[0]
            return _finish(entry)

        # Deletions are rare: read the entry (no cached guess), as a transaction does.
        changes.append((f"{settings.USER_CHATS}/{uid}/{chat}", update, True))
    _update(changes)


def handle(subject: str, before: Any, delta: Any) -> str:
    """Apply one written event; returns what was done (for logs and tests)."""
    location = parse_subject(subject)
    if location is None:
        log.warning("ignoring event for unexpected subject %r", subject)
        return "ignored: subject"
    chat, message_id = location
    members = keys.chat_members(chat)
    if members is None:
        log.warning("ignoring message in a chat id that is not a direct chat: %r", chat)
        return "ignored: chat id"
    after = apply_delta(before, delta)
    if _is_message(after) and after["sender"] in members:
        # A redelivered (or late) creation of a message deleted since must not resurrect its
        # counters. Our functions host delivers a path's events in commit order and retries an
        # event before the next one of its path, so there a creation is always handled before
        # its deletion, which then undoes it: it says so with MESSENGER_ORDERED_TRIGGERS=1 and
        # the read is skipped. Cloud Functions gives no order: the read stays.
        if not settings.ORDERED_TRIGGERS and _message_gone(chat, message_id):
            _on_deleted(chat, members, message_id)
            return "deleted (stale creation)"
        _on_created(chat, members, message_id, after)
        return "created"
    if after is None and before is not None:
        _on_deleted(chat, members, message_id)
        return "deleted"
    return "ignored: not a message"
