"""Objects by bucket and name, in memory, and on disk under --data.

On disk (`DATA/storage/`), each object is two files named by the SHA-256 of bucket and name:
`blobs/HASH.GENERATION` (the bytes) and `meta/HASH.json` (its metadata, which holds the name
and generation). A write puts the bytes, then the metadata, each through a temporary file,
fsync and rename, before it is acknowledged; the metadata file is what makes an object (and a
generation of it) exist. So an acknowledged upload survives kill -9, and an upload cut off
midway leaves at most a blob no metadata names, which the next start removes: it never shows
as an object, and an overwrite cut off leaves the previous generation whole.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from . import errors as msg
from .metadata import ObjectMetadata

log = logging.getLogger("messenger_emulators.storage")


class StorageFolderLocked(ValueError):
    """Another suite uses the data folder (the command line prints it in one line)."""


@dataclass
class StoredObject:
    """An object: its bytes in memory (no --data), or in its blob file (--data: objects are
    read from disk when asked for, so a suite with many files does not hold them all)."""
    meta: ObjectMetadata
    memory: bytes | None = None
    blob: Path | None = None

    @property
    def data(self) -> bytes:
        if self.memory is not None:
            return self.memory
        assert self.blob is not None
        return self.blob.read_bytes()


def _key(bucket: str, name: str) -> str:
    return hashlib.sha256(f"{bucket}\0{name}".encode("utf-8", "surrogatepass")).hexdigest()


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    # owner-only, as the rest of the data folder: objects are the users' files
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class ObjectStore:
    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._objects: dict[str, dict[str, StoredObject]] = {}
        self._lock = threading.Lock()   # writes run in worker threads
        self._lock_fd: int | None = None
        if folder is not None:
            folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            for part in (folder, folder / "blobs", folder / "meta"):
                part.mkdir(mode=0o700, exist_ok=True)
            self._take_folder()
            self._load()

    def _take_folder(self) -> None:
        """One suite per folder: flock'ed LOCK holding our pid, as the database's journal."""
        assert self.folder is not None
        fd = os.open(self.folder / "LOCK", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise StorageFolderLocked(msg.FOLDER_LOCKED.format(path=self.folder, pid=pid)) \
                from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)   # closing drops the flock
            self._lock_fd = None

    # ---- reading ---------------------------------------------------------------------------
    def get(self, bucket: str, name: str) -> StoredObject | None:
        return self._objects.get(bucket, {}).get(name)

    def snapshot(self) -> list[StoredObject]:
        """Every object, consistent at one moment (an export reads it from another thread)."""
        with self._lock:
            return [o for objects in self._objects.values() for o in objects.values()]

    def buckets(self) -> list[str]:
        return sorted(self._objects)

    def names(self, bucket: str) -> list[str]:
        return sorted(self._objects.get(bucket, {}))

    def list(self, bucket: str, prefix: str, delimiter: str) -> tuple[list[StoredObject],
                                                                      list[str]]:
        """(objects, prefixes) under `prefix`, as Cloud Storage lists: with a delimiter, names
        that have it after the prefix are folded into one prefix each."""
        items: list[StoredObject] = []
        prefixes: set[str] = set()
        objects = self._objects.get(bucket, {})
        for name in sorted(objects):
            if not name.startswith(prefix):
                continue
            if delimiter:
                cut = name.find(delimiter, len(prefix))
                if cut >= 0:
                    prefixes.add(name[:cut + len(delimiter)])
                    continue
            items.append(objects[name])
        return items, sorted(prefixes)

    # ---- writing (blocking: call from a worker thread) -------------------------------------------
    def read(self, bucket: str, name: str) -> tuple[StoredObject, bytes] | None:
        """The object and its bytes, consistent: a blob replaced by a newer generation between
        the lookup and the read is read again as the newer one."""
        for _ in range(5):
            stored = self.get(bucket, name)
            if stored is None:
                return None
            try:
                return stored, stored.data
            except FileNotFoundError:
                continue   # overwritten (or deleted) meanwhile: look again
        return None

    def put(self, meta: ObjectMetadata, data: bytes) -> StoredObject:
        stored = StoredObject(meta, memory=data)
        with self._lock:
            if self.folder is not None:
                key = _key(meta.bucket, meta.name)
                blob = self.folder / "blobs" / f"{key}.{meta.generation}"
                _write_atomic(blob, data)
                self._write_meta(key, meta)
                stored = StoredObject(meta, blob=blob)
                previous = self.get(meta.bucket, meta.name)
                if previous is not None and previous.meta.generation != meta.generation:
                    (self.folder / "blobs" / f"{key}.{previous.meta.generation}").unlink(
                        missing_ok=True)
            self._objects.setdefault(meta.bucket, {})[meta.name] = stored
        return stored

    def update_meta(self, meta: ObjectMetadata) -> None:
        with self._lock:
            current = self.get(meta.bucket, meta.name)
            if current is None:
                return
            if self.folder is not None:
                self._write_meta(_key(meta.bucket, meta.name), meta)
            current.meta = meta

    def delete(self, bucket: str, name: str) -> bool:
        with self._lock:
            found = self._objects.get(bucket, {}).pop(name, None)
            if found is None:
                return False
            if self.folder is not None:
                key = _key(bucket, name)
                # the metadata first: once it is gone the object is gone, even if the
                # blob's removal is cut off
                (self.folder / "meta" / f"{key}.json").unlink(missing_ok=True)
                _fsync_dir(self.folder / "meta")
                (self.folder / "blobs" / f"{key}.{found.meta.generation}").unlink(
                    missing_ok=True)
            return True

    def _write_meta(self, key: str, meta: ObjectMetadata) -> None:
        assert self.folder is not None
        _write_atomic(self.folder / "meta" / f"{key}.json",
                      json.dumps(meta.to_json()).encode("utf-8"))
        _fsync_dir(self.folder / "meta")

    def _load(self) -> None:
        assert self.folder is not None
        wanted: set[str] = set()
        for path in (self.folder / "meta").glob("*.json"):
            try:
                meta = ObjectMetadata.from_json(json.loads(path.read_text(encoding="utf-8")))
                blob = f"{path.stem}.{meta.generation}"
                size = (self.folder / "blobs" / blob).stat().st_size
            except (OSError, ValueError, TypeError) as exc:
                log.warning("storage: skipping unreadable object %s: %s", path.name, exc)
                continue
            if size != meta.size:   # damaged outside the emulator: do not serve it
                log.warning("storage: object %r has %d bytes, not %d; skipped", meta.name,
                            size, meta.size)
                continue
            wanted.add(blob)
            self._objects.setdefault(meta.bucket, {})[meta.name] = StoredObject(
                meta, blob=self.folder / "blobs" / blob)
        for leftover in (self.folder / "blobs").iterdir():
            if leftover.name not in wanted:
                leftover.unlink(missing_ok=True)   # an upload cut off before its metadata
        for leftover in (self.folder / "meta").glob("*.tmp"):
            leftover.unlink(missing_ok=True)
