"""The durable journal behind `--data DIR`: an append-only log with group commit.

Layout of DIR:
    LOCK                  flock'ed while a suite uses the folder (holds its pid)
    FOLD.LOCK             flock'ed while logs are folded into the snapshot, or replayed
    snapshot.json         the state after every log numbered below its "next_log"
    log-000007.jrnl ...   records appended since (see records.py for the framing)
    auth/                 the Auth emulator's own state (not ours)

Write path: `append()` / `append_then()` frame the record on the event loop and queue it. An
idle journal writes it at once into the log (pwrite: the page cache, microseconds) and has it
fdatasync'ed; while that sync runs, later records queue up, and when it completes, everything
queued goes out as the next batch (at most every MIN_SYNC_INTERVAL_S), then the waiters of the
batch are told. So 50 concurrent writers cost a handful of fsyncs.

The fdatasync runs in a helper process (syncer.py), so the event loop serves requests while
the disk works. (Syncing on the loop itself blocked it for ~1/3 of its time at 500 messages/s;
a thread cannot report back without taking the GIL from the busy loop, which cost more than
the sync.) If the helper is gone, the journal syncs on its I/O thread instead; a batch that
has to grow the preallocated file always goes to that thread (it writes megabytes of zeros).

The journal keeps no copy of the tree (the database has it). Compaction, when the logs pass
`compact_bytes`, starts a new log between two batches and folds the older ones into the
snapshot in a separate process (replay.py), so parsing the log never competes with the event
loop. `close()` folds everything into the snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from . import records
from .errors import (
    MSG_CLOSED,
    MSG_DATA_DIR,
    MSG_LOCKED,
    MSG_WRITE_FAILED,
    DataDirLocked,
    JournalFailed,
    PersistenceError,
)
from .export import read_export
from .replay import compact, fold_lock, log_name, replay
from .snapshot import fsync_dir, write_snapshot
from .syncer import Syncer, SyncerGone

log = logging.getLogger(__name__)

Durable = Callable[[BaseException | None], None]  # told once a record is on disk (or not)

DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024
PREALLOCATE_BYTES = 2 * 1024 * 1024
# The log grows by PREALLOCATE_BYTES in the background once less than this is left: growing it
# when a batch no longer fits held that batch and every write behind it while 2 MB of zeros
# were written and synced, a stall every 2 MB of log (1.2-2.3 ms on this machine's disk, more
# on a slow one; bench.unread_pileup writes ~2.4 MB a second).
GROW_AHEAD_BYTES = PREALLOCATE_BYTES // 2
# The compaction child's nice value: folding the logs into a snapshot is housekeeping that may
# wait, and at the process's own priority it took a whole core for seconds (its replay of
# 64 MB of logs) from the database and the functions worker (nice +10), whose unread-id
# trigger then fell 2 s behind a closed loop of senders and never caught up (bench.
# unread_pileup --messages 60000). Until it finishes the logs stay (the next one waits).
COMPACTION_NICE = 19
MIN_SYNC_INTERVAL_S = 0.001  # between the starts of two batches (see _batch_when_due)


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


class Journal:
    """Persistence (docs/CONTRACTS.md) on a data folder. Use: load(), append()..., close()."""

    def __init__(
        self,
        data_dir: Path | str,
        compact_bytes: int = DEFAULT_COMPACT_BYTES,
        import_dir: Path | str | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.import_dir = import_dir
        self.compact_bytes = compact_bytes
        self.namespaces: set[str] = set()  # every namespace with data (for export-on-exit)
        self._gen = 0  # number of the log being appended to
        self._fd: int | None = None
        self._offset = 0  # where the next record goes in the current log
        self._allocated = 0  # bytes preallocated (zeros) in the current log
        self._lock_fd: int | None = None
        self._log_bytes = 0  # bytes in logs not yet folded into the snapshot
        self._queue: list[tuple[bytes, Durable]] = []
        self._busy = False  # a batch is being written, or is about to be
        self._last_batch_at = float("-inf")  # loop time the last batch started
        self._idle: asyncio.Future[None] | None = None  # close() waits on it
        self._compaction: asyncio.Task[None] | None = None
        self._io = ThreadPoolExecutor(1, thread_name_prefix="journal-io")
        self._growing: Future[None] | None = None  # a background growth on the I/O thread
        self._failed: JournalFailed | None = None
        self._closed = False
        self.stats = {"appends": 0, "fsyncs": 0, "compactions": 0, "torn_bytes_dropped": 0,
                      "syncer_fsyncs": 0}
        self._syncer: Syncer | None = None

    # ---- start -------------------------------------------------------------------------
    def load(self) -> dict[str, object]:
        """Lock the folder, replay snapshot + logs, open a fresh log for appends, and apply
        --import (each imported namespace replaces the journal's, durably, before serving)."""
        # Read the import first: a bad import fails before anything is touched.
        imported = read_export(self.import_dir) if self.import_dir is not None else {}
        try:
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self._lock()
            with fold_lock(self.data_dir):
                state = replay(self.data_dir)
            self._open_log(state.last_log + 1)
            self._start_syncer()
            if imported:
                self._write(b"".join(records.encode(ns, [((), root)])
                                     for ns, root in imported.items()))
        except BaseException as exc:
            self._release()  # the folder is free again for whoever fixes the problem
            if isinstance(exc, OSError):
                detail = exc.strerror or str(exc)
                raise PersistenceError(MSG_DATA_DIR.format(path=self.data_dir, detail=detail)) \
                    from None
            raise
        self.stats["torn_bytes_dropped"] = state.torn_bytes
        self._log_bytes = state.log_bytes
        roots = state.roots
        roots.update(imported)
        self.namespaces = set(roots)
        return roots

    def _start_syncer(self) -> None:
        try:
            self._syncer = Syncer()
        except OSError as exc:  # no helper process: the I/O thread syncs (slower, as safe)
            log.warning("journal: no sync helper (%s); syncing on a thread", exc)
            return
        self._hand_log_to_syncer()

    def _hand_log_to_syncer(self) -> None:
        if self._syncer is not None and self._fd is not None:
            self._syncer.use(self._fd)

    def _lock(self) -> None:
        path = self.data_dir / "LOCK"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise DataDirLocked(MSG_LOCKED.format(path=self.data_dir, pid=pid)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _open_log(self, gen: int) -> None:
        """Start log `gen`, preallocated with zeros (on the I/O thread once appends began).

        Batches then overwrite blocks that already exist, so each fdatasync flushes data only,
        not the file's new size: no filesystem-journal commit per batch (which is shared with
        every other process writing to the disk). The zeros after the last record read as the
        clean end of the log (records.py)."""
        path = self.data_dir / log_name(gen)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        _write_all(fd, records.MAGIC, 0)
        self._allocated = self._extend(fd, len(records.MAGIC), PREALLOCATE_BYTES)
        os.fsync(fd)
        fsync_dir(self.data_dir)
        old, self._fd, self._gen, self._offset = self._fd, fd, gen, len(records.MAGIC)
        if old is not None:
            os.close(old)

    @staticmethod
    def _extend(fd: int, start: int, size: int) -> int:
        """Write zeros from `start` up to `start + size`; returns the new allocated end."""
        zeros = bytes(min(size, 1024 * 1024))
        end, position = start + size, start
        while position < end:
            chunk = zeros[: end - position]
            _write_all(fd, chunk, position)
            position += len(chunk)
        return end

    # ---- the Persistence protocol ------------------------------------------------------
    async def append(self, namespace: str, writes: records.Writes) -> None:
        """Returns once the writes are on disk (fdatasync'ed)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def durable(error: BaseException | None) -> None:
            if done.done():          # a cancelled caller: the record is written anyway
                return
            if error is None:
                done.set_result(None)
            else:
                done.set_exception(error)

        self.append_then(namespace, writes, durable)
        await done

    def append_then(self, namespace: str, writes: records.Writes, durable: Durable) -> None:
        """Queue the writes; `durable(None)` once they are on disk, `durable(error)` if they
        cannot be. Called on the event loop, in append order, possibly before this returns.
        (The database calls this rather than `append`: a callback completes its write in
        the loop iteration that learns of the sync, where a future would take one more.)"""
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise JournalFailed(MSG_CLOSED)
        self._queue.append((records.encode(namespace, writes), durable))
        self.namespaces.add(namespace)
        if not self._busy:
            # Idle: this record goes to disk right away, alone (unless a sync started less
            # than MIN_SYNC_INTERVAL_S ago). While its sync runs, later appends queue up and
            # share the next one (group commit).
            self._busy = True
            self._batch_when_due()

    async def close(self) -> None:
        """Flush what is queued, fold everything into the snapshot, release the folder."""
        if self._closed:
            return
        self._closed = True
        if self._busy:
            self._idle = asyncio.get_running_loop().create_future()
            await self._idle
        if self._compaction is not None:
            await self._compaction
        try:
            if self._failed is None and self._fd is not None:
                await asyncio.get_running_loop().run_in_executor(self._io, self._final_compact)
        finally:
            self._release()

    def export(self, roots: dict[str, object]) -> None:
        """Snapshot `roots` as the state after everything appended so far (call it only when
        no append is waiting). Optional: close() compacts on its own."""
        if self._queue or self._fd is None:
            return
        self._wait_for_growth()
        self._open_log(self._gen + 1)
        self._hand_log_to_syncer()
        write_snapshot(self.data_dir, {ns: r for ns, r in roots.items() if r is not None},
                       self._gen)
        self._log_bytes = 0

    # ---- internals ---------------------------------------------------------------------
    # One batch at a time, driven by callbacks rather than a task: the helper's answer
    # completes the batch's appends in the same loop iteration (a task would add one more
    # iteration, i.e. one more turn of a busy loop, to every acknowledged write).
    def _batch_when_due(self) -> None:
        """The next batch now, or once MIN_SYNC_INTERVAL_S has passed since the last one
        started: a fast disk would otherwise sync thousands of tiny batches a second under
        load, each costing the helper ~0.1 ms of CPU and two process wake-ups (under a write
        benchmark it took ~35% of a core); a short wait makes the batches bigger."""
        if not self._queue:
            self._set_idle()
            return
        loop = asyncio.get_running_loop()
        due = self._last_batch_at + MIN_SYNC_INTERVAL_S - loop.time()
        if due > 0:
            loop.call_later(due, self._next_batch)
        else:
            self._next_batch()

    def _next_batch(self) -> None:
        if not self._queue or self._failed is not None:
            self._set_idle()
            return
        batch, self._queue = self._queue, []
        data = b"".join(frame for frame, _ in batch)
        self._last_batch_at = asyncio.get_running_loop().time()
        syncer = self._syncer
        if syncer is None or self._needs_growth(data):
            asyncio.ensure_future(self._batch_in_thread(batch, data))
            return
        try:
            self._put(data)
        except OSError as exc:
            self._batch_done(batch, data, exc)
            return
        syncer.sync(asyncio.get_running_loop(),
                    lambda error: self._synced(batch, data, error))
        if self._allocated - self._offset < GROW_AHEAD_BYTES and self._growing is None:
            self._growing = self._io.submit(self._grow_ahead)
            self._growing.add_done_callback(self._grown)

    def _grow_ahead(self) -> None:
        """On the I/O thread (after anything queued there before, such as a rotation: the
        descriptor and the end are read here, not when it was asked for): zeros after the
        allocated end, synced, so batches keep overwriting blocks that already exist. The loop
        writes only below `_allocated` meanwhile, which moves on only once they are synced."""
        fd, start = self._fd, self._allocated
        if fd is None:
            return
        end = self._extend(fd, start, PREALLOCATE_BYTES)
        os.fdatasync(fd)
        if self._fd == fd and self._allocated == start:
            self._allocated = end

    def _grown(self, future: Future[None]) -> None:
        self._growing = None  # a failed growth is retried in line, when a batch needs it
        if not future.cancelled() and future.exception() is not None:
            log.warning("journal: growing the log ahead failed: %r", future.exception())

    def _synced(self, batch: list[tuple[bytes, Durable]], data: bytes,
                error: BaseException | None) -> None:
        if error is None:
            self.stats["syncer_fsyncs"] += 1
        self._batch_done(batch, data, error)

    async def _batch_in_thread(self, batch: list[tuple[bytes, Durable]],
                               data: bytes, written: bool = False) -> None:
        """A batch the I/O thread writes (growing the file) or only syncs (`written`)."""
        assert self._fd is not None
        work = self._sync if written else (lambda: self._write(data))
        try:
            await asyncio.get_running_loop().run_in_executor(self._io, work)
        except OSError as exc:
            self._batch_done(batch, data, exc)
        else:
            self._batch_done(batch, data, None)

    def _batch_done(self, batch: list[tuple[bytes, Durable]], data: bytes,
                    error: BaseException | None) -> None:
        if isinstance(error, SyncerGone):
            # the batch is in the page cache: our own descriptor's fdatasync covers it
            log.warning("journal: the sync helper is gone; syncing on a thread from now on")
            if self._syncer is not None:
                self._syncer.close()
                self._syncer = None
            asyncio.ensure_future(self._batch_in_thread(batch, data, written=True))
            return
        if error is not None:
            self._fail(error if isinstance(error, OSError) else OSError(str(error)), batch)
            self._set_idle()
            return
        self.stats["appends"] += len(batch)
        self.stats["fsyncs"] += 1
        for _, durable in batch:
            durable(None)
        self._log_bytes += len(data)
        if self._log_bytes >= self.compact_bytes and self._compaction is None:
            asyncio.ensure_future(self._rotate())
        else:
            self._batch_when_due()

    async def _rotate(self) -> None:
        """Between two batches: every log below the new one is complete on disk."""
        try:
            await asyncio.get_running_loop().run_in_executor(
                self._io, self._open_log, self._gen + 1)
        except OSError as exc:
            self._fail(exc, [])
            self._set_idle()
            return
        self._hand_log_to_syncer()
        self._log_bytes = 0
        self._compaction = asyncio.ensure_future(self._compact_in_child(self._gen))
        self._next_batch()

    def _set_idle(self) -> None:
        self._busy = False
        idle, self._idle = self._idle, None
        if idle is not None and not idle.done():
            idle.set_result(None)

    def _fail(self, exc: OSError, batch: list[tuple[bytes, Durable]]) -> None:
        self._failed = JournalFailed(MSG_WRITE_FAILED.format(path=self.data_dir, detail=exc))
        log.error("%s", self._failed)
        waiting, self._queue = batch + self._queue, []
        for _, durable in waiting:
            durable(self._failed)

    def _needs_growth(self, data: bytes) -> bool:
        return self._offset + len(data) > self._allocated

    def _write(self, data: bytes) -> None:
        self._put(data)
        self._sync()

    def _sync(self) -> None:
        assert self._fd is not None
        os.fdatasync(self._fd)

    def _put(self, data: bytes) -> None:
        """pwrite `data` after the last record, growing the preallocated file if needed."""
        assert self._fd is not None
        if self._needs_growth(data):
            # Grown a chunk at a time: one size change (and its metadata flush) per chunk.
            grow = max(PREALLOCATE_BYTES, self._offset + len(data) - self._allocated)
            self._allocated = self._extend(self._fd, self._allocated, grow)
        _write_all(self._fd, data, self._offset)
        self._offset += len(data)

    async def _compact_in_child(self, next_log: int) -> None:
        try:
            child = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "messenger_emulators.persistence.replay",
                str(self.data_dir), str(next_log),
                stdin=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )
            _lower_priority(child.pid)
            _, err = await child.communicate()
            if child.returncode == 0:
                self.stats["compactions"] += 1
            else:
                # Every log is still there, so nothing is lost; the next threshold retries.
                log.error("journal: compaction failed: %s", err.decode(errors="replace")[-500:])
        finally:
            self._compaction = None

    def _final_compact(self) -> None:
        assert self._fd is not None
        os.close(self._fd)
        self._fd = None
        compact(self.data_dir, self._gen + 1)
        self.stats["compactions"] += 1

    def _wait_for_growth(self) -> None:
        """Before the loop itself replaces or closes the log: no growth may still write to
        its descriptor (the number could be reused by then)."""
        growing = self._growing
        if growing is not None:
            with contextlib.suppress(Exception):
                growing.result()

    def _release(self) -> None:
        self._wait_for_growth()
        if self._syncer is not None:
            self._syncer.close()
            self._syncer = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None
        self._io.shutdown(wait=False)


def _lower_priority(pid: int) -> None:
    """Run the compaction child below everything that serves (COMPACTION_NICE)."""
    if not hasattr(os, "setpriority"):  # Windows: it runs at the suite's priority
        return
    try:
        os.setpriority(os.PRIO_PROCESS, pid, COMPACTION_NICE)
    except OSError:  # already gone, or not allowed: it still runs, only sooner
        pass
