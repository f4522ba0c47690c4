"""Server-sent event streams: registration, fan-out, rules re-checks, keep-alive, revocation.

Streams of one namespace are grouped by listened location (path + query); a commit's events
for a location are computed, encoded and chunk-framed once. Within a location, streams are
grouped again by identity, so a rules re-check is one evaluation per identity, not per
stream. Each stream has a bounded buffer; a consumer that falls behind is disconnected (and
logged) instead of stalling the others or growing memory.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import messages as msg
from . import tree
from .engine import Commit, DatabaseEngine, Namespace, now_ms
from .events import QueryView, WritesByPath, frame, plain_events, put_frame
from .identity import Identity
from .listen_index import ListenIndex
from .paths import Path, to_str
from .query import Query
from .server import chunk as chunked  # framed once per event, shared by its streams

log = logging.getLogger("messenger_emulators.database.streaming")

_ids = itertools.count(1)


KEEPALIVE_WIRE = chunked(frame("keep-alive", None))


class _Flusher:
    """Writes each stream's outbox once per event-loop iteration, so that several commits
    delivered in one iteration (a burst, or a server that fell behind) cost one send per
    stream instead of one per event. Latency stays one loop iteration."""

    def __init__(self) -> None:
        self.dirty: list[Stream] = []
        self.scheduled = False

    def mark(self, stream: Stream) -> None:
        self.dirty.append(stream)
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        self.scheduled = False
        dirty, self.dirty = self.dirty, []
        for stream in dirty:
            stream.flush()


class Stream:
    """One open SSE connection.

    Events (already chunk-framed, shared bytes) collect in `outbox` and are written straight
    to the socket's transport by the flusher: no task switch per stream per event. The outbox
    plus the transport's write buffer are bounded by `max_buffer`; past it the consumer is too
    slow and is disconnected. Until the HTTP server hands the stream its transport
    (`go_live`, right after the initial `put` is written) events only collect.

    `on_end(clean)` (from the server) ends the response: clean, the chunked body is closed
    (after a `cancel` or `auth_revoked`, or when the emulator stops); not clean, the
    connection is aborted (a slow consumer, a client that went away)."""

    def __init__(self, max_buffer: int, flusher: _Flusher) -> None:
        self.id = next(_ids)
        self.max_buffer = max_buffer
        self.initial = b""
        self.outbox: list[bytes] = []
        self.outbox_bytes = 0
        self.transport: Any = None
        self._fd: int | None = None  # written directly while the transport has no backlog
        self.closed = False
        self.aborted = False
        self.last_activity = time.monotonic()
        self.group: _Group | None = None
        self.revoke_handle: asyncio.TimerHandle | None = None
        self._on_end: Callable[[bool], None] | None = None
        self._flusher = flusher

    def offer(self, wire: bytes, direct: bool = False) -> None:
        """Queue `wire` for the flusher, or (`direct`, nothing queued, live, the socket has
        no backlog) write it now: one commit alone costs one send per stream and no
        bookkeeping; a burst of commits delivered together is still one send per stream."""
        if self.closed:
            return
        transport = self.transport
        if not self.outbox and transport is not None:
            if direct and not transport.get_write_buffer_size():
                if transport.is_closing():
                    self.abort()
                    return
                self._write(transport, wire, 0)
                return
            self._flusher.mark(self)
        self.outbox.append(wire)
        self.outbox_bytes += len(wire)
        if self.outbox_bytes > self.max_buffer:
            self._too_slow(self.outbox_bytes)

    def flush(self) -> None:
        transport = self.transport
        if self.aborted or not self.outbox or transport is None:
            return
        if transport.is_closing():
            self.abort()
            return
        backlog = transport.get_write_buffer_size()
        if backlog > self.max_buffer:
            self._too_slow(backlog)
            return
        data = self.outbox[0] if len(self.outbox) == 1 else b"".join(self.outbox)
        self.outbox.clear()
        self.outbox_bytes = 0
        self._write(transport, data, backlog)

    def _write(self, transport: Any, data: bytes, backlog: int) -> None:
        """Write `data` now. With nothing buffered in the transport, send on its socket
        directly (asyncio's write() costs more Python than the send itself); a partial send
        leaves the rest to the transport, which then keeps the order. The descriptor is the
        transport's own (owned and closed by it; `offer`/`flush` check is_closing first)."""
        fd = self._fd
        if backlog or fd is None:
            transport.write(data)
        else:
            try:
                sent = os.write(fd, data)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:       # reset, broken pipe: the client is gone
                self.abort()
                return
            if sent < len(data):
                transport.write(data[sent:])
        self.last_activity = time.monotonic()

    def _too_slow(self, backlog: int) -> None:
        log.warning("stream %d cannot keep up (%d bytes waiting): disconnecting it",
                    self.id, backlog)
        self.abort()

    def go_live(self, transport: Any, on_end: Callable[[bool], None],
                fd: int | None = None) -> None:
        """The initial put is written: from now on events go to `transport` (and straight to
        the socket `fd` while the transport has nothing buffered, when the server gives one)."""
        self.transport = transport
        self._on_end = on_end
        self._fd = fd
        if self.aborted:
            self._end(False)
            return
        self.flush()     # what arrived meanwhile, including a final cancel
        if self.closed:
            self._end(True)

    def finish(self, wire: bytes | None = None) -> None:
        """Send a last event (cancel, auth_revoked), then end the response."""
        if wire is not None:
            self.offer(wire)
        self.closed = True
        if self.transport is not None:
            self.flush()
            self._end(True)

    def abort(self) -> None:
        self.closed = True
        self.aborted = True
        self.outbox.clear()
        self.outbox_bytes = 0
        self._end(False)

    def _end(self, clean: bool) -> None:
        on_end, self._on_end = self._on_end, None
        if on_end is not None:
            on_end(clean)


@dataclass
class _Group:
    """Streams of one location and one identity: one rules decision for all of them."""
    location: _Location
    identity: Identity
    # insertion-ordered: events go out to the streams of a location in the order they opened
    streams: dict[Stream, None] = field(default_factory=dict)


@dataclass
class _Location:
    namespace: str
    path: Path
    query: Query | None
    view: QueryView | None
    groups: dict[str, _Group] = field(default_factory=dict)
    # whether a commit can change read access here (some .read on the way reads root, data
    # or now), and the rules that was computed for
    reads_state: bool = True
    judged_by: Any = None

    def access_may_change(self, rules: Any) -> bool:
        if self.judged_by is not rules:
            self.reads_state = rules.read_reads_state(self.path)
            self.judged_by = rules
        return self.reads_state


def _writes_read_state(rules: Any, commit: Commit) -> bool:
    """Whether `commit` wrote under data that some read rule reads (False when the rules'
    reads cannot be told: then only the batched re-check runs, as for `now`)."""
    prefixes = rules.read_state_prefixes() if rules is not None else None
    if not prefixes:
        return False
    return any(not path or path[0] in prefixes for path, _ in commit.writes)


class StreamHub:
    def __init__(self, engine: DatabaseEngine, keepalive_s: float = msg.DEFAULT_KEEPALIVE_S,
                 recheck_delay_s: float = 0.25) -> None:
        self.engine = engine
        self.keepalive_s = keepalive_s
        self.recheck_delay_s = recheck_delay_s
        self.max_buffer = msg.STREAM_BUFFER_LIMIT
        self._flusher = _Flusher()
        self._locations: dict[str, dict[tuple, _Location]] = {}
        self._index: dict[str, ListenIndex] = {}   # namespace -> locations by path
        self._streams: set[Stream] = set()
        self._recheck_scheduled: set[str] = set()
        self._dynamic: dict[str, tuple[Any, bool]] = {}  # namespace -> (rules, _any_dynamic)
        self._ticker: asyncio.Task | None = None
        engine.add_commit_listener(self.on_commit)
        engine.add_rules_listener(self.on_rules_changed)

    @property
    def stream_count(self) -> int:
        return len(self._streams)

    # --- lifecycle ---
    def start(self) -> None:
        if self._ticker is None:
            self._ticker = asyncio.ensure_future(self._keepalive_loop())

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
            self._ticker = None
        for stream in list(self._streams):
            stream.finish()

    def open(self, ns: Namespace, path: Path, query: Query | None,
             identity: Identity) -> Stream:
        """Registers a stream and queues its initial `put` (from the durable root, in the same
        step, so no commit is missed or seen twice). The caller checked read access."""
        stream = Stream(self.max_buffer, self._flusher)
        key = (path, query.cache_key() if query else None)
        locations = self._locations.setdefault(ns.name, {})
        location = locations.get(key)
        node = tree.get(ns.durable_root, path)
        if location is None:
            view = QueryView(query, node) if query else None
            location = locations[key] = _Location(ns.name, path, query, view)
            self._index.setdefault(ns.name, ListenIndex()).add(path, location)
            self._dynamic.pop(ns.name, None)
        initial = location.view.initial() if location.view else tree.export(node)
        group_key = identity.group_key()
        group = location.groups.get(group_key)
        if group is None:
            group = location.groups[group_key] = _Group(location, identity)
        group.streams[stream] = None
        stream.group = group
        self._streams.add(stream)
        stream.initial = put_frame("/", initial)
        if identity.expires_at is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, identity.expires_at - time.time())
            stream.revoke_handle = loop.call_later(delay, self._revoke, stream)
        return stream

    def close(self, stream: Stream) -> None:
        """Forget a stream (its response ended, or its client went away). Idempotent."""
        stream.closed = True
        if stream.revoke_handle is not None:
            stream.revoke_handle.cancel()
        self._streams.discard(stream)
        group = stream.group
        stream.group = None
        if group is None:
            return
        group.streams.pop(stream, None)
        if group.streams:
            return
        # the group (and maybe its location) may already have been replaced by a newer one
        location = group.location
        key = group.identity.group_key()
        if location.groups.get(key) is group:
            del location.groups[key]
        if not location.groups:
            locations = self._locations.get(location.namespace, {})
            loc_key = (location.path, location.query.cache_key() if location.query else None)
            if locations.get(loc_key) is location:
                del locations[loc_key]
                self._dynamic.pop(location.namespace, None)
                index = self._index.get(location.namespace)
                if index is not None:
                    index.remove(location.path, location)

    # --- events ---
    def on_commit(self, commit: Commit, batch: bool = False) -> None:
        """The engine's commit listener; `batch`: more commits follow in this call, so
        events are queued for the flusher (one send per stream) rather than sent at once."""
        locations = self._locations.get(commit.namespace)
        if not locations:
            return
        ns = self.engine.namespace(commit.namespace)
        direct = not batch
        touched = self._index[commit.namespace].touched(w for w, _ in commit.writes)
        by_path = WritesByPath(commit.writes) if len(commit.writes) > 8 and len(touched) > 1 \
            else None
        for location in touched:
            if location.view is not None:
                chunk = location.view.update(commit, location.path)
            else:
                chunk = plain_events(commit, location.path,
                                     by_path.relevant(location.path) if by_path else None)
            if chunk is None:
                continue
            wire = chunked(chunk)
            dynamic = location.access_may_change(ns.rules)
            for group in list(location.groups.values()):
                if dynamic and not self._still_readable(ns, group, commit.new_root):
                    continue
                for stream in list(group.streams):
                    stream.offer(wire, direct)
        if len(touched) < len(locations) and self._any_dynamic(ns, locations):
            if _writes_read_state(ns.rules, commit):
                # the commit wrote data the read rules read (a group's membership): a stream
                # that lost access ends now, as Firebase's do, not one batch later
                self._recheck(commit.namespace, skip={id(loc) for loc in touched})
            # rules may read data anywhere (root.child(...)) or `now`: re-check the other
            # streams soon, batched, so a burst of writes costs one evaluation per identity
            self._schedule_recheck(commit.namespace)

    def _any_dynamic(self, ns: Namespace, locations: dict[tuple, _Location]) -> bool:
        """Whether any listened location's access can change with the data. Cached per
        namespace until a location is added or removed or the rules change, so a commit stays
        O(1) here; with the messenger's rules (auth and $wildcards only) it is False and no
        commit schedules a re-check."""
        cached = self._dynamic.get(ns.name)
        if cached is not None and cached[0] is ns.rules:
            return cached[1]
        answer = any(loc.access_may_change(ns.rules) for loc in locations.values())
        self._dynamic[ns.name] = (ns.rules, answer)
        return answer

    def _still_readable(self, ns: Namespace, group: _Group, root: Any) -> bool:
        if group.identity.admin:
            return True
        location = group.location
        decision = ns.rules.can_read(location.path, group.identity.auth, root, now_ms(),
                                     location.query.info() if location.query else None)
        if decision.allowed:
            return True
        if self.engine.rules_trace:
            log.info("stream read %s%s lost: %s", ns.name, to_str(location.path),
                     "; ".join(decision.trace))
        self._cancel_group(group)
        return False

    def _cancel_group(self, group: _Group) -> None:
        wire = chunked(frame("cancel", msg.STREAM_PERMISSION_DENIED))
        for stream in list(group.streams):
            stream.finish(wire)
            self.close(stream)

    def on_rules_changed(self, namespace: str) -> None:
        self._recheck(namespace, every=True)

    def _schedule_recheck(self, namespace: str) -> None:
        # O(1) per commit: one timer per namespace, whatever the number of streams
        if namespace in self._recheck_scheduled:
            return
        self._recheck_scheduled.add(namespace)
        asyncio.get_running_loop().call_later(self.recheck_delay_s, self._recheck, namespace)

    def _recheck(self, namespace: str, every: bool = False, skip: set[int] | None = None) -> None:
        """Re-evaluate read access of open streams: after new rules every one, after commits
        only those whose access can change with the data (but the `skip`ped, by id: just
        checked)."""
        if skip is None:
            self._recheck_scheduled.discard(namespace)
        ns = self.engine.namespaces.get(namespace)
        if ns is None:
            return
        for location in list(self._locations.get(namespace, {}).values()):
            if not every and not location.access_may_change(ns.rules):
                continue
            if skip and id(location) in skip:
                continue
            for group in list(location.groups.values()):
                self._still_readable(ns, group, ns.durable_root)

    def _revoke(self, stream: Stream) -> None:
        stream.finish(chunked(frame("auth_revoked", msg.AUTH_REVOKED)))
        self.close(stream)

    async def _keepalive_loop(self) -> None:
        interval = self.keepalive_s
        while True:
            await asyncio.sleep(min(interval / 2, 1.0))
            cutoff = time.monotonic() - interval
            for stream in list(self._streams):
                transport = stream.transport
                if transport is not None and transport.is_closing():
                    stream.abort()          # the client hung up: end its handler now
                elif stream.last_activity <= cutoff:
                    stream.offer(KEEPALIVE_WIRE)

