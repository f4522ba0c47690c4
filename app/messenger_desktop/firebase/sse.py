"""One streaming listener on a database location, read incrementally with httpx + httpx-sse.

Not pyrebase4's `stream()`: it re-scans its whole buffer with a regex for every character and
needed minutes for a 0.3 MB initial snapshot. httpx decodes lines incrementally, so the cost of
an event is linear in its size (bench/client_sse_parse.py measures it).

The listener reconnects by itself: after a network loss or a server restart it retries with
exponential backoff (with jitter, so many clients do not reconnect in lockstep); after
`auth_revoked` or a 401 it asks for a fresh ID token first. Every (re)connection starts with a
`put` of the whole location, which the owner treats as the new truth, so nothing is missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from typing import Any

import httpx
from httpx_sse import aconnect_sse

from ..errors import UserFacingError
from .session import token_expired

log = logging.getLogger(__name__)

EventHandler = Callable[[str, str, Any], None]  # (event "put"|"patch", path, data)
TokenSource = Callable[[bool], Awaitable[str | None]]  # force_refresh -> ID token

# A live stream gets a keep-alive at least every 30 s (Firebase); silence beyond this means
# the connection is dead even if the socket has not noticed yet (laptop sleep, Wi-Fi change).
READ_TIMEOUT_S = 75.0
BACKOFF_START_S = 0.2
BACKOFF_MAX_S = 8.0


class StreamDenied(Exception):
    """The server refused the location (rules): retrying will not help until something changes."""


def stream_url(database_url: str, path: str) -> str:
    return f"{database_url.rstrip('/')}/{path.strip('/')}.json"


def encode_query(query: dict[str, Any]) -> dict[str, str]:
    """Firebase wants JSON-encoded values: orderBy="$key", startAt="abc", limitToLast=50."""
    return {k: json.dumps(v) for k, v in query.items()}


class Listener:
    """Keeps one SSE connection open on `path` and hands each event to `handler`."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        database_url: str,
        path: str,
        handler: EventHandler,
        tokens: TokenSource,
        *,
        query: dict[str, Any] | None = None,
        extra_params: dict[str, str] | None = None,
        on_state: Callable[[Listener, bool], None] | None = None,
        on_denied: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self._on_denied = on_denied  # the rules refused the location (or stopped allowing it)
        self.query = dict(query or {})
        self._client = client
        self._url = stream_url(database_url, path)
        self._params = dict(extra_params or {})
        self._handler = handler
        self._tokens = tokens
        self._on_state = on_state
        self._task: asyncio.Task | None = None
        self._closed = False
        self._wake = asyncio.Event()
        self.connected = False
        self.denied: str | None = None

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.ensure_future(self._run())

    def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._set_connected(False)

    async def aclose(self) -> None:
        """Close and wait until the connection is really released."""
        task = self._task
        self.close()
        if task is not None:
            try:
                await task
            except (asyncio.CancelledError, Exception):
                pass

    def reopen(self) -> None:
        """Reconnect now (a fresh token): the new connection's first `put` resyncs the data.

        A listener that is not connected is left alone: its next attempt asks for the token
        anyway, and cancelling it mid-attempt would only delay it.
        """
        if self._closed or not self.connected:
            return
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.ensure_future(self._run())

    def wake(self) -> None:
        """The server answered something else: retry now instead of at the next backoff step
        (which may be seconds away after a long outage)."""
        self._wake.set()

    def _set_connected(self, value: bool) -> None:
        if value != self.connected:
            self.connected = value
            if self._on_state is not None:
                self._on_state(self, value)

    async def _run(self) -> None:
        delay = BACKOFF_START_S
        force_refresh = False
        while not self._closed:
            try:
                token = await self._tokens(force_refresh)
                force_refresh = False
                outcome = await self._connect_once(token)
                if outcome == "auth":
                    force_refresh = True
                    continue  # a fresh token, then straight back
                delay = BACKOFF_START_S if outcome == "closed" else delay
            except asyncio.CancelledError:
                raise
            except StreamDenied as exc:
                first = self.denied is None
                self.denied = str(exc)
                log.info("stream %s denied: %s", self.path, exc)
                if first and not self.connected and self._on_state is not None:
                    # Not a connection problem: the hub counts it out now (else a new
                    # listener refused from the start would keep the banner up).
                    self._on_state(self, False)
                if first and self._on_denied is not None:
                    self._on_denied(self.denied)  # e.g. removed from a group: its `cancel`
            except (httpx.HTTPError, OSError, ValueError, UserFacingError) as exc:
                log.debug("stream %s lost: %r", self.path, exc)
            except Exception:  # a bad token source must not kill the listener for good
                log.exception("stream %s failed", self.path)
            if self.connected:
                delay = BACKOFF_START_S  # it worked until now: retry quickly first
            self._set_connected(False)
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), delay * (0.5 + random.random()))
            except TimeoutError:
                pass
            delay = min(delay * 2, BACKOFF_MAX_S)

    async def _connect_once(self, token: str | None) -> str:
        params = {**self._params, **encode_query(self.query)}
        if token:
            params["auth"] = token
        timeout = httpx.Timeout(10.0, read=READ_TIMEOUT_S)
        async with aconnect_sse(
            self._client, "GET", self._url, params=params, timeout=timeout
        ) as source:
            status = source.response.status_code
            if status == 401:
                body = (await source.response.aread()).decode("utf-8", "replace")
                if token_expired(status, body):
                    return "auth"
                raise StreamDenied(body)
            if status != 200:
                body = (await source.response.aread()).decode("utf-8", "replace")
                raise httpx.HTTPStatusError(
                    f"stream answered {status}: {body[:200]}",
                    request=source.response.request,
                    response=source.response,
                )
            self.denied = None
            self._set_connected(True)
            # aclosing: a cancelled listener closes its generator now, not in the GC later.
            async with aclosing(source.aiter_sse()) as events:
                outcome = await self._consume(events)
                if outcome:
                    return outcome
        return "closed"

    async def _consume(self, events) -> str | None:
        async for sse in events:
            kind = sse.event
            if kind in ("put", "patch"):
                payload = json.loads(sse.data)
                self._handler(kind, payload.get("path", "/"), payload.get("data"))
            elif kind == "auth_revoked":
                return "auth"
            elif kind == "cancel":
                # Data is a cause ("Permission denied.") or null, depending on the docs
                # page: both mean this location is no longer readable.
                raise StreamDenied(sse.data or "cancelled")
            # keep-alive: nothing to do, the read timeout is what it resets
        return None
