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

Both queues are bounded (``commit_limit`` commits waiting to be diffed, ``queue_limit`` events
waiting per function): the database never waits for functions, so an overload that outlasts
the bounds loses events rather than memory. Never silently: the first event refused is
logged with the function and path, ``stats.overflowed`` (and ``stats.dropped``) count every
one, and when there is room again one line says how many were lost in that overflow. The
queue itself keeps draining, so the backlog catches up as soon as the function keeps up.
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
from .triggers import CloudEvent, build_event, changed_nodes, fires

log = logging.getLogger("messenger_emulators.functions")


@dataclass
class DeliveryPolicy:
    max_attempts: int = 6
    first_delay: float = 0.25  # seconds; doubles each retry
    max_delay: float = 10.0
    timeout: float = 60.0  # per attempt (Cloud Functions' default timeout)
    queue_limit: int = 10_000  # events waiting per function
    concurrency: int = 1024  # deliveries in flight per function (each on its own path)
    commit_limit: int = 10_000  # commits waiting to be diffed


@dataclass
class Stats:
    delivered: int = 0
    retried: int = 0
    dropped: int = 0  # every event given up on, whatever the reason
    overflowed: int = 0  # of which refused because a bounded queue was full


class FunctionQueue:
    def __init__(self, spec: FunctionSpec, post: Callable[[FunctionSpec, CloudEvent],
                                                          Awaitable[int]],
                 policy: DeliveryPolicy, stats: Stats) -> None:
        self.spec = spec
        self._post = post
        self._policy = policy
        self._stats = stats
        self._lanes: dict[str, deque[CloudEvent]] = {}  # ref -> events in commit order
        self._lane_tasks: set[asyncio.Task] = set()
        self._slots = asyncio.Semaphore(policy.concurrency)
        self._pending = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._started = False
        self._overflowing = False
        self._overflow_dropped = 0

    def start(self) -> None:
        self._started = True
        for ref in self._lanes:  # events queued before the start
            self._spawn(ref)

    async def stop(self) -> None:
        self._started = False
        tasks = list(self._lane_tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def put(self, event: CloudEvent) -> None:
        if self._pending >= self._policy.queue_limit:
            self._stats.dropped += 1
            self._stats.overflowed += 1
            self._overflow_dropped += 1
            if not self._overflowing:  # one line per overflow, not one per dropped event
                self._overflowing = True
                log.error(msg.LOG_QUEUE_FULL.format(name=self.spec.name,
                                                    limit=self._policy.queue_limit,
                                                    ref=event.ref))
            return
        if self._overflowing:  # room again: say how much was lost, once
            self._overflowing = False
            log.error(msg.LOG_QUEUE_RECOVERED.format(name=self.spec.name,
                                                     count=self._overflow_dropped,
                                                     total=self._stats.overflowed))
            self._overflow_dropped = 0
        self._pending += 1
        self._idle.clear()
        lane = self._lanes.get(event.ref)
        if lane is not None:
            lane.append(event)  # its lane task is running and will reach it in order
            return
        self._lanes[event.ref] = deque([event])
        if self._started:
            self._spawn(event.ref)

    def _spawn(self, ref: str) -> None:
        task = asyncio.get_running_loop().create_task(self._run_lane(ref))
        self._lane_tasks.add(task)
        task.add_done_callback(self._lane_tasks.discard)

    @property
    def pending(self) -> int:
        return self._pending

    async def join(self) -> None:
        await self._idle.wait()

    async def _run_lane(self, ref: str) -> None:
        lane = self._lanes[ref]
        while lane:
            async with self._slots:
                await self._deliver(lane[0])
            lane.popleft()
            self._pending -= 1
        # No await since the last check: nothing can have been appended to this lane.
        del self._lanes[ref]
        if self._pending == 0:
            self._idle.set()

    async def _deliver(self, event: CloudEvent) -> None:
        policy, name = self._policy, self.spec.name
        delay = policy.first_delay
        detail = ""
        for attempt in range(1, policy.max_attempts + 1):
            try:
                async with asyncio.timeout(policy.timeout):  # no extra task, unlike wait_for
                    status = await self._post(self.spec, event)
            except (aiohttp.ClientError, OSError, TimeoutError, ConnectionError) as e:
                detail = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            except Exception as e:  # the worker is unavailable (load failure) and the like
                detail = str(e)
            else:
                if status < 300:
                    self._stats.delivered += 1
                    return
                if status < 500:
                    self._stats.dropped += 1
                    log.error(msg.LOG_REFUSED.format(name=name, event_id=event.id,
                                                     ref=event.ref, status=status))
                    return
                detail = f"HTTP {status}"
            if attempt == policy.max_attempts:
                break
            self._stats.retried += 1
            log.warning(msg.LOG_RETRY.format(name=name, ref=event.ref, attempt=attempt,
                                             max_attempts=policy.max_attempts, detail=detail,
                                             delay=delay))
            await asyncio.sleep(delay)
            delay = min(delay * 2, policy.max_delay)
        self._stats.dropped += 1
        log.error(msg.LOG_DROPPED.format(name=name, event_id=event.id, ref=event.ref,
                                         attempts=policy.max_attempts, detail=detail))


class TriggerDispatcher:
    """Subscribed to the database's commits; fans events out to per-function queues."""

    def __init__(self, triggers: list[FunctionSpec], database_host: str,
                 post: Callable[[FunctionSpec, CloudEvent], Awaitable[int]],
                 policy: DeliveryPolicy | None = None) -> None:
        self.policy = policy or DeliveryPolicy()
        self.stats = Stats()
        self.database_host = database_host
        self._post = post
        self._commits: asyncio.Queue[Any] = asyncio.Queue()
        self._queues: dict[str, FunctionQueue] = {}
        self._task: asyncio.Task | None = None
        self._commits_overflowing = 0  # commits dropped in the current overflow
        self.set_triggers(triggers)

    def set_triggers(self, triggers: list[FunctionSpec]) -> None:
        """(Re)declare the triggers; queues of functions that remain keep their events."""
        old = self._queues
        self._queues = {}
        for spec in triggers:
            queue = old.pop(spec.name, None)
            if queue is None:
                queue = FunctionQueue(spec, self._post, self.policy, self.stats)
                if self._task is not None:
                    queue.start()
            queue.spec = spec
            self._queues[spec.name] = queue
        for queue in old.values():
            asyncio.get_running_loop().create_task(queue.stop())

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())
        for queue in self._queues.values():
            queue.start()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for queue in self._queues.values():
            await queue.stop()

    def on_commit(self, commit: Any) -> None:
        """The database's commit listener: O(1), never blocks, never raises into the database."""
        if not self._queues:
            return
        if self._commits.qsize() >= self.policy.commit_limit:
            self.stats.dropped += 1
            self.stats.overflowed += 1
            if not self._commits_overflowing:  # one line per overflow
                log.error(msg.LOG_COMMITS_FULL.format(limit=self.policy.commit_limit,
                                                      seq=commit.seq, ns=commit.namespace))
            self._commits_overflowing += 1
            return
        if self._commits_overflowing:
            log.error(msg.LOG_COMMITS_RECOVERED.format(count=self._commits_overflowing,
                                                       seq=commit.seq, ns=commit.namespace))
            self._commits_overflowing = 0
        self._commits.put_nowait(commit)

    async def drain(self) -> None:
        """Until every commit queued so far is diffed and every event delivered or dropped."""
        await self._commits.join()
        for queue in list(self._queues.values()):
            await queue.join()

    async def _run(self) -> None:
        while True:
            commit = await self._commits.get()
            try:
                self._fan_out(commit)
            except Exception:  # a bug here must not stop later commits from triggering
                log.exception("Could not compute trigger events for commit %s", commit.seq)
            finally:
                self._commits.task_done()

    def _fan_out(self, commit: Any) -> None:
        for queue in self._queues.values():
            trigger = queue.spec.database
            if trigger is None or not trigger.matches_instance(commit.namespace):
                continue
            for path, before, after in changed_nodes(trigger, commit.writes, commit.old_root,
                                                     commit.new_root):
                if fires(trigger, before, after):
                    queue.put(build_event(trigger, commit.namespace, path, before, after,
                                          commit.timestamp_ms, self.database_host))
