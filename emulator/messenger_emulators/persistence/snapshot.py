"""Snapshots: the whole state at a log boundary, written atomically (tmp + fsync + rename)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import MSG_CORRUPT_SNAPSHOT, JournalCorrupt

SNAPSHOT_NAME = "snapshot.json"
FORMAT = 1


def fsync_dir(path: Path) -> None:
    # A rename or a new file is durable only once its directory entry is.
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def write_snapshot(data_dir: Path, roots: dict[str, object], next_log: int) -> None:
    """Record `roots` as the state after every log numbered below `next_log`."""
    body = json.dumps(
        {"format": FORMAT, "next_log": next_log, "roots": roots},
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")
    write_atomic(data_dir / SNAPSHOT_NAME, body)


def read_snapshot(data_dir: Path) -> tuple[dict[str, object], int]:
    """(roots, next_log); an absent snapshot is the empty state before log 1."""
    path = data_dir / SNAPSHOT_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, 1
    try:
        doc = json.loads(raw)
        roots, next_log = doc["roots"], int(doc["next_log"])
        if not isinstance(roots, dict) or doc.get("format") != FORMAT:
            raise ValueError("unknown format")
    except (ValueError, KeyError, TypeError) as exc:
        # Written by rename, a snapshot is never torn: damage here is real, so refuse.
        raise JournalCorrupt(MSG_CORRUPT_SNAPSHOT.format(path=path, detail=exc)) from exc
    return {ns: root for ns, root in roots.items() if root is not None}, next_log
