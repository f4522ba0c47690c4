"""StreamHub: the one place that owns every streaming listener of a signed-in session.

It shares one httpx client (one connection pool), gives each listener the session's current
ID token, reopens them all when the token is refreshed, and turns their individual states into
one "connected / connecting" signal for the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from PySide6.QtCore import QObject, Signal

from .sse import EventHandler, Listener, TokenSource


class StreamHub(QObject):
    connection_changed = Signal(bool)  # True when every open listener is connected

    def __init__(
        self,
        database_url: str,
        tokens: TokenSource,
        extra_params: dict[str, str] | None = None,
        parent: QObject | None = None,
        transport: httpx.AsyncBaseTransport | None = None,  # tests: a fake network
    ) -> None:
        super().__init__(parent)
        self._database_url = database_url
        self._tokens = tokens
        self._extra = dict(extra_params or {})
        # No pool limit: each listener holds one long-lived connection.
        self._client = httpx.AsyncClient(
            follow_redirects=True,  # Firebase may answer a stream with a 307 to another host
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=0),
            transport=transport,
        )
        self._listeners: list[Listener] = []
        self._connected = True

    @property
    def connected(self) -> bool:
        return self._connected

    def listen(
        self, path: str, handler: EventHandler, query: dict[str, Any] | None = None,
        on_denied: Callable[[str], None] | None = None,
    ) -> Listener:
        listener = Listener(
            self._client,
            self._database_url,
            path,
            handler,
            self._tokens,
            query=query,
            extra_params=self._extra,
            on_state=self._on_state,
            on_denied=on_denied,
        )
        self._listeners.append(listener)
        listener.start()
        self._update()
        return listener

    def unlisten(self, listener: Listener) -> None:
        listener.close()
        if listener in self._listeners:
            self._listeners.remove(listener)
        self._update()

    def reopen_all(self) -> None:
        """After a token refresh: new connections with the new token; data resyncs by `put`."""
        for listener in self._listeners:
            listener.reopen()

    async def aclose(self) -> None:
        listeners, self._listeners = list(self._listeners), []
        for listener in listeners:
            await listener.aclose()
        await self._client.aclose()

    def retry_now(self) -> None:
        """The server is reachable again (a request just succeeded): every listener still
        waiting out its backoff reconnects now, so the banner goes within a second."""
        for listener in self._listeners:
            if not listener.connected:
                listener.wake()

    def _on_state(self, _listener: Listener, value: bool) -> None:
        if value:
            self.retry_now()  # one got through: the others need not wait for their turn
        self._update()

    def _update(self) -> None:
        # A listener refused by the rules is not a connection problem: leave it out.
        state = all(lst.connected or lst.denied for lst in self._listeners)
        if state != self._connected:
            self._connected = state
            self.connection_changed.emit(state)
