"""Trigger events past a queue's memory bound, kept in order in a temporary file.

Firebase never loses a trigger event because its functions are slow: the events wait (and
are retried). The host keeps up to ``DeliveryPolicy.queue_limit`` events a function in memory;
when a sustained overload outgrows that, the next events go here, first in, first out, and
come back into memory as the queue drains (delivery.py). Nothing is dropped: a memory bound
without loss.

Records are appended to a buffer that is written out a megabyte at a time (no per-event system
call) to an unlinked temporary file (mode 0600, gone when closed or when the process ends),
and read back in chunks; once every spilled event is back the file is truncated. The file only
outlives the memory bound, not the process: a crash loses queued events, spilled or not, as it
always did. If the disk refuses a write (full, say), the records stay in the buffer, in memory:
memory is the last resort, never loss. Encoding: three little-endian lengths (metadata JSON,
header JSON, body), then the three byte strings.
"""

from __future__ import annotations

import json
import logging
import os
import struct
import tempfile
from typing import IO

from . import messages as msg
from .triggers import CloudEvent

log = logging.getLogger("messenger_emulators.functions")

_HEADER = struct.Struct("<III")
FLUSH_AT = 1 << 20      # bytes buffered before a write
READ_CHUNK = 1 << 20    # bytes read back at a time


def _encode(event: CloudEvent) -> bytes:
    meta = json.dumps({"id": event.id, "ref": event.ref, "headers": event.headers},
                      separators=(",", ":")).encode()
    headers_json = event.headers_json or b""
    return b"".join((_HEADER.pack(len(meta), len(headers_json), len(event.body)), meta,
                     headers_json, event.body))


def _decode(record: bytes | memoryview, meta_len: int, headers_len: int) -> CloudEvent:
    start = _HEADER.size
    meta = json.loads(bytes(record[start:start + meta_len]))
    start += meta_len
    headers_json = bytes(record[start:start + headers_len]) or None
    body = bytes(record[start + headers_len:])
    return CloudEvent(id=meta["id"], headers=meta["headers"], body=body, ref=meta["ref"],
                      headers_json=headers_json)


class SpillFile:
    """A FIFO of events: `append`, `take(n)`, `count`. Not thread-safe (the host's loop)."""

    def __init__(self, name: str) -> None:
        self.name = name              # the function's, for the log
        self.count = 0                # events appended and not yet taken
        self._file: IO[bytes] | None = None
        self._file_end = 0            # bytes written to the file
        self._read_at = 0             # bytes of the file already taken back
        self._buffer = bytearray()    # records not written yet (all of them if the disk failed)
        self._buffer_at = 0           # bytes of the buffer already taken back
        self._disk_failed = False

    def append(self, event: CloudEvent) -> None:
        self._buffer += _encode(event)
        self.count += 1
        if not self._disk_failed and len(self._buffer) - self._buffer_at >= FLUSH_AT:
            self._flush()

    def take(self, n: int) -> list[CloudEvent]:
        """Up to `n` of the oldest events, removed from the file."""
        out: list[CloudEvent] = []
        while len(out) < n and self._read_at < self._file_end:
            assert self._file is not None
            fd = self._file.fileno()
            chunk = os.pread(fd, min(READ_CHUNK, self._file_end - self._read_at), self._read_at)
            used = self._parse(chunk, n, out)
            if used == 0:   # one record larger than a chunk: read exactly that record
                meta_len, headers_len, body_len = _HEADER.unpack(chunk[:_HEADER.size])
                size = _HEADER.size + meta_len + headers_len + body_len
                used = self._parse(os.pread(fd, size, self._read_at), n, out)
            self._read_at += used
        if len(out) < n and self._buffer_at < len(self._buffer):
            self._buffer_at += self._parse(memoryview(self._buffer)[self._buffer_at:], n, out)
        self.count -= len(out)
        if self.count == 0:
            self._reset()
        return out

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    # ---- internals ---------------------------------------------------------------------
    @staticmethod
    def _parse(data: bytes | memoryview, n: int, out: list[CloudEvent]) -> int:
        """Decode whole records from the start of `data` into `out` (up to `n` in all);
        returns the bytes used."""
        pos, end = 0, len(data)
        while len(out) < n and pos + _HEADER.size <= end:
            meta_len, headers_len, body_len = _HEADER.unpack_from(data, pos)
            size = _HEADER.size + meta_len + headers_len + body_len
            if pos + size > end:
                break
            out.append(_decode(data[pos:pos + size], meta_len, headers_len))
            pos += size
        return pos

    def _flush(self) -> None:
        pending = bytes(self._buffer[self._buffer_at:])
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="messenger-trigger-spill-")
            fd, written = self._file.fileno(), 0
            while written < len(pending):
                written += os.pwrite(fd, pending[written:], self._file_end + written)
        except OSError as exc:
            self._disk_failed = True    # keep everything in memory from now on
            log.error(msg.LOG_SPILL_FAILED.format(name=self.name, error=exc))
            return
        self._file_end += len(pending)
        self._buffer = bytearray()
        self._buffer_at = 0

    def _reset(self) -> None:
        """Everything spilled is back: start the file over."""
        if self._file is not None and self._file_end:
            try:
                os.ftruncate(self._file.fileno(), 0)
            except OSError:
                pass    # the file is only reused from offset 0; its old bytes are harmless
        self._file_end = self._read_at = 0
        self._buffer = bytearray()
        self._buffer_at = 0
