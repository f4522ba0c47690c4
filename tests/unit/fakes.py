"""A fake network for the client's unit tests, in the style of httpx.MockTransport.

`FakeTransport` is a requests transport adapter: mounted where the app mounts its own (the
`transport` argument of `make_app`), it answers pyrebase4's real requests from a handler in
the test's process, so the app's code, pyrebase4 and requests all run for real, in
milliseconds, without a socket. `MemoryDatabase` is such a handler: a Realtime Database REST
API over a dict, with server timestamps, create-only message ids (as the rules have it), and
switches for being offline, refusing a path, or calling a token expired; its `streams` is an
httpx.MockTransport that serves the same tree as live event streams (a `put` of the location,
then a `put` per write). `FakeAuth` answers custom-token sign-in and token refresh.
`FakeFirebase` puts the three behind one config.
"""

from __future__ import annotations

import asyncio
import base64
import io
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import requests
from messenger_desktop.config import ClientConfig
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import HTTPResponse


@dataclass
class Seen:
    """One request as the fake saw it."""

    method: str
    url: str
    path: str
    query: dict[str, str]
    json: Any


Answer = tuple[int, Any]  # (status, JSON body)
Handler = Callable[[Seen], Answer]


@dataclass
class _Route:
    method: str
    path: str
    answer: Handler


class FakeTransport(BaseAdapter):
    """Answers every request with `handler(seen)`, or with a route registered by `on()`."""

    def __init__(self, handler: Handler | None = None) -> None:
        super().__init__()
        self.handler = handler
        self.routes: list[_Route] = []
        self.requests: list[Seen] = []

    def on(self, method: str, path: str, body: Any = None, status: int = 200,
           handler: Handler | None = None) -> None:
        """Answer `method path` (the URL's path) with `body`, or with `handler(seen)`."""
        self.routes.append(_Route(method, path, handler or (lambda _seen: (status, body))))

    def send(self, request: requests.PreparedRequest, **_kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        body = request.body
        if isinstance(body, bytes):
            body = body.decode("utf-8")
        seen = Seen(request.method or "", request.url or "", parts.path,
                    dict(parse_qsl(parts.query)), json.loads(body) if body else None)
        self.requests.append(seen)
        status, doc = self._answer(seen)
        raw = HTTPResponse(body=io.BytesIO(json.dumps(doc).encode()), status=status,
                           headers={"content-type": "application/json"},
                           preload_content=False)
        return HTTPAdapter().build_response(request, raw)

    def _answer(self, seen: Seen) -> Answer:
        for route in reversed(self.routes):  # the latest registration wins
            if route.method == seen.method and route.path == seen.path:
                return route.answer(seen)
        if self.handler is not None:
            return self.handler(seen)
        return 404, {"error": f"no fake for {seen.method} {seen.path}"}

    def close(self) -> None:
        pass


def _split(path: str) -> list[str]:
    return [p for p in path.strip("/").split("/") if p]


@dataclass
class _Stream:
    keys: list[str]
    queue: asyncio.Queue


def _sse(kind: str, path: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'path': path, 'data': data})}\n\n".encode()


@dataclass
class MemoryDatabase:
    """The database REST API over a dict (paths end in .json; ?auth= is the ID token)."""

    tree: dict[str, Any] = field(default_factory=dict)
    now_ms: float = 1_700_000_000_000.0
    offline: bool = False
    refused: set[str] = field(default_factory=set)  # path prefixes the "rules" refuse
    expired: set[str] = field(default_factory=set)  # ID tokens answered as expired
    tokens_seen: list[str | None] = field(default_factory=list)
    open_streams: list[_Stream] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.streams = httpx.MockTransport(self._stream)

    def _refusal(self, path: str, token: str | None) -> Answer | None:
        if token in self.expired:
            return 401, {"error": "Auth token is expired"}
        if any(path.strip("/").startswith(p) for p in self.refused):
            return 401, {"error": "Permission denied"}
        return None

    def __call__(self, seen: Seen) -> Answer:
        if self.offline:
            raise requests.ConnectionError("the fake network is down")
        token = seen.query.get("auth")
        self.tokens_seen.append(token)
        path = seen.path.removesuffix(".json")
        keys = _split(path)
        refusal = self._refusal(path, token)
        if refusal is not None:
            return refusal
        if seen.method == "GET":
            return 200, self._query(self.get(keys), seen.query)
        if seen.method == "PUT":
            # messages/{chat}/{id} are create-only, as in database.rules.json
            if len(keys) == 3 and keys[0] == "messages" and self.get(keys) is not None:
                return 401, {"error": "Permission denied"}
            value = self._resolve(seen.json)
            self.write(keys, value)
            return 200, value
        if seen.method == "PATCH":
            for child, value in (seen.json or {}).items():
                self.write(keys + _split(child), self._resolve(value))
            return 200, self._resolve(seen.json)
        if seen.method == "DELETE":
            self.write(keys, None)
            return 200, None
        return 405, {"error": "method not allowed"}

    def write(self, keys: list[str] | str, value: Any) -> None:
        """Set a location (None deletes it) and tell the open streams, as the server does."""
        keys = _split(keys) if isinstance(keys, str) else keys
        self.set(keys, value)
        for stream in self.open_streams:
            n = len(stream.keys)
            if keys[:n] == stream.keys:
                stream.queue.put_nowait(("put", "/" + "/".join(keys[n:]), value))
            elif stream.keys[:len(keys)] == keys:
                stream.queue.put_nowait(("put", "/", self.get(stream.keys)))

    async def _stream(self, request: httpx.Request) -> httpx.Response:
        if self.offline:
            raise httpx.ConnectError("the fake network is down", request=request)
        path = request.url.path.removesuffix(".json")
        query = dict(request.url.params)
        refusal = self._refusal(path, query.get("auth"))
        if refusal is not None:
            return httpx.Response(refusal[0], json=refusal[1])
        stream = _Stream(_split(path), asyncio.Queue())
        self.open_streams.append(stream)

        async def events():
            try:
                yield _sse("put", "/", self._query(self.get(stream.keys), query))
                while True:
                    yield _sse(*await stream.queue.get())
            finally:
                self.open_streams.remove(stream)

        return httpx.Response(200, headers={"content-type": "text/event-stream"},
                              content=events())

    def get(self, keys: list[str]) -> Any:
        node: Any = self.tree
        for key in keys:
            if not isinstance(node, dict) or key not in node:
                return None
            node = node[key]
        return node

    def set(self, keys: list[str], value: Any) -> None:
        if not keys:
            self.tree = value if isinstance(value, dict) else {}
            return
        node = self.tree
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value

    def _resolve(self, value: Any) -> Any:
        if value == {".sv": "timestamp"}:
            return self.now_ms
        if isinstance(value, dict):
            return {k: self._resolve(v) for k, v in value.items()}
        return value

    @staticmethod
    def _query(value: Any, query: dict[str, str]) -> Any:
        """orderBy="$key" with limitToLast / endAt / startAt: what the chat's pages use."""
        if not isinstance(value, dict) or query.get("orderBy") != '"$key"':
            return value
        keys = sorted(value)
        if "startAt" in query:
            keys = [k for k in keys if k >= json.loads(query["startAt"])]
        if "endAt" in query:
            keys = [k for k in keys if k <= json.loads(query["endAt"])]
        if "limitToLast" in query:
            keys = keys[-int(query["limitToLast"]):]
        return {k: value[k] for k in keys}


_token_serial = itertools.count()


def fake_id_token(uid: str, ttl: float) -> str:
    """An unsigned JWT with the claims the client reads (uid, iat, exp), each one unique."""
    def part(doc: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    now = int(time.time())
    claims = {"user_id": uid, "iat": now, "exp": now + ttl, "n": next(_token_serial)}
    return f"{part({'alg': 'none'})}.{part(claims)}.x"


@dataclass
class FakeAuth:
    """Custom-token sign-in (the custom token is the uid) and refresh-token exchange."""

    ttl: float = 3600
    revoked: set[str] = field(default_factory=set)  # refresh tokens the server refuses
    offline: bool = False
    refreshes: int = 0
    _serial: Any = field(default_factory=itertools.count)

    def _tokens(self, uid: str) -> tuple[str, str]:
        return fake_id_token(uid, self.ttl), f"refresh-{uid}-{next(self._serial)}"

    def __call__(self, seen: Seen) -> Answer:
        if self.offline:
            raise requests.ConnectionError("the fake network is down")
        body = seen.json or {}
        if seen.path.endswith("verifyCustomToken"):
            id_token, refresh = self._tokens(body["token"])
            return 200, {"idToken": id_token, "refreshToken": refresh,
                         "expiresIn": str(int(self.ttl))}
        refresh = body.get("refreshToken", "")
        if refresh in self.revoked or not refresh.startswith("refresh-"):
            return 400, {"error": {"code": 400, "message": "INVALID_REFRESH_TOKEN"}}
        self.refreshes += 1
        uid = refresh.split("-")[1]
        id_token, new_refresh = self._tokens(uid)
        return 200, {"user_id": uid, "id_token": id_token, "refresh_token": new_refresh,
                     "expires_in": str(int(self.ttl))}


class FakeFirebase:
    """Auth and database behind one project config; `transport` goes to `AuthSession`,
    `database.streams` to `MessengerClient(stream_transport=...)`."""

    def __init__(self, ttl: float = 3600) -> None:
        self.auth = FakeAuth(ttl)
        self.database = MemoryDatabase()
        self.transport = FakeTransport(self._route)
        self.config = ClientConfig(api_key="key", project_id="demo",
                                   database_url="https://demo.firebaseio.test",
                                   functions_url="https://functions.test/api")

    def _route(self, seen: Seen) -> Answer:
        host = urlsplit(seen.url).hostname or ""
        return self.auth(seen) if host.endswith("googleapis.com") else self.database(seen)
