"""The journal's on-disk framing: a file header, then length-prefixed, checksummed records.

    file   := MAGIC record* zeros*
    record := length:u32le crc32:u32le payload[length]   (length > 0)
    payload:= UTF-8 JSON [namespace, [[path-segments, value], ...]]

Logs are preallocated with zeros, so zeros after the last record are the clean end. A crash
can leave the last record half written (a torn tail): the length and the CRC let the reader
recognise it and stop there instead of replaying garbage.
"""

from __future__ import annotations

import json
import struct
import zlib
from dataclasses import dataclass

from .errors import MSG_RECORD_TOO_LARGE, PersistenceError

MAGIC = b"MSGJRNL1"
HEADER = struct.Struct("<II")
MAX_RECORD = 256 * 1024 * 1024  # larger than any write the database accepts (writeSizeLimit)

Writes = list[tuple[tuple[str, ...], object]]


def encode(namespace: str, writes: Writes) -> bytes:
    payload = json.dumps(
        [namespace, [[list(path), value] for path, value in writes]],
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    ).encode("utf-8")
    if len(payload) > MAX_RECORD:
        # The reader would take it for a torn record: refuse it instead of losing it later.
        raise PersistenceError(MSG_RECORD_TOO_LARGE.format(size=len(payload), limit=MAX_RECORD))
    return HEADER.pack(len(payload), zlib.crc32(payload)) + payload


@dataclass
class ScanResult:
    records: list[tuple[str, Writes]]
    good_bytes: int  # offset just past the last valid record
    torn: bool  # bytes after good_bytes that do not form a valid record


def decode_payload(payload: bytes) -> tuple[str, Writes]:
    namespace, writes = json.loads(payload)
    return namespace, [(tuple(path), value) for path, value in writes]


def scan(data: bytes) -> ScanResult:
    """Every valid record of a log file, and where the valid part ends."""
    if not data.startswith(MAGIC):
        # A file created but never written (crash right after creation) is a torn empty log.
        return ScanResult([], 0, bool(data.strip(b"\0")))
    records: list[tuple[str, Writes]] = []
    pos, size = len(MAGIC), len(data)
    while pos < size:
        if _only_zeros(data, pos):
            return ScanResult(records, pos, False)  # the preallocated, unused rest
        if size - pos < HEADER.size:
            return ScanResult(records, pos, True)
        length, crc = HEADER.unpack_from(data, pos)
        start = pos + HEADER.size
        if length == 0 or length > MAX_RECORD or start + length > size:
            return ScanResult(records, pos, True)
        payload = data[start : start + length]
        if zlib.crc32(payload) != crc:
            return ScanResult(records, pos, True)
        try:
            records.append(decode_payload(payload))
        except (ValueError, TypeError):
            return ScanResult(records, pos, True)
        pos = start + length
    return ScanResult(records, pos, False)


def _only_zeros(data: bytes, pos: int) -> bool:
    # Cheap first: a record header never starts with 8 zero bytes (its length is > 0).
    return data[pos : pos + HEADER.size] == bytes(HEADER.size) and not data[pos:].strip(b"\0")
