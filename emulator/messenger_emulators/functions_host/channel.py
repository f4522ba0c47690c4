"""The event channel between the host and its worker: trigger invocations without HTTP.

Posting each CloudEvent over HTTP made every trigger invocation pay for an aiohttp request on
the host, a new werkzeug thread, a Flask request context and functions-framework's view in the
worker: several milliseconds of CPU for a function whose own work can take well under one. The
channel is one loopback TCP connection (reconnected whenever the worker changes) carrying
length-prefixed frames; frames written in the same event-loop turn leave in one write (a
batch), as do, under load, the frames of the next few milliseconds (FLUSH_INTERVAL: a quiet
channel sends at once), and the worker reads them through a buffer:

    call:  u32 length | u32 meta length | meta JSON {"id", "fn", "h": {ce-* headers}} | body
    reply: u32 length | JSON {"id", "status", "error"}

The body is byte for byte what the HTTP POST carried (binary content mode), and the worker
builds the event with the same ``cloudevents.http.from_http`` call functions-framework makes,
so a function receives the same object either way. ``status`` is the HTTP status
functions-framework would have answered, so delivery.py's policy (retry 5xx and connection
errors, drop 4xx) is unchanged. A worker that dies closes the connection: every call in flight
fails with ConnectionResetError and is retried like a failed POST.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
from collections.abc import Iterator
from typing import BinaryIO

_U32 = struct.Struct(">I")
_U32x2 = struct.Struct(">II")
MAX_FRAME = 64 << 20
FLUSH_INTERVAL = 0.004  # seconds: at most ~250 writes/s to the worker, each a batch


def encode_call(call_id: int, name: str, headers: dict[str, str], body: bytes) -> bytes:
    meta = json.dumps({"id": call_id, "fn": name, "h": headers},
                      separators=(",", ":")).encode()
    return _U32x2.pack(4 + len(meta) + len(body), len(meta)) + meta + body


def encode_reply(call_id: int, status: int, error: str = "") -> bytes:
    payload = json.dumps({"id": call_id, "status": status, "error": error},
                         separators=(",", ":")).encode()
    return _U32.pack(len(payload)) + payload


def read_calls(reader: BinaryIO) -> Iterator[tuple[int, str, dict[str, str], bytes]]:
    """The worker side: (id, function name, headers, body) per frame, until the host closes."""
    while True:
        prefix = reader.read(4)
        if len(prefix) < 4:
            return
        (length,) = _U32.unpack(prefix)
        if not 4 <= length <= MAX_FRAME:
            raise ValueError(f"bad frame length {length}")
        frame = reader.read(length)
        if len(frame) < length:
            return
        (meta_length,) = _U32.unpack_from(frame)
        meta = json.loads(frame[4:4 + meta_length])
        yield meta["id"], meta["fn"], meta["h"], frame[4 + meta_length:]


class EventChannel:
    """The host side: ``await call(port, name, headers, body)`` -> status. One per host."""

    def __init__(self) -> None:
        self._port: int | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._reader_task: asyncio.Task | None = None
        self._pending: dict[int, asyncio.Future[int]] = {}
        self._next_id = 0
        self._outbox: list[bytes] = []
        self._last_flush = -1e9
        self._connecting: asyncio.Lock | None = None
        self.calls = 0  # frames sent (tests, logs)
        self.batches = 0  # writes they went out in

    async def call(self, port: int, name: str, headers: dict[str, str], body: bytes) -> int:
        await self._connected(port)
        self._next_id += 1
        call_id = self._next_id
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._pending[call_id] = future
        if not self._outbox:
            # A write wakes the worker and costs the host a system call: under load (the last
            # write was less than FLUSH_INTERVAL ago) calls wait until that interval is over
            # and leave together; when the channel is quiet a call leaves at once.
            loop = asyncio.get_running_loop()
            wait = self._last_flush + FLUSH_INTERVAL - loop.time()
            if wait > 0:
                loop.call_later(wait, self._flush)
            else:
                loop.call_soon(self._flush)
        self._outbox.append(encode_call(call_id, name, headers, body))
        self.calls += 1
        try:
            return await future
        finally:
            self._pending.pop(call_id, None)

    def _flush(self) -> None:
        frames, self._outbox = self._outbox, []
        writer = self._writer
        if not frames or writer is None or writer.is_closing():
            return  # the connection went away meanwhile: _fail_all() failed these calls
        writer.write(b"".join(frames))
        self.batches += 1
        self._last_flush = asyncio.get_running_loop().time()

    async def _connected(self, port: int) -> asyncio.StreamWriter:
        if self._writer is not None and self._port == port and not self._writer.is_closing():
            return self._writer
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._writer is not None and self._port == port and \
                    not self._writer.is_closing():
                return self._writer
            await self.close()  # a new worker: calls to the old one fail and are retried
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            self._port, self._writer = port, writer
            self._reader_task = asyncio.get_running_loop().create_task(
                self._read_replies(reader, writer))
            return writer

    async def _read_replies(self, reader: asyncio.StreamReader,
                            writer: asyncio.StreamWriter) -> None:
        buffer = b""
        try:
            while True:
                chunk = await reader.read(1 << 16)  # every reply that arrived, parsed at once
                if not chunk:
                    break
                buffer += chunk
                offset = 0
                while len(buffer) - offset >= 4:
                    (length,) = _U32.unpack_from(buffer, offset)
                    if len(buffer) - offset - 4 < length:
                        break
                    reply = json.loads(buffer[offset + 4:offset + 4 + length])
                    offset += 4 + length
                    future = self._pending.get(reply["id"])
                    if future is not None and not future.done():
                        future.set_result(int(reply["status"]))
                buffer = buffer[offset:]
        except (ConnectionError, OSError, ValueError):
            pass
        finally:
            if self._writer is writer:
                self._writer, self._port = None, None
                self._outbox = []
            writer.close()
            self._fail_all()

    def _fail_all(self) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(ConnectionResetError(
                    "the functions worker closed the event channel (it exited or restarted)"))

    async def close(self) -> None:
        task, writer = self._reader_task, self._writer
        self._reader_task, self._writer, self._port = None, None, None
        self._outbox = []
        if writer is not None:
            writer.close()
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._fail_all()

    @property
    def in_flight(self) -> int:
        return len(self._pending)
