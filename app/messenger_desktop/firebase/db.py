"""Plain database reads and writes through pyrebase4's REST client, off the UI thread.

Each call builds a fresh pyrebase `Database` object: its query builder keeps state between
chained calls, so sharing one across worker threads would mix up concurrent queries.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from ..errors import PermissionDenied, Unreachable
from .pyrebase_app import error_status, is_network_error
from .session import AuthSession, token_expired

log = logging.getLogger(__name__)

SERVER_TIMESTAMP = {".sv": "timestamp"}


def _plain(value: Any) -> Any:
    """pyrebase hands back OrderedDicts, and [] for an empty result: make it plain JSON."""
    if isinstance(value, OrderedDict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list) and not value:
        return None
    return value


class Database:
    def __init__(self, session: AuthSession, executor: Executor | None = None) -> None:
        self._session = session
        self._executor = executor
        # Called after every request the server answered (the client wakes waiting streams).
        self.on_answer: Callable[[], None] | None = None

    async def _call(self, op: str, path: str, value: Any = None, query: dict | None = None) -> Any:
        app = await self._session.app()
        for attempt in (0, 1):
            token = await self._session.id_token(force_refresh=attempt == 1)

            def work(token: str | None = token) -> Any:
                ref = app.database().child(path)
                for name, arg in (query or {}).items():
                    ref = getattr(ref, name)(arg)
                if op == "get":
                    return ref.get(token).val()
                if op == "put":
                    return ref.set(value, token)
                if op == "patch":
                    return ref.update(value, token)
                if op == "delete":
                    return ref.remove(token)
                raise ValueError(op)

            try:
                loop = asyncio.get_running_loop()
                result = _plain(await loop.run_in_executor(self._executor, work))
                if self.on_answer is not None:
                    self.on_answer()
                return result
            except Exception as exc:
                if is_network_error(exc):
                    raise Unreachable() from exc
                status, message = error_status(exc)
                if status == 401 and not token_expired(status, message):
                    raise PermissionDenied() from exc  # the rules refused it
                if token_expired(status, message) and attempt == 0:
                    continue  # a fresh token, once, and the same call again
                log.warning("database %s %s failed: %s %s", op, path, status, message)
                if status >= 500 or status == 0:
                    raise Unreachable() from exc
                raise PermissionDenied() from exc
        raise Unreachable()

    async def get(self, path: str, **query: Any) -> Any:
        """GET with pyrebase query methods, e.g. order_by_key=None is not allowed: pass
        order_by_child="$key", limit_to_last=50, end_at="-Nabc"."""
        return await self._call("get", path, query=query)

    async def put(self, path: str, value: Any) -> Any:
        return await self._call("put", path, value)

    async def patch(self, path: str, value: dict) -> Any:
        return await self._call("patch", path, value)

    async def delete(self, path: str) -> Any:
        return await self._call("delete", path)
