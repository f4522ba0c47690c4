"""Group commit of the trigger's multi-path updates: concurrent invocations share writes.

A Cloud Functions instance runs several invocations at once (2nd gen: `concurrency`, 80 by
default; the emulator's worker runs 128 threads). Each new message's trigger writes one
multi-path update of keys no other message writes (its unread id, its previews: unread.py),
so the updates of messages handled at the same time can go to the database as ONE update,
which the rules check path by path exactly as they would check each alone. The first caller
writes what is waiting; callers that come while that write is on the wire wait and go
together in the next one, which the oldest of them writes (a writer returns as soon as its own
update is written: serving others for ever, it would never return its own call). So nobody
waits for a timer: alone, a call writes at once, as before; under a pile-up the batches grow
by themselves and the cost per message falls.

A write holds at most MAX_PATHS paths (the database answers nobody else while it checks and
applies one), and when more than the writes in flight can take is waiting, another waiting
caller starts writing too, up to WRITERS at once: the trigger's throughput is then WRITERS
writes per round trip instead of one, which is what lets it keep up with a database accepting
messages as fast as it can (bench.unread_pileup: every unread id within 1 s).

Correctness is per caller, as with separate updates:
- a call returns only once its own paths are committed, and raises what its own update alone
  would raise: when a combined write fails (the rules refuse one message's keys, say), each
  of its callers' updates is written again alone, and each gets its own answer;
- two updates that touch one path, or a path and one below it (which one multi-path update
  may not hold, and whose order would matter), never share a write, nor are they on the wire
  at once in two writes: the later one waits until the earlier one's write has ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

Changes = dict[str, Any]

# Paths in one combined write at most: a database update has no size limit that matters
# here (Firebase: 256 MB a write), but the database checks a write's rules and applies it in
# one step, during which it answers nobody else: 60 paths (20 messages) take ~2 ms of its CPU,
# the 130-path writes of an unbounded batch took ~6 ms and set the senders' p99.
MAX_PATHS = 60
# Writes in flight at once at most. One writer while what waits fits in one write; one more for
# each further write's worth waiting. A single writer caps the trigger at MAX_PATHS paths per
# database round trip, and under a closed loop of senders the round trip grows with the
# database's queue: the unread ids fell seconds behind (bench.unread_pileup).
WRITERS = 6


def _parts(path: str) -> tuple[str, ...]:
    parts = path.strip("/").split("/")
    return tuple(p for p in parts if p) if "" in parts else tuple(parts)


class _Touched:
    """Paths an update (or a batch of them) writes, and every path above them: two clash when
    one writes a path the other writes or writes above or below (set operations in C: the
    check runs under the lock, for every waiting update, each time a writer takes a batch)."""

    __slots__ = ("paths", "above")

    def __init__(self) -> None:
        self.paths: set[tuple[str, ...]] = set()
        self.above: set[tuple[str, ...]] = set()

    def add(self, paths: Iterable[tuple[str, ...]]) -> None:
        for parts in paths:
            self.paths.add(parts)
            self.above.update(parts[:i] for i in range(len(parts)))

    def merge(self, other: _Touched) -> None:
        self.paths |= other.paths
        self.above |= other.above

    def clashes(self, other: _Touched) -> bool:
        return not (self.paths.isdisjoint(other.paths) and self.paths.isdisjoint(other.above)
                    and self.above.isdisjoint(other.paths))


class _Waiter:
    __slots__ = ("changes", "touched", "size", "wake", "answered", "lead", "error")

    def __init__(self, changes: Changes) -> None:
        self.changes = changes
        self.touched = _Touched()  # worked out once, outside the lock
        self.touched.add(_parts(p) for p in changes)
        self.size = len(changes)
        self.wake = threading.Event()  # answered, or made the one who writes
        self.answered = False  # written, or its error known
        self.lead = False
        self.error: BaseException | None = None


class UpdateBatcher:
    """`update(changes)` as `write(changes)` would do it, with concurrent calls combined."""

    def __init__(self, write: Callable[[Changes], None], max_paths: int = MAX_PATHS,
                 writers: int = WRITERS) -> None:
        self._write = write
        self._max_paths = max_paths
        self._writers = writers
        self._lock = threading.Lock()
        self._written = threading.Condition(self._lock)  # a write in flight ended
        self._waiting: list[_Waiter] = []
        self._waiting_paths = 0
        self._active = 0  # callers writing (at most `writers`): the others wait for them
        # what the writes in flight touch: a waiting update that clashes with one of them
        # waits for it to commit (their order would matter), as it would in one batch
        self._flying: list[_Touched] = []
        self.writes = 0  # combined writes made (tests and benchmarks)
        self.calls = 0

    def update(self, changes: Changes) -> None:
        if not changes:
            return
        waiter = _Waiter(changes)
        with self._lock:
            self.calls += 1
            self._waiting.append(waiter)
            self._waiting_paths += waiter.size
            # one writer while what waits fits in one write (the batches grow by
            # themselves); one more for each full write's worth waiting beyond that
            if self._active == 0 or (self._active < self._writers and
                                     self._waiting_paths > self._active * self._max_paths):
                self._active += 1
                waiter.lead = True
        if not waiter.lead:
            waiter.wake.wait()
        if waiter.lead:  # a writer now: from the start, or handed over to (and maybe
            self._lead(waiter)  # answered since by another writer: then it hands over)
        if waiter.error is not None:
            raise waiter.error

    def _lead(self, me: _Waiter) -> None:
        """Write batches until mine is written, then hand the writing over to the oldest
        waiting caller (a writer serving others forever would never return its own call)."""
        while True:
            with self._lock:
                batch, touched = self._take()
                while not batch and not me.answered:
                    # all that waits clashes with writes in flight (mine among them, taken
                    # by another writer): wait for one to end
                    self._written.wait()
                    batch, touched = self._take()
                if batch:
                    self._flying.append(touched)
            if batch:
                try:
                    self._commit(batch)
                finally:
                    with self._lock:
                        self._flying.remove(touched)
                        self._written.notify_all()
            if me.answered:
                with self._lock:
                    successor = next((w for w in self._waiting if not w.lead), None)
                    if successor is not None:
                        successor.lead = True
                        successor.wake.set()
                    else:
                        self._active -= 1
                return

    def _take(self) -> tuple[list[_Waiter], _Touched]:
        """The waiting updates that can share a write, oldest first (under the lock), and
        what they touch. The first that cannot go (the write is full, or it clashes with the
        batch or a write in flight) stops the batch: what follows it keeps its order too."""
        taken: list[_Waiter] = []
        touched = _Touched()
        size = 0
        waiting = self._waiting
        for index, waiter in enumerate(waiting):
            if (taken and size + waiter.size > self._max_paths) \
                    or waiter.touched.clashes(touched) \
                    or any(waiter.touched.clashes(flying) for flying in self._flying):
                self._waiting = waiting[index:]
                break
            taken.append(waiter)
            size += waiter.size
            touched.merge(waiter.touched)
        else:
            self._waiting = []
        self._waiting_paths -= size
        return taken, touched

    def _commit(self, batch: list[_Waiter]) -> None:
        combined: Changes = {}
        for waiter in batch:
            combined.update(waiter.changes)
        try:
            self._write(combined)
            self.writes += 1
        except BaseException as exc:  # noqa: BLE001 - handed to the callers
            if len(batch) == 1:
                batch[0].error = exc
            else:
                for waiter in batch:  # each alone: each gets its own answer
                    try:
                        self._write(waiter.changes)
                        self.writes += 1
                    except BaseException as own:  # noqa: BLE001 - handed to its caller
                        waiter.error = own
        finally:
            for waiter in batch:
                waiter.answered = True
                waiter.wake.set()
