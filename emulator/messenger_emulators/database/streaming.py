"""Server-sent event streams: registration, fan-out, rules re-checks, keep-alive, revocation.

Streams of one namespace are grouped by listened location (path + query); a commit's events for
a location are computed and encoded once. Within a location, streams are grouped again by
identity, so a rules re-check is one evaluation per identity, not per stream. Each stream has a
bounded queue; a consumer that falls behind is disconnected (and logged) instead of stalling
the others or growing memory.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import messages as msg
from . import tree
from .engine import Commit, DatabaseEngine, Namespace, now_ms
from .events import QueryView, frame, plain_events, put_frame, touches
from .identity import Identity
from .paths import Path, to_str
from .query import Query

log = logging.getLogger("messenger_emulators.database.streaming")

MAX_QUEUED_BYTES = 64 * 1024 * 1024
_ids = itertools.count(1)


class Stream:
    """One open SSE connection: a queue of encoded chunks drained by its HTTP handler."""

    def __init__(self, abort: Callable[[], None], queue_limit: int) -> None:
        self.id = next(_ids)
        self.queue_limit = queue_limit
        self.queue: deque[bytes] = deque()
        self.queued_bytes = 0
        self.wakeup = asyncio.Event()
        self.closing = False        # send what is queued, then end the response
        self.closed = False
        self.last_activity = time.monotonic()
        self.group: _Group | None = None
        self.revoke_handle: asyncio.TimerHandle | None = None
        self.transport: Any = None       # set by the HTTP handler; the ticker notices hang-ups
        self._abort = abort

    def offer(self, chunk: bytes) -> None:
        if self.closed or self.closing:
            return
        if len(self.queue) >= self.queue_limit or \
                self.queued_bytes + len(chunk) > MAX_QUEUED_BYTES:
            log.warning("stream %d cannot keep up (%d events queued): disconnecting it",
                        self.id, len(self.queue))
            self.abort()
            return
        self.queue.append(chunk)
        self.queued_bytes += len(chunk)
        self.last_activity = time.monotonic()
        self.wakeup.set()

    def finish(self, chunk: bytes | None = None) -> None:
        """Queue a last event (cancel, auth_revoked) and end the stream after it."""
        if chunk is not None:
            self.offer(chunk)
        self.closing = True
        self.wakeup.set()

    def take(self) -> bytes:
        data = b"".join(self.queue)
        self.queue.clear()
        self.queued_bytes = 0
        return data

    def abort(self) -> None:
        self.closed = True
        self.queue.clear()
        self.wakeup.set()
        try:
            self._abort()
        except Exception:  # the transport may already be gone
            pass


@dataclass
class _Group:
    """Streams of one location and one identity: one rules decision for all of them."""
    location: _Location
    identity: Identity
    streams: set[Stream] = field(default_factory=set)
    dirty: bool = False


@dataclass
class _Location:
    namespace: str
    path: Path
    query: Query | None
    view: QueryView | None
    groups: dict[str, _Group] = field(default_factory=dict)


class StreamHub:
    def __init__(self, engine: DatabaseEngine, keepalive_s: float = msg.DEFAULT_KEEPALIVE_S,
                 recheck_delay_s: float = 0.05) -> None:
        self.engine = engine
        self.keepalive_s = keepalive_s
        self.recheck_delay_s = recheck_delay_s
        self.queue_limit = msg.STREAM_QUEUE_LIMIT
        self._locations: dict[str, dict[tuple, _Location]] = {}
        self._streams: set[Stream] = set()
        self._recheck_scheduled: set[str] = set()
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

    def open(self, ns: Namespace, path: Path, query: Query | None, identity: Identity,
             abort: Callable[[], None]) -> Stream:
        """Registers a stream and queues its initial `put` (from the durable root, in the same
        step, so no commit is missed or seen twice). The caller checked read access."""
        stream = Stream(abort, self.queue_limit)
        key = (path, query.cache_key() if query else None)
        locations = self._locations.setdefault(ns.name, {})
        location = locations.get(key)
        node = tree.get(ns.durable_root, path)
        if location is None:
            view = QueryView(query, node) if query else None
            location = locations[key] = _Location(ns.name, path, query, view)
        initial = location.view.initial() if location.view else tree.export(node)
        group_key = identity.group_key()
        group = location.groups.get(group_key)
        if group is None:
            group = location.groups[group_key] = _Group(location, identity)
        group.streams.add(stream)
        stream.group = group
        self._streams.add(stream)
        stream.offer(put_frame("/", initial))
        if identity.expires_at is not None:
            loop = asyncio.get_running_loop()
            delay = max(0.0, identity.expires_at - time.time())
            stream.revoke_handle = loop.call_later(delay, self._revoke, stream)
        return stream

    def close(self, stream: Stream) -> None:
        """Forget a stream (its handler ended)."""
        stream.closed = True
        if stream.revoke_handle is not None:
            stream.revoke_handle.cancel()
        self._streams.discard(stream)
        group = stream.group
        if group is None:
            return
        group.streams.discard(stream)
        if not group.streams:
            location = group.location
            location.groups.pop(group.identity.group_key(), None)
            if not location.groups:
                locations = self._locations.get(location.namespace, {})
                key = (location.path, location.query.cache_key() if location.query else None)
                locations.pop(key, None)

    # --- events ---
    def on_commit(self, commit: Commit) -> None:
        locations = self._locations.get(commit.namespace)
        if not locations:
            return
        ns = self.engine.namespace(commit.namespace)
        untouched = False
        for location in list(locations.values()):
            if not touches(commit, location.path):
                untouched = True
                continue
            if location.view is not None:
                chunk = location.view.update(tree.get(commit.new_root, location.path))
            else:
                chunk = plain_events(commit, location.path)
            if chunk is None:
                continue
            for group in list(location.groups.values()):
                if not self._still_readable(ns, group, commit.new_root):
                    continue
                for stream in list(group.streams):
                    stream.offer(chunk)
        if untouched:
            # rules may read data anywhere (root.child(...)): re-check the other streams soon,
            # batched, so a burst of writes costs one evaluation per identity
            self._schedule_recheck(commit.namespace)

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
        chunk = frame("cancel", msg.STREAM_PERMISSION_DENIED)
        for stream in list(group.streams):
            stream.finish(chunk)
            self.close(stream)

    def on_rules_changed(self, namespace: str) -> None:
        self._recheck(namespace, only_dirty=False)

    def _schedule_recheck(self, namespace: str) -> None:
        for location in self._locations.get(namespace, {}).values():
            for group in location.groups.values():
                if not group.identity.admin:
                    group.dirty = True
        if namespace in self._recheck_scheduled:
            return
        self._recheck_scheduled.add(namespace)
        asyncio.get_running_loop().call_later(self.recheck_delay_s, self._recheck, namespace,
                                              True)

    def _recheck(self, namespace: str, only_dirty: bool) -> None:
        self._recheck_scheduled.discard(namespace)
        ns = self.engine.namespaces.get(namespace)
        if ns is None:
            return
        for location in list(self._locations.get(namespace, {}).values()):
            for group in list(location.groups.values()):
                if only_dirty and not group.dirty:
                    continue
                group.dirty = False
                self._still_readable(ns, group, ns.durable_root)

    def _revoke(self, stream: Stream) -> None:
        stream.finish(frame("auth_revoked", msg.AUTH_REVOKED))
        self.close(stream)

    async def _keepalive_loop(self) -> None:
        chunk = frame("keep-alive", None)
        interval = self.keepalive_s
        while True:
            await asyncio.sleep(min(interval / 2, 1.0))
            cutoff = time.monotonic() - interval
            for stream in list(self._streams):
                transport = stream.transport
                if transport is not None and transport.is_closing():
                    stream.abort()          # the client hung up: end its handler now
                elif stream.last_activity <= cutoff:
                    stream.offer(chunk)

