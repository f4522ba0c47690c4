"""Rebuild the state from a data folder (snapshot + logs), and fold it into a new snapshot.

Used by Journal.load() at start and by compaction, which runs as its own process
(`python -m messenger_emulators.persistence.replay DIR NEXT_LOG`) so that parsing tens of
megabytes of log uses the other core instead of the event loop's GIL.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import records
from .errors import MSG_CORRUPT_LOG, JournalCorrupt
from .snapshot import read_snapshot, write_snapshot
from .tree import apply_in_place

log = logging.getLogger(__name__)

LOG_PATTERN = re.compile(r"^log-(\d{6,})\.jrnl$")
FOLD_LOCK = "FOLD.LOCK"


@contextmanager
def fold_lock(data_dir: Path) -> Iterator[None]:
    """Held while logs are folded into the snapshot and while a journal replays. A compaction
    child orphaned by a kill -9 of the suite may still be deleting logs when the suite is
    restarted: the new suite waits for it instead of reading half of its work."""
    fd = os.open(Path(data_dir) / FOLD_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def log_name(gen: int) -> str:
    return f"log-{gen:06d}.jrnl"


def list_logs(data_dir: Path) -> list[tuple[int, Path]]:
    found = []
    for entry in Path(data_dir).iterdir():
        match = LOG_PATTERN.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


@dataclass
class Replayed:
    roots: dict[str, object]
    last_log: int  # the highest log number replayed (or implied by the snapshot)
    log_bytes: int = 0  # valid bytes in the replayed logs
    torn_bytes: int = 0  # bytes of an interrupted write dropped from the last log
    namespaces: set[str] = field(default_factory=set)


def replay(data_dir: Path, below: int | None = None, repair: bool = True) -> Replayed:
    """The state of snapshot + every log (numbered below `below`, if given).

    A torn tail in the last log is an interrupted, never-acknowledged write: it is dropped
    (and, with `repair`, cut off the file). Damage anywhere else is refused.
    """
    roots, next_log = read_snapshot(data_dir)
    logs = [(gen, path) for gen, path in list_logs(data_dir)
            if gen >= next_log and (below is None or gen < below)]
    result = Replayed(roots, next_log - 1, namespaces=set(roots))
    for index, (gen, path) in enumerate(logs):
        data = path.read_bytes()
        scanned = records.scan(data)
        if scanned.torn:
            if index != len(logs) - 1 or below is not None:
                raise JournalCorrupt(MSG_CORRUPT_LOG.format(path=path, offset=scanned.good_bytes))
            result.torn_bytes = len(data) - scanned.good_bytes
            log.warning("journal: dropping %d bytes of an interrupted write in %s",
                        result.torn_bytes, path.name)
            if repair:
                with open(path, "r+b") as handle:
                    handle.truncate(scanned.good_bytes)
                    os.fsync(handle.fileno())
        for namespace, writes in scanned.records:
            roots[namespace] = apply_in_place(roots.get(namespace), writes)
            result.namespaces.add(namespace)
        result.log_bytes += scanned.good_bytes
        result.last_log = gen
    result.roots = {ns: root for ns, root in roots.items() if root is not None}
    return result


def compact(data_dir: Path, next_log: int) -> None:
    """Fold the snapshot and every log below `next_log` into a new snapshot, then delete them.

    A crash at any point leaves either the old snapshot with all logs, or the new snapshot
    (whose next_log skips the folded logs) with some of them still on disk: both replay to
    the same state.
    """
    with fold_lock(data_dir):
        state = replay(data_dir, below=next_log, repair=False)
        write_snapshot(data_dir, state.roots, next_log)
        for gen, path in list_logs(data_dir):
            if gen < next_log:
                path.unlink(missing_ok=True)


if __name__ == "__main__":
    compact(Path(sys.argv[1]), int(sys.argv[2]))
