"""A fake network for the client's unit tests, in the style of httpx.MockTransport.

`FakeTransport` is a requests transport adapter: mounted where the app mounts its own (the
`transport` argument of `make_app`), it answers pyrebase4's real requests from a handler in
the test's process, so the app's code, pyrebase4 and requests all run for real, in
milliseconds, without a socket. `MemoryDatabase` is such a handler: a Realtime Database REST
API over a dict, with server timestamps, create-only message ids (as the rules have it), and
switches for being offline, refusing a path, or calling a token expired.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
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
class MemoryDatabase:
    """The database REST API over a dict (paths end in .json; ?auth= is the ID token)."""

    tree: dict[str, Any] = field(default_factory=dict)
    now_ms: float = 1_700_000_000_000.0
    offline: bool = False
    refused: set[str] = field(default_factory=set)  # path prefixes the "rules" refuse
    expired: set[str] = field(default_factory=set)  # ID tokens answered as expired
    tokens_seen: list[str | None] = field(default_factory=list)

    def __call__(self, seen: Seen) -> Answer:
        if self.offline:
            raise requests.ConnectionError("the fake network is down")
        token = seen.query.get("auth")
        self.tokens_seen.append(token)
        if token in self.expired:
            return 401, {"error": "Auth token is expired"}
        path = seen.path.removesuffix(".json")
        keys = _split(path)
        if any(path.strip("/").startswith(p) for p in self.refused):
            return 401, {"error": "Permission denied"}
        if seen.method == "GET":
            return 200, self._query(self.get(keys), seen.query)
        if seen.method == "PUT":
            # messages/{chat}/{id} are create-only, as in database.rules.json
            if len(keys) == 3 and keys[0] == "messages" and self.get(keys) is not None:
                return 401, {"error": "Permission denied"}
            value = self._resolve(seen.json)
            self.set(keys, value)
            return 200, value
        if seen.method == "PATCH":
            for child, value in (seen.json or {}).items():
                self.set(keys + _split(child), self._resolve(value))
            return 200, self._resolve(seen.json)
        if seen.method == "DELETE":
            self.set(keys, None)
            return 200, None
        return 405, {"error": "method not allowed"}

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
