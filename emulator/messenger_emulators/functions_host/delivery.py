"""Delivers trigger events to the worker: a queue per function, in order, retried, bounded.

Commits arrive from the database's commit listener (on the event loop, must not block): they
are only queued. One task turns queued commits into events; each function's events wait in one
lane per path (``ref``), and a lane posts its events one at a time, so a function sees the
changes of a path in commit order. Lanes of different paths run concurrently, up to
``concurrency`` deliveries in flight per function, as Cloud Functions runs several instances:
one message's trigger does not wait for another's, so a busy chat keeps up. A slow or failing
function delays only itself, never a database write nor another function.
A failed delivery (5xx, connection error, timeout) is retried with exponential backoff up to
``max_attempts``, then logged and dropped; a 4xx is a refusal and is dropped at once.

Memory is bounded, and nothing is lost to the bound. Up to ``queue_limit`` events a function
wait in memory; past that (a sustained overload: the function slower than the writes) the next
events wait in a temporary file, in order (spill.py), and come back as the queue drains below
half the limit, as Firebase keeps a slow function's events until it has run them. The database
never waits for functions. The first event that waits on disk is logged with the function and
path, ``stats.spilled`` counts them, and one line says when the queue has caught up. Commits
wait to be diffed for one event-loop turn; ``commit_limit`` of them are diffed at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from . import messages as msg
from .manifest import FunctionSpec
from .spill import SpillFile
from .triggers import CloudEvent, build_event, changed_nodes, fires

log = logging.getLogger("messenger_emulators.functions")


@dataclass
class DeliveryPolicy:
    max_attempts: int = 6
    first_delay: float = 0.25  # seconds; doubles each retry
    max_delay: float = 10.0
    timeout: float = 60.0  # per attempt (Cloud Functions' default timeout)
    queue_limit: int = 10_000  # events waiting in memory per function (more wait on disk)
    concurrency: int = 1024  # deliveries in flight per function (each on its own path)
    commit_limit: int = 10_000  # commits waiting to be diffed (more: diffed at once)


@dataclass
class Stats:
    delivered: int = 0
    retried: int = 0
    dropped: int = 0  # events given up on: retries exhausted, or refused (4xx)
    spilled: int = 0  # events that waited on disk (the memory bound was reached)


Post = Callable[[FunctionSpec, CloudEvent], Awaitable[int]]
# send(spec, event, on_reply) -> False when it cannot send now (no worker connection yet), else
# True and, later, on_reply(status, None) or on_reply(0, error): one attempt, without a task.
Send = Callable[[FunctionSpec, CloudEvent, Callable[[int, "BaseException | None"], None]], bool]


def _detail(e: BaseException) -> str:
    if isinstance(e, (aiohttp.ClientError, OSError, TimeoutError, ConnectionError)):
        return f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return str(e)  # the worker is unavailable (load failure) and the like


class FunctionQueue:
    """One function's events: a lane per path, at most ``concurrency`` deliveries in flight.

    A delivery's first attempt goes through ``send`` when it can (a frame and a callback: no
    task, future or timeout context per event, the common case); an attempt that fails, or
    one that cannot be sent at once, continues in a task running the retry loop with ``post``.
    """

    def __init__(self, spec: FunctionSpec, post: Post, policy: DeliveryPolicy, stats: Stats,
                 send: Send | None = None) -> None:
        self.spec = spec
        self._post = post
        self._send = send
        self._policy = policy
        self._stats = stats
        self._lanes: dict[str, deque[CloudEvent]] = {}  # ref -> events in commit order
        self._lane_tasks: set[asyncio.Task] = set()
        self._in_flight = 0  # lanes delivering their first event (slots taken)
        self._waiting: deque[str] = deque()  # lanes waiting for a slot, in order
        self._generation = 0  # bumped by stop(): answers for earlier sends are ignored
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._spill: SpillFile | None = None  # events past queue_limit, oldest first
        self._spilled_now = 0  # events spilled since the queue last caught up

    def start(self) -> None:
        self._started = True
        for ref in list(self._lanes):  # events queued before the start
            self._next(ref)

    async def stop(self) -> None:
        self._started = False
        self._generation += 1
        self._in_flight = 0
        self._waiting.clear()
        tasks = list(self._lane_tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._spill is not None and not self._spill.count:
            self._spill.close()
            self._spill = None

    def put(self, event: CloudEvent) -> None:
        spill = self._spill
        if (spill is not None and spill.count) or self._pending >= self._policy.queue_limit:
            # to disk, behind every event already there: a path's events stay in order
            if spill is None:
                spill = self._spill = SpillFile(self.spec.name)
            if not self._spilled_now:  # one line per overload, not one per event
                log.warning(msg.LOG_QUEUE_FULL.format(name=self.spec.name,
                                                      limit=self._policy.queue_limit,
                                                      ref=event.ref))
            spill.append(event)
            self._spilled_now += 1
            self._stats.spilled += 1
            self._idle.clear()
            return
        self._enqueue(event)

    def _enqueue(self, event: CloudEvent) -> None:
        self._pending += 1
        self._idle.clear()
        lane = self._lanes.get(event.ref)
        if lane is not None:
            lane.append(event)  # its head is being delivered; the rest follow in order
            return
        self._lanes[event.ref] = deque((event,))
        if self._started:
            self._next(event.ref)

    @property
    def pending(self) -> int:
        """Events not yet delivered nor given up on, in memory or on disk."""
        return self._pending + (self._spill.count if self._spill is not None else 0)

    def _refill(self) -> None:
        """Bring the oldest events on disk back into memory, up to the limit."""
        spill = self._spill
        assert spill is not None
        for event in spill.take(max(1, self._policy.queue_limit - self._pending)):
            self._enqueue(event)
        if not spill.count:
            log.warning(msg.LOG_QUEUE_RECOVERED.format(name=self.spec.name,
                                                       count=self._spilled_now,
                                                       total=self._stats.spilled))
            self._spilled_now = 0

    async def join(self) -> None:
        await self._idle.wait()

    def _next(self, ref: str) -> None:
        """Deliver the head of the lane ``ref`` when a slot is free (else it waits its turn)."""
        if self._in_flight >= self._policy.concurrency or self._waiting:
            self._waiting.append(ref)
            return
        self._begin(ref)

    def _begin(self, ref: str) -> None:
        self._in_flight += 1
        event = self._lanes[ref][0]
        send = self._send
        if send is not None:
            generation = self._generation

            def on_reply(status: int, error: BaseException | None) -> None:
                if generation == self._generation:
                    self._answered(ref, event, status, error)

            if send(self.spec, event, on_reply):
                return
        self._spawn(ref, event, 1, "")

    def _answered(self, ref: str, event: CloudEvent, status: int,
                  error: BaseException | None) -> None:
        """The outcome of a first attempt made with ``send``."""
        if error is None and status < 500:
            self._settle(event, status)
            self._finished(ref)
            return
        self._spawn(ref, event, 2, _detail(error) if error is not None else f"HTTP {status}")

    def _spawn(self, ref: str, event: CloudEvent, attempt: int, detail: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run(ref, event, attempt, detail))
        self._lane_tasks.add(task)
        task.add_done_callback(self._lane_tasks.discard)

    async def _run(self, ref: str, event: CloudEvent, attempt: int, detail: str) -> None:
        await self._deliver(event, attempt, detail)
        self._finished(ref)

    def _finished(self, ref: str) -> None:
        """The head of lane ``ref`` is delivered or dropped: its next event, or the next lane."""
        self._in_flight -= 1
        lane = self._lanes[ref]
        lane.popleft()
        self._pending -= 1
        if lane:
            self._next(ref)
        else:
            del self._lanes[ref]
        spill = self._spill
        if spill is not None and spill.count and self._pending <= self._policy.queue_limit // 2:
            self._refill()
        while self._waiting and self._in_flight < self._policy.concurrency:
            self._begin(self._waiting.popleft())
        if self._pending == 0 and (spill is None or not spill.count):
            self._idle.set()

    def _settle(self, event: CloudEvent, status: int) -> bool:
        """Count a delivery answered ``status`` < 500: True if delivered, False if refused."""
        if status < 300:
            self._stats.delivered += 1
            return True
        self._stats.dropped += 1
        log.error(msg.LOG_REFUSED.format(name=self.spec.name, event_id=event.id, ref=event.ref,
                                         status=status))
        return False

    async def _deliver(self, event: CloudEvent, attempt: int = 1, detail: str = "") -> None:
        """Attempts ``attempt``.. of ``event``; ``attempt`` > 1: the previous one failed with
        ``detail`` (a first attempt made with ``send``), so its retry is logged and waited."""
        policy, name = self._policy, self.spec.name
        delay = policy.first_delay
        failed = attempt > 1
        while True:
            if failed:
                if attempt - 1 >= policy.max_attempts:
                    break
                self._stats.retried += 1
                log.warning(msg.LOG_RETRY.format(name=name, ref=event.ref, attempt=attempt - 1,
                                                 max_attempts=policy.max_attempts,
                                                 detail=detail, delay=delay))
                await asyncio.sleep(delay)
                delay = min(delay * 2, policy.max_delay)
            try:
                async with asyncio.timeout(policy.timeout):  # no extra task, unlike wait_for
                    status = await self._post(self.spec, event)
            except Exception as e:  # connection errors, timeouts, the worker unavailable
                detail = _detail(e)
            else:
                if status < 500:
                    self._settle(event, status)
                    return
                detail = f"HTTP {status}"
            failed = True
            attempt += 1
        self._stats.dropped += 1
        log.error(msg.LOG_DROPPED.format(name=name, event_id=event.id, ref=event.ref,
                                         attempts=policy.max_attempts, detail=detail))


class TriggerDispatcher:
    """Subscribed to the database's commits; fans events out to per-function queues."""

    def __init__(self, triggers: list[FunctionSpec], database_host: str,
                 post: Post, policy: DeliveryPolicy | None = None,
                 send: Send | None = None, instance: str = "") -> None:
        self.policy = policy or DeliveryPolicy()
        self.instance = instance  # the project's database instance, what "*" binds to
        self.stats = Stats()
        self.database_host = database_host
        self._post = post
        self._send = send
        # Commits wait here; one callback per event-loop turn diffs all of them (no task).
        self._commits: deque[Any] = deque()
        self._diffed = asyncio.Event()  # set when no commit waits
        self._diffed.set()
        self._scheduled: asyncio.Handle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None  # set while started
        self._queues: dict[str, FunctionQueue] = {}
        self.set_triggers(triggers)

    def set_triggers(self, triggers: list[FunctionSpec]) -> None:
        """(Re)declare the triggers; queues of functions that remain keep their events."""
        old = self._queues
        self._queues = {}
        for spec in triggers:
            queue = old.pop(spec.name, None)
            if queue is None:
                queue = FunctionQueue(spec, self._post, self.policy, self.stats, self._send)
                if self._loop is not None:
                    queue.start()
            queue.spec = spec
            self._queues[spec.name] = queue
        for queue in old.values():
            asyncio.get_running_loop().create_task(queue.stop())

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        if self._commits and self._scheduled is None:
            self._scheduled = self._loop.call_soon(self._run)
        for queue in self._queues.values():
            queue.start()

    async def stop(self) -> None:
        self._loop = None
        if self._scheduled is not None:
            self._scheduled.cancel()
            self._scheduled = None
        for queue in self._queues.values():
            await queue.stop()

    def on_commit(self, commit: Any, batch: bool = False) -> None:
        """The database's commit listener: O(1), never blocks, never raises into the database."""
        if not self._queues or getattr(commit, "disable_triggers", False):
            return  # ?disableTriggers=true: as the official emulator, no trigger for it
        if len(self._commits) >= self.policy.commit_limit:
            if self._scheduled is not None:
                self._scheduled.cancel()
            self._run()  # diff the waiting commits now: their events go to the queues
        self._commits.append(commit)
        self._diffed.clear()
        if self._scheduled is None and self._loop is not None:
            self._scheduled = self._loop.call_soon(self._run)

    async def drain(self) -> None:
        """Until every commit queued so far is diffed and every event delivered or dropped."""
        await self._diffed.wait()
        for queue in list(self._queues.values()):
            await queue.join()

    def _run(self) -> None:
        """Diff every waiting commit (the commits of this event-loop turn), in order."""
        self._scheduled = None
        commits = self._commits
        while commits:
            commit = commits.popleft()
            try:
                self._fan_out(commit)
            except Exception:  # a bug here must not stop later commits from triggering
                log.exception("Could not compute trigger events for commit %s", commit.seq)
        self._diffed.set()

    def _fan_out(self, commit: Any) -> None:
        for queue in self._queues.values():
            trigger = queue.spec.database
            if trigger is None or not trigger.matches_instance(commit.namespace, self.instance):
                continue
            for path, before, after in changed_nodes(trigger, commit.writes, commit.old_root,
                                                     commit.new_root):
                if fires(trigger, before, after):
                    queue.put(build_event(trigger, commit.namespace, path, before, after,
                                          commit.timestamp_ms, self.database_host))
