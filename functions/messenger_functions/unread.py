"""The `on_message_written` trigger: unread message ids and last-message previews in userChats.

A member's entry `userChats/{uid}/{chatId}` is `{unreadIds, readAt, lastMessage}`
(docs/data-model.md). No counter is stored: readers derive the unread count from the entry
(`unread_count`: the ids whose ts is newer than `readAt`), the app and the API the same way.
For a message, the trigger makes two kinds of small writes, each exact under any number of
deliveries, in any order, from any number of instances:

- *The receiver's unread id*, `unreadIds/{messageId}`: set to the message's ts on creation, to
  null on deletion, by a plain multi-path PATCH. Setting a key of a set is idempotent: a
  redelivered creation sets an id already there, a redelivered deletion removes one already
  gone. A mark-read (`unreadIds: null, readAt: now`) needs no coordination with it either: an
  id the trigger adds just after a mark-read has ts <= readAt, so it is read, not counted, and
  goes at the next mark-read. Concurrent invocations' ids share one root-level PATCH
  (_IdBatcher).
- *Both members' `lastMessage`*: the message's preview when (ts, id) >= the current one's, or
  on deletion of the current one the newest remaining message (queried). It is changed by a
  read-modify-write with a conditional PUT on the ETag of `.../lastMessage` only (a
  transaction, starting from this instance's cached copy: _EntryCache), so concurrent
  messages and instances never lose the newest; changes queued for one path share a write
  (_EntryWriter).

A creation handled after its deletion is treated as that deletion (the existence read below).
docs/functions.md ("The trigger") argues each case.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict, deque
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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any) -> int | None:
    return int(value) if _is_number(value) else None


def unread_count(entry: Any) -> int:
    """The unread count of a `userChats/{uid}/{chatId}` entry, derived, never stored: its
    `unreadIds` entries whose ts is newer than `readAt` (all of them without a numeric readAt);
    entries whose ts is not a number are ignored. The desktop app derives it the same way
    (docs/data-model.md); an id with ts <= readAt is read, and goes at the next mark-read."""
    if not isinstance(entry, dict):
        return 0
    ids = entry.get("unreadIds")
    if isinstance(ids, dict):
        stamps = ids.values()
    elif isinstance(ids, list):  # how the database returns keys that all look like indexes
        stamps = ids
    else:
        return 0
    read_at = entry.get("readAt")
    if not _is_number(read_at):
        return sum(1 for ts in stamps if _is_number(ts))
    return sum(1 for ts in stamps if _is_number(ts) and ts > read_at)


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


def _order(preview: Any) -> tuple[int, str] | None:
    """The (ts, id) a preview is ordered by; None when there is none."""
    if not isinstance(preview, dict):
        return None
    return _number(preview.get("ts")) or 0, str(preview.get("id"))


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


def _unread_path(uid: str, chat: str, message_id: str) -> str:
    return f"{settings.USER_CHATS}/{uid}/{chat}/unreadIds/{message_id}"


def _last_path(uid: str, chat: str) -> str:
    return f"{settings.USER_CHATS}/{uid}/{chat}/lastMessage"


class _Gone:
    """Returned by a lastMessage change: the node must be deleted (None: nothing to write)."""


GONE = _Gone()


class _EntryCache:
    """This instance's last known (ETag, value) of the lastMessage nodes it wrote, bounded (LRU).

    Only a starting guess: every write is conditional on the ETag, so a stale value (another
    instance wrote) costs one refused PUT, whose answer carries the current value and ETag,
    and the change is recomputed from that, as in a transaction. (A change that finds nothing
    to do on a cached value writes nothing: see docs/functions.md for why that is exact.)
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
ID_PATCH_LIMIT = 1000  # id changes carried by one PATCH at most
_cache = _EntryCache(CACHE_LIMIT)


class _Change:
    def __init__(self, change: Callable[[Any], Any], fresh: bool) -> None:
        self.change = change
        self.fresh = fresh
        self.done = threading.Event()
        self.error: BaseException | None = None


class _EntryWriter:
    """Writes the lastMessage changes from a few writer threads, coalescing per path.

    An invocation queues one change per path it touches and waits until a write containing
    each of them succeeded (then they are done) or failed (it raises, and the host redelivers
    the event; changes are idempotent, so a partial success is harmless). A writer takes a
    path with queued changes that no other writer is writing, applies all of them in order to
    the path's current value and writes the result in one conditional PUT. (When a path is
    idle, the invocation writes it itself, as a writer would: at low rates that saves two
    thread hand-offs per write; at most `threads` invocations do so at once.) So one path has
    at most one write in flight (concurrent events of one chat never refuse each other's
    writes), changes of one path are applied in the order they were queued, at most
    2 x `threads` writes are in flight towards the database whatever the event rate, and the
    busier the database, the more changes share a write: the trigger's requests per message
    fall as the load rises instead of competing with the clients' writes.
    """

    def __init__(self, threads: int) -> None:
        self._threads = threads
        self._started = 0
        self._cv = threading.Condition()
        self._pending: OrderedDict[str, list[_Change]] = OrderedDict()  # oldest first
        self._busy: set[str] = set()
        self._inline = 0  # invocations writing a path themselves

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
            # A path nobody is writing, while fewer than `threads` invocations write inline:
            # this thread writes it itself (no hand-off to a writer and back, which costs more
            # CPU than the write at low rates). Busy paths go to the writers, and batch.
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


class _Ids:
    __slots__ = ("updates", "done", "error")

    def __init__(self, updates: dict[str, Any]) -> None:
        self.updates = updates
        self.done = False
        self.error: BaseException | None = None


class _IdBatcher:
    """Writes the unread-id changes of concurrent invocations in shared root-level PATCHes.

    `submit` queues an invocation's keys (`{"userChats/r/c/unreadIds/m": ts or None}`); `wait`
    returns once a PATCH that carried them succeeded, and raises that PATCH's error if it
    failed (the host redelivers; the keys are idempotent). One PATCH is in flight at a time:
    a waiter whose keys are still queued when none is sends the next one itself, with every key
    queued by then (in queue order, up to ID_PATCH_LIMIT), so callers that arrive while a
    PATCH is in flight share the next. A multi-path PATCH is atomic: all its keys or none.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._cv = threading.Condition()
        self._queue: deque[_Ids] = deque()
        self._busy = False

    def submit(self, updates: dict[str, Any]) -> _Ids:
        item = _Ids(updates)
        with self._cv:
            self._queue.append(item)
        return item

    def wait(self, item: _Ids) -> None:
        while True:
            with self._cv:
                while self._busy and not item.done:
                    self._cv.wait()
                if item.done:
                    break
                self._busy = True
                batch, size = [], 0
                while self._queue and (
                        not batch or size + len(self._queue[0].updates) <= self._limit):
                    taken = self._queue.popleft()
                    batch.append(taken)
                    size += len(taken.updates)
            try:
                _patch(batch)
            finally:
                with self._cv:
                    self._busy = False
                    self._cv.notify_all()
        if item.error is not None:
            raise item.error

    def apply(self, updates: dict[str, Any]) -> None:
        self.wait(self.submit(updates))


def _patch(batch: list[_Ids]) -> None:
    body: dict[str, Any] = {}
    for item in batch:
        body.update(item.updates)
    stats["patches"] += 1
    stats["ids"] += sum(len(item.updates) for item in batch)
    try:
        if settings.UNREAD_STATS_LOG_S:
            _log_stats()
        backend.trigger_ref("/").update(body)
    except BaseException as e:  # noqa: BLE001 - handed to the waiting invocations
        for item in batch:
            item.error = e
    finally:
        for item in batch:
            item.done = True


_writer = _EntryWriter(settings.UNREAD_WRITERS)
_ids = _IdBatcher(ID_PATCH_LIMIT)

# Requests made and changes coalesced, for tests and UNREAD_STATS_LOG_S: "events" lastMessage
# changes queued (two per message), "batched" of them written together with an earlier one,
# "reads" GETs and queries, "writes" conditional writes of lastMessage ("refused" of them
# with 412, "skipped" batches that changed nothing); "patches" unread-id PATCHes, carrying
# "ids" id changes.
stats = {"events": 0, "reads": 0, "writes": 0, "refused": 0, "skipped": 0, "batched": 0,
         "patches": 0, "ids": 0}


_last_stats_log = [0.0]


def _log_stats() -> None:
    """With UNREAD_STATS_LOG_S set: the request counters, at most every that many seconds."""
    now = time.monotonic()
    if now - _last_stats_log[0] >= settings.UNREAD_STATS_LOG_S:
        _last_stats_log[0] = now
        print("unread trigger stats " + json.dumps(stats), flush=True)


def _put_if_match(reference: Any, etag: str, value: Any) -> tuple[bool, Any, str | None]:
    """`set_if_unchanged`, also for None: a conditional DELETE, which firebase-admin lacks."""
    if value is not None:
        return reference.set_if_unchanged(etag, value)
    from firebase_admin import exceptions

    try:
        headers = reference._client.headers(  # noqa: SLF001 - as set_if_unchanged does
            "delete", reference._add_suffix(),  # noqa: SLF001
            headers={"if-match": etag, "X-Firebase-ETag": "true"})
        return True, None, headers.get("ETag")
    except exceptions.FailedPreconditionError as error:
        response = error.http_response
        if response is not None and "ETag" in response.headers:
            return False, response.json(), response.headers["ETag"]
        raise


def _write_batch(path: str, batch: list[_Change]) -> None:
    """Read-modify-write of one lastMessage node, with a conditional write (`if-match`).

    Each `change(current)` returns the new value, GONE (delete it) or None (nothing to do).
    A `fresh` change reads the node first (a transaction's GET); otherwise this instance's
    cached (ETag, value) is tried. Same guarantee as firebase-admin's `transaction()`: the
    value written was computed from the value it replaces.
    """
    if settings.UNREAD_STATS_LOG_S:
        _log_stats()

    def change(current: Any) -> Any:
        for item in batch:
            new = item.change(current)
            if new is GONE:
                current = None
            elif new is not None:
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
            if new == current:
                stats["skipped"] += 1
                _cache.put(path, etag, current)
                return
            stats["writes"] += 1
            done, current, etag = _put_if_match(reference, etag, new)
            if done:
                if etag:
                    _cache.put(path, etag, new)
                else:  # no ETag in the answer: read the node next time
                    _cache.forget(path)
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
    order = (ts, message_id)
    receiver = members[1] if message["sender"] == members[0] else members[0]

    def update(current: Any) -> dict[str, Any] | None:
        last = _order(current)
        return preview if last is None or order >= last else None

    ids = _ids.submit({_unread_path(receiver, chat, message_id): ts})
    try:
        _writer.apply([(_last_path(uid, chat), update, False) for uid in members])
    finally:
        _ids.wait(ids)  # its keys may already be on their way with another invocation's


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    latest: list[dict[str, Any] | None] = []  # the fallback preview, queried only if needed
    lock = threading.Lock()  # the two paths may be written at once, by two writers

    def update(current: Any) -> Any:
        if not isinstance(current, dict) or current.get("id") != message_id:
            return None
        with lock:
            if not latest:
                stats["reads"] += 1
                latest.append(_latest(chat))
        return GONE if latest[0] is None else latest[0]

    # Both members' ids (only the receiver has one; a null elsewhere changes nothing).
    ids = _ids.submit({_unread_path(uid, chat, message_id): None for uid in members})
    try:
        # Deletions are rare: read the node (no cached guess), as a transaction does.
        _writer.apply([(_last_path(uid, chat), update, True) for uid in members])
    finally:
        _ids.wait(ids)


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
        # unread id. Our functions host delivers a path's events in commit order and retries an
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
