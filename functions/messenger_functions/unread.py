"""The `on_message_written` trigger: unread counters and last-message previews in userChats.

Idempotent by construction rather than by remembering event ids: each member's entry keeps
the *set* of unread message ids (`unreadIds`), and `unread` is always that set's size. A
redelivered creation adds an id that is already there, a redelivered deletion removes one that
is already gone, so any number of deliveries, in any order, leave the same counter. Each entry
is changed in a transaction, so two messages landing at once cannot lose an increment. The
preview is recomputed from the messages themselves whenever it might be stale.
"""

from __future__ import annotations

import logging
import threading
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
        self.lead = False  # woken to write the next batch rather than because it is done
        self.error: BaseException | None = None


class _EntryWriter:
    """One write per entry in flight in this instance; changes queued meanwhile go together.

    Each invocation queues its change to an entry. If no write to that entry is in flight, it
    writes (the leader); otherwise it waits, and when the write in flight ends, the first
    waiter writes *all* the changes queued meanwhile, applied one after the other to the same
    current value, in one conditional PUT. So concurrent events of one chat never refuse each
    other's writes, and the busier a chat, the fewer requests per message. An invocation
    returns only once a write containing its change succeeded (or raises its error), so
    at-least-once delivery keeps its meaning: a failed batch fails every event in it, and each
    is redelivered (changes are idempotent).
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._queues: dict[str, list[_Change]] = {}  # path -> changes waiting; present = busy

    def apply(self, path: str, change: Callable[[Any], Any], fresh: bool) -> None:
        mine = _Change(change, fresh)
        with self._guard:
            queue = self._queues.get(path)
            if queue is None:
                self._queues[path] = []
                batch = [mine]
            else:
                queue.append(mine)
                batch = None
        if batch is None:
            mine.done.wait()
            if not mine.lead:
                if mine.error is not None:
                    raise mine.error
                return
            with self._guard:
                queue = self._queues[path]
                batch = queue[:]
                del queue[:]
        try:
            _write_batch(path, batch)
        except BaseException as e:
            for item in batch:
                item.error = e
        finally:
            with self._guard:
                queue = self._queues[path]
                if queue:
                    queue[0].lead = True
                    queue[0].done.set()
                else:
                    del self._queues[path]
            for item in batch:
                if item is not mine:
                    item.done.set()
        if mine.error is not None:
            raise mine.error


_writer = _EntryWriter()

stats = {"reads": 0, "writes": 0, "refused": 0, "skipped": 0, "batched": 0}  # (tests, logs)


def _update(path: str, change: Callable[[Any], Any], fresh: bool = False) -> None:
    """Read-modify-write of one entry with a conditional PUT (`if-match` its ETag).

    `change(current)` returns the new value, or None when there is nothing to write. `fresh`
    reads the entry first (a transaction's GET); otherwise the cached (ETag, value) is tried.
    Same guarantee as firebase-admin's `transaction()`: the value written was computed from
    the value it replaces. Concurrent changes of one entry are written together (_EntryWriter).
    """
    _writer.apply(path, change, fresh)


def _write_batch(path: str, batch: list[_Change]) -> None:
    def change(current: Any) -> Any:
        for item in batch:
            new = item.change(current)
            if new is not None:
                current = new
        return current

    stats["batched"] += len(batch) - 1
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

        _update(f"{settings.USER_CHATS}/{uid}/{chat}", update)


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    latest: list[dict[str, Any] | None] = []  # the fallback preview, queried only if needed

    for uid in members:

        def update(current: Any) -> dict[str, Any] | None:
            if not isinstance(current, dict):
                return None
            entry = _entry(current)
            entry["unreadIds"].pop(message_id, None)
            last = entry.get("lastMessage")
            if isinstance(last, dict) and last.get("id") == message_id:
                if not latest:
                    stats["reads"] += 1
                    latest.append(_latest(chat))
                if latest[0] is None:
                    entry.pop("lastMessage", None)
                else:
                    entry["lastMessage"] = latest[0]
            return _finish(entry)

        # Deletions are rare: read the entry (no cached guess), as a transaction does.
        _update(f"{settings.USER_CHATS}/{uid}/{chat}", update, fresh=True)


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
