"""A lean HTTP transport for firebase-admin's database client, for plain-HTTP URLs only.

firebase-admin sends every database call through google-auth's ``AuthorizedSession`` (a
``requests.Session``). Measured on the development machine, one conditional PUT costs about
1.6 ms of CPU that way, most of it in ``requests`` itself (environment proxy lookups on every
call, request preparation, urllib3's pool and retry objects, ``email``-based header parsing),
against ~0.2 ms for the HTTP exchange proper. The trigger makes two such calls per message.

``install(client)`` wraps the session of a firebase-admin database client so that requests to
``http://`` URLs (only the local Database emulator is ever plain HTTP) go over one persistent
HTTP/1.1 connection per thread, built and parsed here; everything else (``https://``
production URLs, streaming, unexpected arguments) is passed to the original session unchanged.
firebase-admin still builds every request and interprets every answer: the fast path returns
real ``requests.Response`` objects and raises ``requests`` exceptions, so its error handling,
``raise_for_status`` and ETag logic are untouched. Credentials are applied by google-auth as
before (``credentials.apply``); an invalid credential goes through the original session, which
refreshes it. 500 and 503 answers are retried like firebase-admin's default urllib3 policy
(4 retries, backoff 0.5 s doubling, ``Retry-After`` honoured).
"""

from __future__ import annotations

import json as jsonlib
import socket
import threading
import time
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers, requote_uri

RETRY_STATUSES = (500, 503)
MAX_STATUS_RETRIES = 4
BACKOFF_FACTOR = 0.5
MAX_BACKOFF = 120.0
_FAST_KWARGS = frozenset({"data", "json", "headers", "params", "timeout"})


class _Connection:
    """One keep-alive HTTP/1.1 connection (used by one thread at a time)."""

    def __init__(self, host: str, port: int, timeout: float | None) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.reader = self.sock.makefile("rb")
        self.used = False

    def close(self) -> None:
        for closing in (self.reader.close, self.sock.close):
            try:
                closing()
            except OSError:
                pass

    def exchange(self, head: bytes, body: bytes, timeout: float | None
                 ) -> tuple[int, str, list[tuple[str, str]], bytes, bool]:
        self.sock.settimeout(timeout)
        self.sock.sendall(head + body if len(body) < 65536 else head)
        if len(body) >= 65536:
            self.sock.sendall(body)
        status_line = self.reader.readline(65537)
        if not status_line:
            raise ConnectionResetError("the server closed the connection")
        parts = status_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise ConnectionError(f"bad status line {status_line!r}")
        status = int(parts[1])
        reason = parts[2] if len(parts) > 2 else ""
        headers: list[tuple[str, str]] = []
        length = None
        chunked = False
        keep = parts[0] == "HTTP/1.1"
        while True:
            line = self.reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip(), value.strip()
            headers.append((name, value))
            lower = name.lower()
            if lower == "content-length":
                length = int(value)
            elif lower == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif lower == "connection":
                keep = value.lower() != "close"
        if chunked:
            content = self._read_chunked()
        elif length is not None:
            content = self.reader.read(length)
            if len(content) != length:
                raise ConnectionResetError("the server closed the connection mid-answer")
        elif status in (204, 304) or 100 <= status < 200:
            content = b""
        else:
            content = self.reader.read()
            keep = False
        self.used = True
        return status, reason, headers, content, keep

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size_line = self.reader.readline(65537)
            if not size_line:
                raise ConnectionResetError("the server closed the connection mid-answer")
            size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.reader.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.reader.read(size))
            self.reader.readline(65537)


class FastSession:
    """Stands in for firebase-admin's AuthorizedSession; see the module docstring."""

    def __init__(self, session: Any) -> None:
        self.original = session
        self._local = threading.local()

    def __getattr__(self, name: str) -> Any:  # headers, credentials, mount, ...
        return getattr(self.original, name)

    def close(self) -> None:
        self.original.close()

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        credentials = getattr(self.original, "credentials", None)
        if (not url.startswith("http://") or not set(kwargs) <= _FAST_KWARGS
                or credentials is None or not credentials.valid):
            return self.original.request(method, url, **kwargs)
        params = kwargs.get("params")
        if params:
            if not isinstance(params, str):
                return self.original.request(method, url, **kwargs)
            url = f"{url}{'&' if '?' in url else '?'}{params}"
        url = requote_uri(url)
        headers = dict(self.original.headers)
        headers.update(kwargs.get("headers") or {})
        credentials.apply(headers)
        body = kwargs.get("data")
        if kwargs.get("json") is not None and body is None:
            body = jsonlib.dumps(kwargs["json"], allow_nan=False).encode()
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        elif body is not None and not isinstance(body, bytes):
            return self.original.request(method, url, **kwargs)
        body = body or b""
        timeout = kwargs.get("timeout")
        if isinstance(timeout, tuple):
            timeout = timeout[1]
        return self._send(method.upper(), url, headers, body, timeout)

    def _send(self, method: str, url: str, headers: dict[str, str], body: bytes,
              timeout: float | None) -> requests.Response:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in headers.items() if k.lower() not in
                  ("host", "content-length", "connection", "transfer-encoding")]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        retries = 0
        while True:
            status, reason, answer_headers, content = self._exchange(
                (host, port), head, body, timeout, url)
            if status not in RETRY_STATUSES or retries >= MAX_STATUS_RETRIES:
                break
            retries += 1
            after = CaseInsensitiveDict(answer_headers).get("Retry-After", "")
            delay = (float(after) if after.isdigit() else
                     0.0 if retries == 1 else min(BACKOFF_FACTOR * 2 ** (retries - 1),
                                                  MAX_BACKOFF))
            time.sleep(delay)
        response = requests.Response()
        response.status_code = status
        response.reason = reason
        response.headers = CaseInsensitiveDict(answer_headers)
        response._content = content  # noqa: SLF001 - a fully read body, as requests stores it
        response._content_consumed = True  # noqa: SLF001
        response.url = url
        response.encoding = get_encoding_from_headers(response.headers)
        sent = requests.PreparedRequest()
        sent.method, sent.url, sent.headers = method, url, CaseInsensitiveDict(headers)
        response.request = sent
        return response

    def _exchange(self, where: tuple[str, int], head: bytes, body: bytes,
                  timeout: float | None, url: str
                  ) -> tuple[int, str, list[tuple[str, str]], bytes]:
        pool = self._local.__dict__.setdefault("connections", {})
        for attempt in (1, 2):
            connection = pool.pop(where, None)
            reused = connection is not None
            try:
                if connection is None:
                    connection = _Connection(where[0], where[1], timeout)
                status, reason, headers, content, keep = connection.exchange(head, body,
                                                                             timeout)
            except TimeoutError as e:
                if connection is not None:
                    connection.close()
                raise requests.exceptions.ReadTimeout(e, request=None) from None
            except (OSError, ValueError) as e:
                if connection is not None:
                    connection.close()
                # A kept-alive connection the server closed meanwhile: try once on a new one.
                if reused and attempt == 1:
                    continue
                raise requests.exceptions.ConnectionError(
                    f"{type(e).__name__}: {e} ({url.split('?')[0]})") from None
            if keep:
                pool[where] = connection
            else:
                connection.close()
            return status, reason, headers, content
        raise AssertionError("unreachable")


def install(client: Any) -> bool:
    """Wrap a firebase-admin ``db`` client's session (once); False if its shape is unknown."""
    session = getattr(client, "_session", None)
    if session is None or isinstance(session, FastSession):
        return session is not None
    if not hasattr(session, "credentials") or not hasattr(session, "headers"):
        return False
    client._session = FastSession(session)  # noqa: SLF001 - firebase-admin has no hook for it
    return True
