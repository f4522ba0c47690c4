"""The durable journal behind `--data DIR`: an append-only log with group commit.

Layout of DIR:
    LOCK                  flock'ed while a suite uses the folder (holds its pid)
    snapshot.json         the state after every log numbered below its "next_log"
    log-000007.jrnl ...   records appended since (see records.py for the framing)

Write path: `append()` frames the record on the event loop and queues it; one flusher task
writes everything queued at that moment with a single write + fdatasync in a dedicated I/O
thread, then wakes every waiter of that batch. While one batch is being synced the next one
accumulates, so 50 concurrent writers cost a handful of fsyncs, and the event loop never
blocks on the disk.

Compaction: when the logs since the snapshot pass `compact_bytes`, the flusher starts a new
log between two batches and a second thread writes a snapshot of the state at that exact
boundary (tmp + fsync + rename), then deletes the older logs. A crash at any point leaves
either the old snapshot + all logs, or the new snapshot + the newer logs: both replay to the
same state. `close()` compacts everything into the snapshot.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from . import records
from .errors import (
    MSG_CLOSED,
    MSG_CORRUPT_LOG,
    MSG_LOCKED,
    MSG_WRITE_FAILED,
    DataDirLocked,
    JournalCorrupt,
    JournalFailed,
)
from .export import read_export
from .snapshot import fsync_dir, read_snapshot, write_snapshot
from .tree import apply_writes

log = logging.getLogger(__name__)

LOG_PATTERN = re.compile(r"^log-(\d{6,})\.jrnl$")
DEFAULT_COMPACT_BYTES = 64 * 1024 * 1024


def log_name(gen: int) -> str:
    return f"log-{gen:06d}.jrnl"


def list_logs(data_dir: Path) -> list[tuple[int, Path]]:
    found = []
    for entry in data_dir.iterdir():
        match = LOG_PATTERN.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


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
        self._roots: dict[str, object] = {}
        self._gen = 0  # number of the log being appended to
        self._fd: int | None = None
        self._lock_fd: int | None = None
        self._log_bytes = 0  # bytes in logs not yet folded into the snapshot
        self._queue: list[tuple[str, records.Writes, bytes, asyncio.Future[None]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._compaction: asyncio.Future[None] | None = None
        self._io = ThreadPoolExecutor(1, thread_name_prefix="journal-io")
        self._compactor = ThreadPoolExecutor(1, thread_name_prefix="journal-compact")
        self._failed: JournalFailed | None = None
        self._closed = False
        self.stats = {"appends": 0, "fsyncs": 0, "compactions": 0, "torn_bytes_dropped": 0}

    # ---- start -------------------------------------------------------------------------
    def load(self) -> dict[str, object]:
        """Lock the folder, replay snapshot + logs, open a fresh log for appends, and apply
        --import (each imported namespace replaces the journal's, durably, before serving)."""
        # Read the import first: a bad import fails before anything is touched.
        imported = read_export(self.import_dir) if self.import_dir is not None else {}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        roots, next_log = read_snapshot(self.data_dir)
        logs = [(gen, path) for gen, path in list_logs(self.data_dir) if gen >= next_log]
        for index, (_gen, path) in enumerate(logs):
            data = path.read_bytes()
            result = records.scan(data)
            if result.torn:
                if index != len(logs) - 1:
                    raise JournalCorrupt(
                        MSG_CORRUPT_LOG.format(path=path, offset=result.good_bytes)
                    )
                # The interrupted last batch: none of it was acknowledged, drop it for good.
                log.warning("journal: dropping %d bytes of an interrupted write in %s",
                            len(data) - result.good_bytes, path.name)
                self.stats["torn_bytes_dropped"] += len(data) - result.good_bytes
                with open(path, "r+b") as handle:
                    handle.truncate(result.good_bytes)
                    os.fsync(handle.fileno())
            for namespace, writes in result.records:
                roots[namespace] = apply_writes(roots.get(namespace), writes)
            self._log_bytes += result.good_bytes
        self._roots = {ns: root for ns, root in roots.items() if root is not None}
        last = max([next_log - 1] + [gen for gen, _ in logs])
        self._open_log(last + 1)
        if imported:
            frames = []
            for namespace, root in imported.items():
                frames.append(records.encode(namespace, [((), root)]))
                self._roots[namespace] = root
            self._write(b"".join(frames))
        return dict(self._roots)

    def _lock(self) -> None:
        path = self.data_dir / "LOCK"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
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
        """Start log `gen` (runs on the I/O thread once appends have begun)."""
        path = self.data_dir / log_name(gen)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        if os.fstat(fd).st_size == 0:
            os.write(fd, records.MAGIC)
        os.fsync(fd)
        fsync_dir(self.data_dir)
        old, self._fd, self._gen = self._fd, fd, gen
        if old is not None:
            os.close(old)

    # ---- the Persistence protocol ------------------------------------------------------
    async def append(self, namespace: str, writes: records.Writes) -> None:
        """Returns once the writes are on disk (fdatasync'ed)."""
        # Everything up to the first await runs synchronously inside the caller's await, so
        # records enter the queue in commit order.
        if self._failed is not None:
            raise self._failed
        if self._closed:
            raise JournalFailed(MSG_CLOSED)
        frame = records.encode(namespace, writes)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append((namespace, writes, frame, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush_loop())
        await asyncio.shield(done)

    async def close(self) -> None:
        """Flush what is queued, fold everything into the snapshot, release the folder."""
        if self._closed:
            return
        self._closed = True
        if self._flusher is not None:
            await self._flusher
        if self._compaction is not None:
            await self._compaction
        loop = asyncio.get_running_loop()
        if self._failed is None and self._fd is not None:
            await loop.run_in_executor(self._io, self._final_compact)
        self._release()

    def export(self, roots: dict[str, object]) -> None:
        """Adopt the database's own view of the state (it equals ours when both are right)."""
        self._roots = {ns: root for ns, root in roots.items() if root is not None}

    def roots(self) -> dict[str, object]:
        """The state including every acknowledged write (for export-on-exit)."""
        return dict(self._roots)

    # ---- internals ---------------------------------------------------------------------
    async def _flush_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self._queue:
            batch, self._queue = self._queue, []
            # Applied here, between batches, so that at every rotation point _roots is
            # exactly the state of the logs written so far.
            for namespace, writes, _, _ in batch:
                self._roots[namespace] = apply_writes(self._roots.get(namespace), writes)
            data = b"".join(frame for _, _, frame, _ in batch)
            try:
                await loop.run_in_executor(self._io, self._write, data)
            except OSError as exc:
                message = MSG_WRITE_FAILED.format(path=self.data_dir, detail=exc)
                self._failed = JournalFailed(message)
                log.error("%s", self._failed)
                for *_, done in batch + self._queue:
                    if not done.done():
                        done.set_exception(self._failed)
                self._queue = []
                return
            self.stats["appends"] += len(batch)
            self.stats["fsyncs"] += 1
            for *_, done in batch:
                if not done.done():
                    done.set_result(None)
            self._log_bytes += len(data)
            if self._log_bytes >= self.compact_bytes and self._compaction is None:
                await self._start_compaction()

    def _write(self, data: bytes) -> None:
        assert self._fd is not None
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]
        os.fdatasync(self._fd)

    async def _start_compaction(self) -> None:
        loop = asyncio.get_running_loop()
        next_log = self._gen + 1
        await loop.run_in_executor(self._io, self._open_log, next_log)
        boundary = {ns: root for ns, root in self._roots.items() if root is not None}
        self._log_bytes = 0
        self._compaction = loop.run_in_executor(self._compactor, self._compact, boundary, next_log)
        self._compaction.add_done_callback(self._compaction_done)

    def _compaction_done(self, fut: asyncio.Future[None]) -> None:
        self._compaction = None
        if fut.exception() is not None:
            # The logs are all still there, so nothing is lost; the next threshold retries.
            log.error("journal: compaction failed: %s", fut.exception())

    def _compact(self, roots: dict[str, object], next_log: int) -> None:
        write_snapshot(self.data_dir, roots, next_log)
        for gen, path in list_logs(self.data_dir):
            if gen < next_log:
                path.unlink(missing_ok=True)
        self.stats["compactions"] += 1

    def _final_compact(self) -> None:
        assert self._fd is not None
        os.fsync(self._fd)
        os.close(self._fd)
        self._fd = None
        self._compact({ns: r for ns, r in self._roots.items() if r is not None}, self._gen + 1)

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None
        self._io.shutdown(wait=False)
        self._compactor.shutdown(wait=False)
