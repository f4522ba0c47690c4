"""The event channel between the host and its worker: trigger invocations without HTTP.

Posting each CloudEvent over HTTP made every trigger invocation pay for an aiohttp request on
the host, a new werkzeug thread, a Flask request context and functions-framework's view in the
worker: several milliseconds of CPU for a function whose own work can take well under one. The
channel is one loopback TCP connection (reconnected whenever the worker changes) carrying
length-prefixed frames, after a hello frame with the run's secret (secret.py); frames written
in the same event-loop turn leave in one write (a batch), as do, under load, the frames of the
next few milliseconds (FLUSH_INTERVAL: a quiet channel sends at once), and the worker reads
them through a buffer:

    hello: u32 length | the secret          (once, first on each connection; else it is closed)
    call:  u32 length | u32 meta length | meta JSON {"id", "fn", "h": {ce-* headers}} | body
    reply: u32 length | JSON {"id", "status", "error"}

The body is byte for byte what the HTTP POST carried (binary content mode), and the worker
builds the event with the same ``cloudevents.http.from_http`` call functions-framework makes,
so a function receives the same object either way. ``status`` is the HTTP status
functions-framework would have answered, so delivery.py's policy (retry 5xx and connection
errors, drop 4xx) is unchanged. A worker that dies closes the connection: every call in flight
fails with ConnectionResetError and is retried like a failed POST.

The host side costs the event loop as little as possible per call: ``send()`` queues a frame
and registers a callback, called straight from the connection's ``data_received`` with the
reply (no task, future or stream reader per call); a call's timeout is one timer for the
whole channel, set at the oldest call's deadline. ``await call()`` wraps it in a future.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import struct
from collections.abc import Callable, Iterator
from typing import BinaryIO

log = logging.getLogger("messenger_emulators.functions")

_U32 = struct.Struct(">I")
_U32x2 = struct.Struct(">II")
MAX_FRAME = 64 << 20
FLUSH_INTERVAL = 0.004  # seconds: at most ~250 writes/s to the worker, each a batch
OnReply = Callable[[int, "BaseException | None"], None]  # (status, None) or (0, error)


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def encode_call(call_id: int, name: str, headers: dict[str, str], body: bytes,
                headers_json: bytes | None = None, name_json: bytes | None = None) -> bytes:
    """A call frame; ``headers_json``/``name_json``: the headers/name already JSON-encoded."""
    meta = b'{"id":%d,"fn":%b,"h":%b}' % (call_id, name_json or _json(name),
                                          headers_json or _json(headers))
    return _U32x2.pack(4 + len(meta) + len(body), len(meta)) + meta + body


def encode_reply(call_id: int, status: int, error: str = "") -> bytes:
    payload = json.dumps({"id": call_id, "status": status, "error": error},
                         separators=(",", ":")).encode()
    return _U32.pack(len(payload)) + payload


def encode_hello(secret: bytes) -> bytes:
    return _U32.pack(len(secret)) + secret


def read_hello(reader: BinaryIO, limit: int) -> bytes | None:
    """The worker side: the secret a connection starts with (None if it is no hello)."""
    prefix = reader.read(4)
    if len(prefix) < 4:
        return None
    (length,) = _U32.unpack(prefix)
    if length > limit:
        return None
    secret = reader.read(length)
    return secret if len(secret) == length else None


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


class _Connection(asyncio.Protocol):
    """The host's end of one connection: replies parsed as they arrive."""

    def __init__(self, channel: EventChannel) -> None:
        self.channel = channel
        self.transport: asyncio.Transport | None = None
        self.buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data if self.buffer else data
        offset, size = 0, len(buffer)
        pending = self.channel._pending
        try:
            while size - offset >= 4:
                (length,) = _U32.unpack_from(buffer, offset)
                if size - offset - 4 < length:
                    break
                reply = json.loads(buffer[offset + 4:offset + 4 + length])
                offset += 4 + length
                entry = pending.pop(reply["id"], None)
                if entry is not None:
                    _answer(entry[0], int(reply["status"]), None)
        except (ValueError, KeyError, TypeError):  # not our protocol: drop the connection
            self.buffer = b""
            if self.transport is not None:
                self.transport.close()
            return
        self.buffer = buffer[offset:] if offset < size else b""

    def connection_lost(self, exc: Exception | None) -> None:
        self.channel._lost(self)


def _answer(on_reply: OnReply, status: int, error: BaseException | None) -> None:
    try:
        on_reply(status, error)
    except Exception:  # a bug in a caller must not break the channel for the others
        log.exception("Event channel reply handler failed")


class EventChannel:
    """The host side: ``send(...)`` with a callback, or ``await call(port, ...)`` -> status."""

    def __init__(self, secret: bytes = b"") -> None:
        self._secret = secret  # sent first on every connection (secret.py)
        self._port: int | None = None
        self._conn: _Connection | None = None
        # call id -> (callback, deadline or inf); in send order, so deadlines ascend
        self._pending: dict[int, tuple[OnReply, float]] = {}
        self._next_id = 0
        self._outbox: list[bytes] = []
        self._last_flush = -1e9
        self._connecting: asyncio.Lock | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._names: dict[str, bytes] = {}  # function name -> its JSON
        self.calls = 0  # frames sent (tests, logs)
        self.batches = 0  # writes they went out in

    def connected_to(self, port: int) -> bool:
        """True when ``send()`` can go to the worker at ``port`` now (no connecting needed)."""
        conn = self._conn
        return (conn is not None and self._port == port and conn.transport is not None
                and not conn.transport.is_closing())

    def send(self, name: str, headers: dict[str, str], body: bytes, on_reply: OnReply,
             timeout: float | None = None, headers_json: bytes | None = None) -> None:
        """Queue a call on the current connection (``connected_to()`` must be true).

        ``on_reply(status, None)`` when the worker answers, ``on_reply(0, error)`` if the
        connection goes away first (ConnectionResetError) or ``timeout`` passes (TimeoutError).
        Never called before send() returns.
        """
        loop = asyncio.get_running_loop()
        self._next_id += 1
        call_id = self._next_id
        deadline = math.inf
        if timeout is not None:
            deadline = loop.time() + timeout
            if self._timer is None:
                self._timer = loop.call_at(deadline, self._expire)
        self._pending[call_id] = (on_reply, deadline)
        if not self._outbox:
            # A write wakes the worker and costs the host a system call: under load (the last
            # write was less than FLUSH_INTERVAL ago) calls wait until that interval is over
            # and leave together; when the channel is quiet a call leaves at once.
            wait = self._last_flush + FLUSH_INTERVAL - loop.time()
            if wait > 0:
                loop.call_later(wait, self._flush)
            else:
                loop.call_soon(self._flush)
        name_json = self._names.get(name)
        if name_json is None:
            name_json = self._names[name] = _json(name)
        self._outbox.append(encode_call(call_id, name, headers, body, headers_json, name_json))
        self.calls += 1

    async def call(self, port: int, name: str, headers: dict[str, str], body: bytes,
                   headers_json: bytes | None = None) -> int:
        await self._connected(port)
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def on_reply(status: int, error: BaseException | None) -> None:
            if future.done():
                return
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(status)

        self.send(name, headers, body, on_reply, headers_json=headers_json)
        call_id = self._next_id
        try:
            return await future
        finally:
            self._pending.pop(call_id, None)  # cancelled: a late reply is ignored

    def _expire(self) -> None:
        """The oldest call's deadline passed: time out every call past its own."""
        self._timer = None
        now = asyncio.get_running_loop().time()
        expired = []
        for call_id, (_, deadline) in self._pending.items():
            if deadline <= now:
                expired.append(call_id)
            elif deadline != math.inf:
                self._timer = asyncio.get_running_loop().call_at(deadline, self._expire)
                break
        for call_id in expired:
            entry = self._pending.pop(call_id, None)
            if entry is not None:
                _answer(entry[0], 0, TimeoutError())

    def _flush(self) -> None:
        frames, self._outbox = self._outbox, []
        conn = self._conn
        if not frames or conn is None or conn.transport is None or \
                conn.transport.is_closing():
            return  # the connection went away meanwhile: _fail_all() failed these calls
        conn.transport.write(b"".join(frames))
        self.batches += 1
        self._last_flush = asyncio.get_running_loop().time()

    async def _connected(self, port: int) -> None:
        if self.connected_to(port):
            return
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self.connected_to(port):
                return
            await self.close()  # a new worker: calls to the old one fail and are retried
            transport, conn = await asyncio.get_running_loop().create_connection(
                lambda: _Connection(self), "127.0.0.1", port)
            transport.write(encode_hello(self._secret))
            self._port, self._conn = port, conn

    def _lost(self, conn: _Connection) -> None:
        if self._conn is conn:
            self._conn, self._port = None, None
            self._outbox = []
            self._fail_all()

    def _fail_all(self) -> None:
        pending, self._pending = self._pending, {}
        for on_reply, _ in pending.values():
            _answer(on_reply, 0, ConnectionResetError(
                "the functions worker closed the event channel (it exited or restarted)"))

    async def close(self) -> None:
        conn = self._conn
        self._conn, self._port = None, None
        self._outbox = []
        if conn is not None and conn.transport is not None:
            conn.transport.close()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._fail_all()

    @property
    def in_flight(self) -> int:
        return len(self._pending)
