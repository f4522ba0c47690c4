"""The load generator's HTTP/1.1 on bare asyncio protocols: event streams and keep-alive writes.

Like wrk next to a web framework: the load tool must cost far less CPU than the suite it
measures, on the same 2 cores. An aiohttp client took ~0.3-0.5 ms of CPU per request and
~50 µs per stream event, about half a core at 500 msg/s; here a request is one pre-built
`bytes` write and a response is parsed with a few `find` calls, and stream bodies are
de-chunked and split into SSE frames without decoding their JSON.

Only what the database emulator answers is understood: `Content-Length` bodies for requests,
`Transfer-Encoding: chunked` for event streams. Anything else is an error, never a guess.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from urllib.parse import urlencode

EventHandler = Callable[[bytes, bytes], None]      # (event name, data line), both raw bytes


class WireError(ConnectionError):
    """The connection broke or the server answered something this client does not speak."""


def target(path: str, params: dict[str, str]) -> str:
    return f"/{path}.json?{urlencode(params)}"


def _status_of(head: bytes) -> int:
    try:
        return int(head[9:12])
    except ValueError:
        raise WireError(f"not an HTTP status line: {head[:40]!r}") from None


class _RequestConnection(asyncio.Protocol):
    """One keep-alive connection, one request at a time."""

    def __init__(self, pool: HttpPool) -> None:
        self.pool = pool
        self.transport: asyncio.Transport | None = None
        self.buffer = b""
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def send(self, request: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self.waiter

    def data_received(self, data: bytes) -> None:
        buf = self.buffer + data
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            self.buffer = buf
            return
        head = buf[:end]
        at = head.lower().find(b"\r\ncontent-length:")
        if at < 0:
            self._fail(WireError("a response without Content-Length"))
            return
        line_end = head.find(b"\r\n", at + 2)
        length = int(head[at + 17: line_end if line_end > 0 else len(head)])
        if len(buf) < end + 4 + length:
            self.buffer = buf
            return
        body = buf[end + 4: end + 4 + length]
        self.buffer = buf[end + 4 + length:]
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((_status_of(head), body))

    def _fail(self, exc: Exception) -> None:
        self.closed = True
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(WireError(f"connection lost: {exc or 'closed by the server'}"))


class HttpPool:
    """Up to `limit` keep-alive connections to one host; `request` waits for a free one."""

    def __init__(self, host: str, port: int, limit: int = 100, timeout: float = 30.0) -> None:
        self.host, self.port, self.limit, self.timeout = host, port, limit, timeout
        self.idle: deque[_RequestConnection] = deque()
        self.count = 0
        self.waiting: deque[asyncio.Future[None]] = deque()
        self.prefix = f" HTTP/1.1\r\nHost: {host}:{port}\r\n".encode()

    async def _acquire(self) -> _RequestConnection:
        while True:
            while self.idle:
                conn = self.idle.pop()
                if not conn.closed:
                    return conn
                self.count -= 1
            if self.count < self.limit:
                self.count += 1
                try:
                    _, conn = await asyncio.get_running_loop().create_connection(
                        lambda: _RequestConnection(self), self.host, self.port)
                except OSError:
                    self.count -= 1
                    raise
                return conn
            free = asyncio.get_running_loop().create_future()
            self.waiting.append(free)
            await free

    def _release(self, conn: _RequestConnection) -> None:
        if conn.closed:
            self.count -= 1
        else:
            self.idle.append(conn)
        while self.waiting:
            free = self.waiting.popleft()
            if not free.done():
                free.set_result(None)
                break

    async def request(self, method: str, target: str, body: bytes = b"") -> tuple[int, bytes]:
        """(status, body). Raises WireError, OSError or TimeoutError."""
        request = b"".join((method.encode(), b" ", target.encode(), self.prefix,
                            b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                            % len(body), body))
        conn = await self._acquire()
        try:
            return await asyncio.wait_for(conn.send(request), self.timeout)
        except BaseException:
            conn._fail(WireError("request abandoned"))  # noqa: SLF001 - its own connection
            raise
        finally:
            self._release(conn)

    def close(self) -> None:
        for conn in self.idle:
            if conn.transport is not None:
                conn.transport.close()
        self.idle.clear()


class _StreamProtocol(asyncio.Protocol):
    """An SSE response: status line and headers, then chunked body split into frames."""

    def __init__(self, on_event: EventHandler, request: bytes) -> None:
        self.on_event = on_event
        self.request = request
        self.transport: asyncio.Transport | None = None
        self.head_done = False
        self.raw = b""          # undecoded bytes (head or chunk framing)
        self.text = b""         # de-chunked body not yet split into frames
        self.status: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self.ended: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        buf = self.raw + data
        if not self.head_done:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                self.raw = buf
                return
            head, buf = buf[:end], buf[end + 4:]
            self.head_done = True
            status = _status_of(head)
            if not self.status.done():
                self.status.set_result(status)
            if status != 200 or b"chunked" not in head.lower():
                self._end(None)
                return
        # de-chunk: "<hex size>\r\n<bytes>\r\n" ...; a chunk may span several reads
        pos, body = 0, []
        while True:
            line_end = buf.find(b"\r\n", pos)
            if line_end < 0:
                break
            try:
                size = int(buf[pos:line_end].split(b";", 1)[0], 16)
            except ValueError:
                self._end(WireError(f"bad chunk size line {buf[pos:line_end][:20]!r}"))
                return
            if size == 0:
                self._frames(b"".join(body))
                self._end(None)
                return
            start = line_end + 2
            if len(buf) < start + size + 2:
                break
            body.append(buf[start:start + size])
            pos = start + size + 2
        self.raw = buf[pos:]
        if body:
            self._frames(b"".join(body))

    def _frames(self, data: bytes) -> None:
        text = self.text + data
        cut = text.rfind(b"\n\n")
        if cut < 0:
            self.text = text
            return
        self.text = text[cut + 2:]
        for frame in text[:cut].split(b"\n\n"):
            if not frame.startswith(b"event: "):
                continue
            name_end = frame.find(b"\n")
            name = frame[7:name_end] if name_end > 0 else frame[7:]
            at = frame.find(b"\ndata: ")
            self.on_event(name, frame[at + 7:] if at >= 0 else b"")

    def _end(self, exc: Exception | None) -> None:
        if not self.ended.done():
            if exc is None:
                self.ended.set_result(None)
            else:
                self.ended.set_exception(exc)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.status.done():
            self.status.set_exception(WireError(f"connection lost: {exc or 'closed'}"))
        self._end(WireError(f"stream lost: {exc}") if exc is not None else None)


async def stream(host: str, port: int, target: str, on_event: EventHandler,
                 on_open: Callable[[int], None]) -> None:
    """Open an event stream; `on_open(status)` once answered; return when it ends.

    Raises WireError/OSError when the connection breaks (a clean end of the response returns).
    """
    request = (f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(
        lambda: _StreamProtocol(on_event, request), host, port)
    try:
        on_open(await protocol.status)
        await protocol.ended
    finally:
        transport.close()
