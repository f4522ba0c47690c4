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
  (_Writer).
- *Both members' `lastMessage`*: the message's preview when (ts, id) >= the current one's, or
  on deletion of the current one the newest remaining message (queried). It is changed by a
  read-modify-write with a conditional PUT on the ETag of `.../lastMessage` only (a
  transaction, starting from this instance's cached copy: _EntryCache), so concurrent
  messages and instances never lose the newest; changes queued for one path share a write
  (_Writer: one thread writes for all the instance's invocations).

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

import requests
from requests.structures import CaseInsensitiveDict

from . import backend, keys, settings, transport

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
# At most one id PATCH per interval (and one in flight): keys queued meanwhile share the next.
# Their previews, written meanwhile, show the messages at once; only the count waits.
ID_PATCH_INTERVAL_S = 0.01
_cache = _EntryCache(CACHE_LIMIT)


class _Job:
    """One invocation's writes: its unread-id keys and its lastMessage changes (path, change,
    fresh). `wait()` returns once every part was written (or found to need no write), and
    raises the first error of any of them (the host redelivers; every part is idempotent)."""

    __slots__ = ("ids", "ids_left", "changes", "left", "error", "_done")

    def __init__(self, ids: dict[str, Any],
                 changes: list[tuple[str, Callable[[Any], Any], bool]]) -> None:
        self.ids = ids
        self.ids_left = bool(ids)  # its keys not carried by a finished PATCH yet
        self.changes = changes
        self.left = (1 if ids else 0) + len(changes)
        self.error: BaseException | None = None
        self._done = threading.Lock()  # held until the last part is finished: one wake-up
        self._done.acquire()
        if not self.left:
            self._done.release()

    def finish(self, error: BaseException | None = None) -> None:
        """One part done (by the writer thread)."""
        if error is not None and self.error is None:
            self.error = error
        self.left -= 1
        if self.left == 0:
            self._done.release()

    def wait(self) -> None:
        self._done.acquire()
        if self.error is not None:
            raise self.error


class _Part:
    __slots__ = ("job", "change", "fresh")

    def __init__(self, job: _Job, change: Callable[[Any], Any], fresh: bool) -> None:
        self.job = job
        self.change = change
        self.fresh = fresh


def _apply(parts: list[_Part], current: Any) -> Any:
    """The node's value after a path's queued changes, applied in queue order."""
    for part in parts:
        new = part.change(current)
        if new is GONE:
            current = None
        elif new is not None:
            current = new
    return current


class _Writer:
    """All of this instance's trigger writes, made by one thread with many requests in flight.

    An invocation submits a job (its id keys, one change per lastMessage node) and waits for
    it (one wake-up). The writer thread sends at once what it can and the rest as answers come:
    - the id keys of every queued job in one root-level PATCH (up to ID_PATCH_LIMIT keys),
      one PATCH in flight at a time: keys queued meanwhile share the next;
    - per lastMessage node, one request in flight at a time: the conditional write (`if-match`
      the cached ETag) of all the node's queued changes applied in queue order to its cached
      value, or, when the node is not cached or a change must start from a fresh value (a
      deletion), a GET with its ETag (the write follows when it answers). A write refused with
      412 is recomputed from the value and ETag the refusal carries, as in a transaction
      (MAX_TRIES); a failed request fails the jobs of its changes. A change that alters nothing
      on the cached value writes nothing (exact: docs/functions.md).
    So a node has at most one write in flight, changes of one node are applied in the order
    they were queued, and the busier the database (the longer a write takes), the more changes
    share a write and keys a PATCH. Against the local emulator (plain HTTP) the requests are
    sent by this thread itself, each on its own kept-alive connection (transport.InFlight):
    no thread per request and no blocking exchange per request on the invocations' threads.
    Elsewhere (HTTPS: Cloud Functions) they are firebase-admin's own calls on up to
    UNREAD_WRITERS threads. The requests and what is concluded from each answer are the same.
    """

    def __init__(self, id_limit: int) -> None:
        self._limit = id_limit
        self._lock = threading.RLock()  # reentrant: tests hold it to queue several jobs at once
        self._queue: deque[_Job] = deque()
        self._thread: threading.Thread | None = None
        self._polling = False  # the thread waits in poll(): a new job must wake it
        self._flight: Any = None  # transport.InFlight, made by the thread
        self._started = threading.Event()
        self._done: deque[tuple[Any, Any]] = deque()  # answers of firebase-admin's calls
        # writer thread only
        self._pending: dict[str, list[_Part]] = {}  # changes not sent yet, per node
        self._sent: dict[str, tuple[str, Any, list[_Part]]] = {}  # node -> request in flight
        self._tries: dict[str, int] = {}
        self._ids: deque[_Job] = deque()  # jobs whose keys wait for a PATCH
        self._patch: list[_Job] | None = None  # the PATCH in flight
        self._next_patch = 0.0  # time.monotonic() from which the next PATCH may leave

    def submit(self, ids: dict[str, Any],
               changes: list[tuple[str, Callable[[Any], Any], bool]]) -> _Job:
        job = _Job(ids, changes)
        if not job.left:
            return job
        with self._lock:
            self._queue.append(job)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="unread-writer",
                                                daemon=True)
                self._thread.start()
                self._started.wait()
            wake = self._polling
            self._polling = False
        if wake:
            self._flight.wake()
        return job

    def apply(self, ids: dict[str, Any],
              changes: list[tuple[str, Callable[[Any], Any], bool]]) -> None:
        self.submit(ids, changes).wait()

    def _run(self) -> None:
        self._flight = transport.InFlight(_NoSession())  # its session: set at the first request
        self._started.set()
        while True:
            try:
                self._step()
            except BaseException as e:  # noqa: BLE001 - a bug here must not hang invocations
                log.exception("unread trigger: the writer failed")
                self._fail_all(e)

    def _step(self) -> None:
        with self._lock:
            jobs = list(self._queue)
            self._queue.clear()
        for job in jobs:
            if job.ids:
                self._ids.append(job)
            for path, change, fresh in job.changes:
                stats["events"] += 1
                queued = self._pending.get(path)
                if queued is None:
                    self._pending[path] = [_Part(job, change, fresh)]
                else:
                    queued.append(_Part(job, change, fresh))
        self._send_ready()
        timeout = None
        if self._ids and self._patch is None:  # keys waiting for the PATCH interval
            timeout = max(0.0, self._next_patch - time.monotonic())
        with self._lock:
            if self._queue:
                return
            self._polling = True
        answers = self._flight.poll(timeout)
        with self._lock:
            self._polling = False
        while self._done:
            answers.append(self._done.popleft())
        for token, answer in answers:
            self._answered(token, answer)

    def _send_ready(self) -> None:
        if self._ids and self._patch is None and time.monotonic() >= self._next_patch:
            self._next_patch = time.monotonic() + ID_PATCH_INTERVAL_S
            batch: list[_Job] = []
            keys: dict[str, Any] = {}
            while self._ids and (not batch or len(keys) + len(self._ids[0].ids) <= self._limit):
                job = self._ids.popleft()
                batch.append(job)
                keys.update(job.ids)
            stats["patches"] += 1
            stats["ids"] += sum(len(job.ids) for job in batch)
            self._patch = batch
            self._start(None, ("patch", "/", None, keys))
        for path in [path for path in self._pending if path not in self._sent]:
            parts = self._pending[path]
            known = None if any(part.fresh for part in parts) else _cache.get(path)
            if known is None:
                stats["reads"] += 1
                self._sent[path] = ("get", None, self._pending.pop(path))
                self._start(path, ("get", path, None, None))
                continue
            etag, current = known
            try:
                new = _apply(parts, current)
            except Exception as e:  # noqa: BLE001 - e.g. the fallback query failed
                self._finish(self._pending.pop(path), e)
                continue
            if new == current:
                stats["skipped"] += 1
                stats["batched"] += len(parts) - 1
                self._tries.pop(path, None)
                self._finish(self._pending.pop(path))
                continue
            stats["writes"] += 1
            self._sent[path] = ("put", new, self._pending.pop(path))
            self._start(path, ("put", path, etag, new))
        if settings.UNREAD_STATS_LOG_S:
            _log_stats()

    def _start(self, token: str | None, call: tuple[str, str, str | None, Any]) -> None:
        """Send a request: from this thread to the emulator, else on firebase-admin's."""
        client = backend.trigger_ref("/")._client  # noqa: SLF001 - its URL, query, session
        session = client._session  # noqa: SLF001
        if PIPELINE and isinstance(session, transport.FastSession):
            self._flight.session = session  # the same, unless tests re-point firebase-admin
            method, url, headers, body = _http_request(client, call)
            if self._flight.can_send([url]):
                self._flight.start((token, call), method, url, headers, body,
                                   client.timeout)
                return
        future = _admin_executor().submit(_admin_call, call)

        def done(_: Any) -> None:
            self._done.append(((token, call, None), future.result()))
            self._flight.wake()

        future.add_done_callback(done)

    def _answered(self, token: Any, answer: Any) -> None:
        path, call = token[0], token[1]
        if len(token) == 2:  # through transport.InFlight: an HTTP answer
            answer = _http_answer(call, answer)
        if path is None:  # the PATCH
            batch, self._patch = self._patch or [], None
            error = answer if isinstance(answer, BaseException) else None
            for job in batch:
                job.ids_left = False
                job.finish(error)
            return
        kind, value, parts = self._sent.pop(path)
        if isinstance(answer, BaseException):
            _cache.forget(path)  # a write may or may not have landed: read it next time
            self._tries.pop(path, None)
            self._finish(parts, answer)
            return
        done, current, etag = answer
        if kind == "get":
            if not etag:
                self._finish(parts, RuntimeError(f"{path}: no ETag in the answer"))
                return
            _cache.put(path, etag, current)
            for part in parts:
                part.fresh = False  # read after it was queued: written next
            self._requeue(path, parts)
        elif done:
            stats["batched"] += len(parts) - 1
            if etag:
                _cache.put(path, etag, value)
            else:  # no ETag in the answer: read the node next time
                _cache.forget(path)
            self._tries.pop(path, None)
            self._finish(parts)
        else:
            stats["refused"] += 1
            _cache.put(path, etag, current)  # recomputed from it
            self._tries[path] = tries = self._tries.get(path, 0) + 1
            if tries >= MAX_TRIES:
                _cache.forget(path)
                self._tries.pop(path, None)
                self._finish(parts, RuntimeError(
                    f"{path}: still contended after {MAX_TRIES} conditional writes"))
            else:
                self._requeue(path, parts)

    def _requeue(self, path: str, parts: list[_Part]) -> None:
        """Changes to write again, before the ones queued since (queue order)."""
        self._pending[path] = parts + self._pending.get(path, [])

    @staticmethod
    def _finish(parts: list[_Part], error: BaseException | None = None) -> None:
        for part in parts:
            part.job.finish(error)

    def _fail_all(self, error: BaseException) -> None:
        """After a bug in this thread: fail every job not finished, forget what was sent."""
        for path, (_, _, parts) in list(self._sent.items()):
            _cache.forget(path)
            self._finish(parts, error)
        for parts in list(self._pending.values()):
            self._finish(parts, error)
        for job in list(self._ids) + (self._patch or []):
            if job.ids_left:
                job.ids_left = False
                job.finish(error)
        self._sent.clear()
        self._pending.clear()
        self._tries.clear()
        self._ids.clear()
        self._patch = None
        self._flight = transport.InFlight(self._flight.session)


class _NoSession:
    """transport.InFlight's session until the first request (the app is made lazily)."""

    original = None


_writer = _Writer(ID_PATCH_LIMIT)
PIPELINE = True  # False: firebase-admin's calls even against the emulator (tests)
_admin_pool: list[Any] = []


def _admin_executor() -> Any:
    if not _admin_pool:
        from concurrent.futures import ThreadPoolExecutor

        with _lock:
            if not _admin_pool:
                _admin_pool.append(ThreadPoolExecutor(settings.UNREAD_WRITERS,
                                                      thread_name_prefix="unread-call"))
    return _admin_pool[0]


_lock = threading.Lock()


def _admin_call(call: tuple[str, str, str | None, Any]) -> Any:
    kind, path, etag, value = call
    try:
        if kind == "patch":
            backend.trigger_ref("/").update(value)
            return True, None, None
        reference = backend.trigger_ref(path)
        if kind == "get":
            current, etag = reference.get(etag=True)
            return True, current, etag
        return _put_if_match(reference, etag, value)
    except Exception as e:  # noqa: BLE001 - the writer hands it to the waiting invocations
        return e


def _http_request(client: Any, call: tuple[str, str, str | None, Any]
                  ) -> tuple[str, str, dict[str, str], bytes]:
    """The request firebase-admin's call would send (same URL, query, headers, JSON)."""
    kind, path, etag, value = call
    query = "&".join(f"{key}={v}" for key, v in client.params.items())
    # Reference._add_suffix(): "/" + the path's segments + ".json" (our paths are plain keys)
    url = f"{client.base_url}/{path.strip('/')}.json"
    if kind == "patch":  # Reference.update
        query = "print=silent&" + query if query else "print=silent"
        return ("PATCH", f"{url}?{query}", {"Content-Type": "application/json"},
                json.dumps(value, allow_nan=False).encode())
    url = f"{url}?{query}" if query else url
    if kind == "get":  # Reference.get(etag=True)
        return "GET", url, {"X-Firebase-ETag": "true"}, b""
    if value is None:  # _put_if_match: a conditional DELETE
        return "DELETE", url, {"if-match": etag, "X-Firebase-ETag": "true"}, b""
    return ("PUT", url, {"if-match": etag, "Content-Type": "application/json"},  # set_if_unchanged
            json.dumps(value, allow_nan=False).encode())


def _http_answer(call: tuple[str, str, str | None, Any], answer: Any) -> Any:
    """(done, value, ETag) from a pipelined answer, or the error firebase-admin would raise."""
    from firebase_admin import db

    kind, _, _, value = call
    if isinstance(answer, BaseException):
        return db._Client.handle_rtdb_error(answer)  # noqa: SLF001 - its own mapping
    status, headers, content = answer
    etag = next((v for k, v in headers if k.lower() == "etag"), None)
    if 200 <= status < 300:
        if kind == "get":
            return True, json.loads(content) if content else None, etag
        return True, value if kind == "put" else None, etag
    if status == 412 and kind == "put" and etag:
        return False, json.loads(content) if content else None, etag
    response = requests.Response()
    response.status_code = status
    response.headers = CaseInsensitiveDict(headers)
    response._content = content  # noqa: SLF001 - a fully read body
    error = requests.exceptions.HTTPError(f"{status} answer", response=response)
    return db._Client.handle_rtdb_error(error)  # noqa: SLF001


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


def _on_created(chat: str, members: tuple[str, str], message_id: str, message: dict) -> None:
    ts = _number(message["ts"])
    preview = _preview(message_id, message)
    order = (ts, message_id)
    receiver = members[1] if message["sender"] == members[0] else members[0]

    def update(current: Any) -> dict[str, Any] | None:
        last = _order(current)
        return preview if last is None or order >= last else None

    _writer.apply({_unread_path(receiver, chat, message_id): ts},
                  [(_last_path(uid, chat), update, False) for uid in members])


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    latest: list[dict[str, Any] | None] = []  # the fallback preview, queried only if needed

    def update(current: Any) -> Any:
        if not isinstance(current, dict) or current.get("id") != message_id:
            return None
        if not latest:
            stats["reads"] += 1
            latest.append(_latest(chat))
        return GONE if latest[0] is None else latest[0]

    # Both members' ids (only the receiver has one; a null elsewhere changes nothing).
    # Deletions are rare: both nodes are read first (fresh: no cached guess), as a
    # transaction does.
    _writer.apply({_unread_path(uid, chat, message_id): None for uid in members},
                  [(_last_path(uid, chat), update, True) for uid in members])


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
