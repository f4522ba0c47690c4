"""A lean HTTP/1.1 server for the database: an asyncio.Protocol over httptools (llhttp).

The database's REST and streaming traffic is many small requests on keep-alive connections
and many long-lived event streams; a general web framework (routing, middleware, request
and response objects, a task per request) cost more CPU than the database work itself. This
module does only what the database needs:

- one parser per connection (httptools, the llhttp parser aiohttp and uvicorn use);
  keep-alive, pipelining (answers in request order), HTTP/1.0, `Connection: close`,
  `Content-Length` and chunked request bodies, `Expect: 100-continue`, a bounded body
  (`max_body`: over it the answer is the app's 400 and the connection closes), bounded
  header sizes, malformed requests answered with a 400 and a close;
- a handler (`app.respond(request)`) that returns a `Response`, a `StreamStart` (an event
  stream), or a coroutine for what must wait (a write waiting for durability). A coroutine
  is stepped by hand: a request that completes without waiting costs no Task at all;
- responses built from pre-encoded header lines and written with one `transport.write`;
- write flow control: while the transport's buffer is over its high-water mark the
  connection stops reading and answering (a client that pipelines and never reads cannot
  make the server buffer without bound); event streams bound their own buffers (the hub);
- idle keep-alive connections are closed after `idle_timeout` seconds; `close()` stops
  listening, waits briefly for requests in flight and closes every connection.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from collections import deque
from collections.abc import Callable, Coroutine
from email.utils import formatdate
from functools import lru_cache
from http import HTTPStatus
from typing import Any

import httptools
from multidict import CIMultiDict, CIMultiDictProxy, MultiDict, MultiDictProxy
from yarl import URL

from messenger_emulators.suite import trust

log = logging.getLogger("messenger_emulators.database.server")

MAX_HEAD = 64 * 1024          # request line + headers of one request
MAX_QUEUED = 64               # pipelined requests parsed ahead of the one being answered
IDLE_TIMEOUT_S = 75.0         # aiohttp's keep-alive timeout
LINGER_S = 10.0               # reading (and dropping) the rest of a refused body
JSON = "application/json; charset=utf-8"
_EMPTY_QUERY: MultiDictProxy[str] = MultiDictProxy(MultiDict())
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


_STATUS_LINES: dict[tuple[int, int], bytes] = {}


def _status_line(status: int, minor: int) -> bytes:
    line = _STATUS_LINES.get((status, minor))
    if line is None:
        line = _STATUS_LINES[(status, minor)] = \
            f"HTTP/1.{minor} {status} {_reason(status)}\r\n".encode("latin-1")
    return line


class _Clock:
    """The Date header, formatted once a second."""

    def __init__(self) -> None:
        self.second = 0
        self.line = b""

    def date_line(self) -> bytes:
        now = int(time.time())
        if now != self.second:
            self.second = now
            self.line = f"Date: {formatdate(now, usegmt=True)}\r\n".encode("latin-1")
        return self.line


_clock = _Clock()


@lru_cache(maxsize=1024)
def parse_query(query_string: str) -> MultiDictProxy[str]:
    """Exactly aiohttp's `request.query` (yarl's parser: `+` is a space, blank values kept,
    repeated keys kept in order). Immutable, so equal query strings share one result."""
    if not query_string:
        return _EMPTY_QUERY
    return URL.build(query_string=query_string, encoded=True).query


class Request:
    """What a handler sees of one request. `raw_path` is the request target as sent (path
    and query, still percent-encoded); `headers` are case-insensitive. `local_peer`: the
    connection comes from this machine, by the socket's own addresses (suite.trust)."""

    __slots__ = ("method", "raw_path", "headers", "body", "version", "keep_alive",
                 "transport", "rules_trace", "after", "_query", "local_peer")

    def __init__(self, method: str, raw_path: str, headers: CIMultiDictProxy[str],
                 body: bytes = b"", version: tuple[int, int] = (1, 1),
                 keep_alive: bool = True, transport: Any = None,
                 local_peer: bool = False) -> None:
        self.method = method
        self.raw_path = raw_path
        self.headers = headers
        self.body = body
        self.version = version
        self.keep_alive = keep_alive
        self.transport = transport
        self.local_peer = local_peer
        self.rules_trace: list[dict] | None = None
        # a handler may ask to see (and amend) its response: after(request, response)
        self.after: Callable[[Request, Response], Response] | None = None
        self._query: MultiDictProxy[str] | None = None

    @property
    def query(self) -> MultiDictProxy[str]:
        query = self._query
        if query is None:
            _, sep, qs = self.raw_path.partition("?")
            query = self._query = parse_query(qs.partition("#")[0]) if sep else _EMPTY_QUERY
        return query

    @property
    def path_qs(self) -> str:
        return self.raw_path

    @property
    def host(self) -> str | None:
        return self.headers.get("Host")


class Response:
    """A complete answer. `headers` are extra header lines (name -> value)."""

    __slots__ = ("status", "body", "content_type", "headers", "cors")

    def __init__(self, body: bytes = b"", status: int = 200, content_type: str | None = JSON,
                 headers: dict[str, str] | None = None, cors: bool = True) -> None:
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = headers
        self.cors = cors

    def encode(self, minor: int, connection: bytes, head_only: bool) -> bytes:
        status = self.status
        parts = [_status_line(status, minor)]
        if self.cors:
            parts.append(b"Access-Control-Allow-Origin: *\r\n")
        if self.headers:
            for name, value in self.headers.items():
                parts.append(f"{name}: {value}\r\n".encode("utf-8", "surrogateescape"))
        parts.append(_clock.date_line())
        parts.append(connection)
        if status == 204 or status == 304 or status < 200:
            parts.append(b"\r\n")
            return b"".join(parts)
        if self.content_type is not None and self.body:
            parts.append(b"Content-Type: %s\r\n" % self.content_type.encode("latin-1"))
        parts.append(b"Content-Length: %d\r\n\r\n" % len(self.body))
        if not head_only:
            parts.append(self.body)
        return b"".join(parts)


class StreamStart:
    """An event stream: the server sends `head` (status and headers), the `initial` event
    bytes (framed here), then hands the transport to `go_live(transport, on_end, fd)` (`fd`:
    see `_direct_fd`); the stream's owner calls `on_end(clean)` when it is over (clean: end
    the chunked body; else the connection is aborted). `on_close()` runs once when the
    stream is over for any reason."""

    __slots__ = ("headers", "initial", "go_live", "on_close")

    def __init__(self, headers: dict[str, str], initial: bytes,
                 go_live: Callable[[Any, Callable[[bool], None], int | None], None],
                 on_close: Callable[[], None]) -> None:
        self.headers = headers
        self.initial = initial
        self.go_live = go_live
        self.on_close = on_close


def _direct_fd(transport: Any) -> int | None:
    """The descriptor of a plain TCP transport's socket (public `get_extra_info`): a stream
    may write its bytes there directly while the transport has nothing buffered (asyncio's
    write() costs more Python than the send). None under TLS, or for a transport without a
    socket of its own: those must see every write."""
    if transport.get_extra_info("sslcontext") is not None:
        return None
    sock = transport.get_extra_info("socket")
    if sock is None or sock.type != socket.SOCK_STREAM:
        return None
    return sock.fileno()


def chunk(data: bytes) -> bytes:
    """One HTTP/1.1 chunk. The only framing of event-stream bytes (here, with _Unchunked,
    which undoes it for HTTP/1.0): the hub frames each event once and shares the bytes
    among every stream that gets it, rather than framing per connection."""
    return b"%x\r\n%s\r\n" % (len(data), data)


class _Unchunked:
    """The transport of an HTTP/1.0 event stream: no chunked encoding in HTTP/1.0, so the
    hub's chunk-framed bytes are unframed on the way out (the body ends with the
    connection)."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    def write(self, data: bytes) -> None:
        out = []
        pos = 0
        while pos < len(data):
            eol = data.index(b"\r\n", pos)
            size = int(data[pos:eol], 16)
            out.append(data[eol + 2: eol + 2 + size])
            pos = eol + 2 + size + 2
        self._transport.write(b"".join(out))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


if sys.version_info >= (3, 12):
    def _start_task(coro: Coroutine) -> asyncio.Task:
        """An eager task: the handler runs at once up to its first wait, so a request that
        never waits (most do not) is answered in this loop iteration."""
        return asyncio.Task(coro, loop=asyncio.get_running_loop(), eager_start=True)
else:
    def _start_task(coro: Coroutine) -> asyncio.Task:
        """Python 3.11 has no eager tasks: the handler starts in the next loop iteration."""
        return asyncio.get_running_loop().create_task(coro)


Handler = Callable[[Request], Any]
ErrorHandler = Callable[[Request, BaseException], Response]


class HttpServerState:
    """Shared by every connection of one listening server."""

    def __init__(self, handler: Handler, on_error: ErrorHandler,
                 too_big: Callable[[], Response], bad_request: Callable[[str], Response],
                 max_body: int, idle_timeout: float = IDLE_TIMEOUT_S) -> None:
        self.handler = handler
        self.on_error = on_error
        self.too_big = too_big
        self.bad_request = bad_request
        self.max_body = max_body
        self.idle_timeout = idle_timeout
        self.connections: set[HttpProtocol] = set()
        self.closing = False
        self._sweeper: asyncio.TimerHandle | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._sweeper = loop.call_later(self.idle_timeout / 2, self._sweep)

    def _sweep(self) -> None:
        """Close connections idle since the previous sweep (idle 1/2 to 1 x idle_timeout)."""
        for conn in list(self.connections):
            conn.sweep()
        self._sweeper = asyncio.get_running_loop().call_later(self.idle_timeout / 2,
                                                              self._sweep)

    async def close(self, grace: float = 1.0) -> None:
        """Close idle connections now, the others once their request in flight is answered
        (at most `grace` seconds), then every one."""
        self.closing = True
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        deadline = time.monotonic() + grace
        while True:
            for conn in list(self.connections):
                if conn.idle():
                    conn.close()
            if not self.connections or time.monotonic() >= deadline:
                break
            await asyncio.sleep(0.01)
        for conn in list(self.connections):
            conn.close()
        if self.connections:
            await asyncio.sleep(0)    # let connection_lost run


class _Message:
    """A request being parsed."""

    __slots__ = ("url", "headers", "body", "size", "request", "refused")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[str, str]] = []
        self.body: list[bytes] = []
        self.size = 0
        self.request: Request | None = None
        self.refused = False


class HttpProtocol(asyncio.Protocol):
    """One client connection."""

    def __init__(self, state: HttpServerState) -> None:
        self.state = state
        self.transport: Any = None
        self.parser = httptools.HttpRequestParser(self)
        self.message: _Message | None = None
        self.queue: deque[Request | Response] = deque()   # Response: a parse error to send
        self.busy = False            # a request is being answered (or a stream is open)
        self.paused = False          # the transport's buffer is over its high-water mark
        self.reading = True
        self.closed = False
        self.must_close = False      # after the responses queued so far
        self.expect_pending = False  # a 100 Continue to send once the connection is free
        self.discarding = False      # dropping the rest of a refused body
        self.stream: Any = None
        self.requests = 0
        self.swept_at = -1
        self.answering = False       # inside _next (it is not re-entered)
        self.local_peer = False      # the peer is this machine (decided once, from the socket)

    # --- asyncio.Protocol ---
    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        # the socket's own addresses, never a header a client could write
        self.local_peer = trust.is_local_peer(
            trust.peer_host(transport.get_extra_info("peername")),
            trust.peer_host(transport.get_extra_info("sockname")))
        self.state.connections.add(self)
        if self.state.closing:
            transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.state.connections.discard(self)
        self.queue.clear()
        stream, self.stream = self.stream, None
        if stream is not None:
            stream.lost()

    def pause_writing(self) -> None:
        self.paused = True
        self._pause_reading()

    def resume_writing(self) -> None:
        self.paused = False
        self._resume_reading()
        self._next()

    def eof_received(self) -> bool:
        # the client hung up on an event stream: close (connection_lost ends the stream);
        # any other half-close: answer what was asked, then close
        if self.stream is not None:
            return False
        if self.busy or self.queue:
            self.must_close = True
            return True
        return False

    def data_received(self, data: bytes) -> None:
        if self.discarding:
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            # an upgrade offer (h2c, websocket) is declined: the request is answered as
            # plain HTTP/1.1 and parsing goes on after it
            offset = upgrade.args[0] if upgrade.args else len(data)
            self.parser = httptools.HttpRequestParser(self)
            self.data_received(data[offset:])
            return
        except httptools.HttpParserError as exc:
            if not self.discarding:          # else: a refused body (see _refuse)
                cause = exc.__context__
                reason = str(cause) if isinstance(cause, httptools.HttpParserError) else \
                    str(exc)
                self._parse_failed(reason or type(exc).__name__)
        self._next()

    # --- parser callbacks ---
    def on_message_begin(self) -> None:
        self.message = _Message()

    def on_url(self, url: bytes) -> None:
        message = self.message
        assert message is not None  # httptools calls on_message_begin first
        message.url += url
        message.size += len(url)
        if message.size > MAX_HEAD:
            raise httptools.HttpParserError("request line too long")

    def on_header(self, name: bytes, value: bytes) -> None:
        message = self.message
        assert message is not None  # httptools calls on_message_begin first
        message.size += len(name) + len(value) + 4
        if message.size > MAX_HEAD:
            raise httptools.HttpParserError("request headers too large")
        message.headers.append((name.decode("latin-1"),
                                value.decode("utf-8", "surrogateescape")))

    def on_headers_complete(self) -> None:
        message = self.message
        assert message is not None  # httptools calls on_message_begin first
        parser = self.parser
        version = parser.get_http_version()
        headers = CIMultiDictProxy(CIMultiDict(message.headers))
        request = message.request = Request(
            parser.get_method().decode("ascii", "replace"),
            message.url.decode("utf-8", "surrogateescape"), headers,
            version=(1, 0) if version == "1.0" else (1, 1),
            keep_alive=parser.should_keep_alive(), transport=self.transport,
            local_peer=self.local_peer)
        message.size = 0
        length = headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.state.max_body:
            self._refuse()
        if request.version == (1, 1) and \
                headers.get("Expect", "").lower() == "100-continue":
            if self.busy or self.queue:
                self.expect_pending = True      # after the answers before it
            else:
                self.transport.write(_CONTINUE)

    def on_body(self, body: bytes) -> None:
        message = self.message
        assert message is not None  # httptools calls on_message_begin first
        message.size += len(body)
        if message.size > self.state.max_body:
            self._refuse()
        message.body.append(body)

    def on_message_complete(self) -> None:
        message, self.message = self.message, None
        assert message is not None
        request = message.request
        assert request is not None  # on_headers_complete came before
        body = message.body
        request.body = body[0] if len(body) == 1 else b"".join(body)
        self.expect_pending = False
        self.queue.append(request)
        if len(self.queue) > MAX_QUEUED:
            self._pause_reading()

    # --- refusals ---
    def _refuse(self) -> None:
        """The body is over the limit: answer the 400 (after the answers before it), then
        read and drop what the client still sends for a while, and close."""
        response = self.state.too_big()
        self.queue.append(response)
        self.discarding = True
        self.expect_pending = False
        self.message = None
        raise _Refused

    def _parse_failed(self, reason: str) -> None:
        self.queue.append(self.state.bad_request(reason))
        self._pause_reading()
        self.discarding = True

    # --- answering ---
    def _next(self) -> None:
        """Answer queued requests in order while the connection is free."""
        if self.answering:
            return          # the loop below goes on when the nested call returns
        self.answering = True
        try:
            self._answer_queued()
        finally:
            self.answering = False

    def _answer_queued(self) -> None:
        while self.queue and not self.busy and not self.paused and not self.closed:
            item = self.queue.popleft()
            if isinstance(item, Response):       # a refusal: answer it and close
                self._write_response(item, (1, 1), False, False)
                self._linger()
                return
            self.requests += 1
            self._dispatch(item)
        if self.closed:
            return
        if not self.busy and not self.queue:
            if self.must_close:
                self.close()
                return
            if self.expect_pending and self.message is not None:
                self.expect_pending = False
                self.transport.write(_CONTINUE)
            if not self.reading and not self.paused:
                self._resume_reading()

    def _dispatch(self, request: Request) -> None:
        try:
            result = self.state.handler(request)
        except Exception as exc:
            result = self._on_error(request, exc)
        if type(result) is Response:
            self._finish(request, result)
        elif isinstance(result, StreamStart):
            self._start_stream(request, result)
        else:
            task = _start_task(result)
            if task.done():          # answered without waiting (most requests)
                self._task_done(request, task, False)
            else:
                self.busy = True
                task.add_done_callback(lambda t: self._task_done(request, t, True))

    def _on_error(self, request: Request, exc: Exception) -> Response:
        try:
            return self.state.on_error(request, exc)
        except Exception:          # the error answer itself failed: still answer
            log.exception("answering an error on %s %s failed", request.method,
                          request.raw_path)
            return Response(b'{\n  "error": "Internal error"\n}', 500)

    def _task_done(self, request: Request, task: asyncio.Task, resumed: bool) -> None:
        """The handler's coroutine has its answer (`resumed`: it had to wait for it)."""
        if task.cancelled():
            result = self._on_error(request, RuntimeError("the request was cancelled"))
        elif (exc := task.exception()) is not None:
            error = exc if isinstance(exc, Exception) else RuntimeError(repr(exc))
            result = self._on_error(request, error)
        else:
            result = task.result()
        self.busy = False
        if isinstance(result, StreamStart):
            self._start_stream(request, result)
            return
        self._finish(request, result)
        if resumed:
            self._next()

    def _finish(self, request: Request, response: Response) -> None:
        if request.after is not None:
            response = request.after(request, response)
        keep_alive = request.keep_alive and not self.must_close and not self.state.closing
        self._write_response(response, request.version, keep_alive,
                             request.method == "HEAD")
        if not keep_alive:
            self.must_close = True

    def _write_response(self, response: Response, version: tuple[int, int],
                        keep_alive: bool, head_only: bool) -> None:
        if self.closed:
            return
        minor = version[1]
        if keep_alive:
            connection = b"Connection: keep-alive\r\n" if minor == 0 else b""
        else:
            connection = b"Connection: close\r\n" if minor == 1 else b""
        self.transport.write(response.encode(minor, connection, head_only))

    # --- event streams ---
    def _start_stream(self, request: Request, start: StreamStart) -> None:
        if self.closed:
            start.on_close()
            return
        self.busy = True
        minor = request.version[1]
        chunked = minor == 1
        parts = [_status_line(200, minor), b"Access-Control-Allow-Origin: *\r\n"]
        for name, value in start.headers.items():
            parts.append(f"{name}: {value}\r\n".encode("utf-8", "surrogateescape"))
        parts.append(_clock.date_line())
        if chunked:
            parts.append(b"Transfer-Encoding: chunked\r\n\r\n")
            transport = self.transport
        else:
            parts.append(b"Connection: close\r\n\r\n")
            transport = _Unchunked(self.transport)
            self.must_close = True
        self.transport.write(b"".join(parts))
        transport.write(chunk(start.initial))
        self.stream = _StreamEnd(self, start, chunked)
        # HTTP/1.0 streams are unframed on the way out: every write goes through _Unchunked.
        start.go_live(transport, self.stream.end, _direct_fd(self.transport) if chunked else None)

    def stream_ended(self, clean: bool, chunked: bool) -> None:
        self.stream = None
        self.busy = False
        if self.closed:
            return
        if not clean:
            self.transport.abort()
            return
        if chunked:
            self.transport.write(b"0\r\n\r\n")
        else:
            self.must_close = True
        if self.state.closing:
            self.must_close = True
        # not right here: a stream ends inside the hub (a commit being delivered), where a
        # pipelined write answered synchronously would re-enter the engine's delivery
        asyncio.get_running_loop().call_soon(self._next)

    # --- reading, closing ---
    def _pause_reading(self) -> None:
        if self.reading and not self.closed:
            self.reading = False
            self.transport.pause_reading()

    def _resume_reading(self) -> None:
        if not self.reading and not self.closed and not self.discarding:
            self.reading = True
            self.transport.resume_reading()

    def _linger(self) -> None:
        """After a refusal: stop sending, keep reading (and dropping) for a while so the
        client gets the answer instead of a reset, then close."""
        self.queue.clear()
        transport = self.transport
        if transport.can_write_eof():
            transport.write_eof()
        if not self.reading:
            self.reading = True
            transport.resume_reading()
        asyncio.get_running_loop().call_later(LINGER_S, self.close)

    def idle(self) -> bool:
        return not self.busy and not self.queue and self.message is None

    def sweep(self) -> None:
        if self.idle() and self.swept_at == self.requests:
            self.close()
        self.swept_at = self.requests

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.transport.close()


class _StreamEnd:
    """Connects a stream's end to its connection, once."""

    __slots__ = ("conn", "start", "chunked", "over")

    def __init__(self, conn: HttpProtocol, start: StreamStart, chunked: bool) -> None:
        self.conn = conn
        self.start = start
        self.chunked = chunked
        self.over = False

    def end(self, clean: bool) -> None:
        if self.over:
            return
        self.over = True
        try:
            self.start.on_close()
        finally:
            if self.conn.stream is self:
                self.conn.stream_ended(clean, self.chunked)

    def lost(self) -> None:
        """The client went away: the owner must forget the stream."""
        self.end(False)


class _Refused(Exception):
    """Stops the parser after a refused body (surfaces as an HttpParserCallbackError)."""


def create_protocol_factory(state: HttpServerState) -> Callable[[], HttpProtocol]:
    return lambda: HttpProtocol(state)
