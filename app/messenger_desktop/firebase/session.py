"""The token provider: the signed-in session's ID token, kept fresh by one policy.

Everything that needs an ID token (database calls, streams) asks `AuthSession.id_token()`,
and everything that gets a 401 asks `token_expired()` whether a fresh token would help: the
database answers 401 both for an expired token and for a rules refusal ("Permission denied").

ID tokens live an hour on Firebase (the emulator can be told `--id-token-ttl 5s`). The one
refresh policy (`refresh_at`): refresh at 80 % of the lifetime, at most 5 min early, whether
the background timer gets there first or a caller asks for the token later. After a refresh
the session emits `refreshed`, on which the stream hub reopens its listeners with the new
token: the user sees nothing. If refreshing fails because the network is down, it retries with
backoff; if the server refuses the refresh token, the session has ended (`ended`).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

from ..config import ClientConfig
from ..errors import SessionExpired, Unreachable
from .pyrebase_app import error_status, is_network_error, make_app

log = logging.getLogger(__name__)


@dataclass
class Tokens:
    uid: str
    id_token: str
    refresh_token: str
    expires_at: float  # wall clock seconds
    issued_at: float


def token_claims(id_token: str) -> dict[str, Any]:
    """The JWT payload, unverified: the client only reads its own token's exp/iat/uid."""
    try:
        payload = id_token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError):
        return {}


def make_tokens(uid: str, id_token: str, refresh_token: str, expires_in: Any = None) -> Tokens:
    now = time.time()
    claims = token_claims(id_token)
    exp = claims.get("exp")
    iat = claims.get("iat", now)
    if not isinstance(exp, int | float):
        exp = now + float(expires_in or 3600)
    # Trust durations, not the two clocks: the server's iat may differ from ours.
    lifetime = max(1.0, float(exp) - float(iat))
    uid = uid or str(claims.get("user_id") or claims.get("sub") or "")
    return Tokens(uid, id_token, refresh_token, now + lifetime, now)


def refresh_at(tokens: Tokens) -> float:
    """The one refresh policy: when (wall clock) the ID token is due for a refresh."""
    lifetime = tokens.expires_at - tokens.issued_at
    return tokens.expires_at - min(300.0, lifetime * 0.2)


def refresh_delay(tokens: Tokens) -> float:
    """Seconds until `refresh_at` (at least 0.5 s: a refresh failing fast does not spin)."""
    return max(0.5, refresh_at(tokens) - time.time())


def token_expired(status: int, message: str) -> bool:
    """A database refusal that a fresh ID token fixes (expired or invalid token), as opposed
    to the rules' "Permission denied": both come as 401."""
    return status == 401 and "denied" not in message.lower()


class AuthSession(QObject):
    refreshed = Signal()  # a new ID token is in place
    ended = Signal(str)  # a sentence for the user

    def __init__(self, config: ClientConfig, executor: Executor | None = None,
                 transport: Any = None) -> None:
        """`transport`: a requests adapter for every call (tests pass a fake network)."""
        super().__init__()
        self.config = config
        self._executor = executor
        self._transport = transport
        self._app: Any = None
        self.tokens: Tokens | None = None
        self._refresh_task: asyncio.Task | None = None
        self._refreshing: asyncio.Future | None = None
        self.email = ""

    async def _run(self, fn, *args):
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def app(self) -> Any:
        if self._app is None:
            self._app = await self._run(make_app, self.config, self._transport)
        return self._app

    async def warm_up(self) -> None:
        """Import pyrebase4 in the background while the user types their password."""
        try:
            await self.app()
        except Exception:  # reported properly on first real use
            log.debug("pyrebase warm-up failed", exc_info=True)

    @property
    def uid(self) -> str:
        return self.tokens.uid if self.tokens else ""

    async def sign_in_with_custom_token(self, custom_token: str, uid: str = "") -> Tokens:
        app = await self.app()
        try:
            answer = await self._run(app.auth().sign_in_with_custom_token, custom_token)
        except Exception as exc:
            raise self._translate(exc) from exc
        tokens = make_tokens(
            uid, answer["idToken"], answer["refreshToken"], answer.get("expiresIn")
        )
        self._install(tokens)
        return tokens

    async def resume(self, refresh_token: str) -> Tokens:
        """Silent sign-in with a remembered refresh token."""
        tokens = await self._refresh_once(refresh_token)
        self._install(tokens)
        return tokens

    async def id_token(self, force_refresh: bool = False) -> str | None:
        """The current ID token; a refreshed one when forced (after a 401 that
        `token_expired` says a fresh token fixes) or when due (`refresh_at`)."""
        if self.tokens is None:
            return None
        if force_refresh or time.time() >= refresh_at(self.tokens):
            await self.refresh_now()
        return self.tokens.id_token if self.tokens else None

    async def refresh_now(self) -> None:
        # Concurrent callers (several streams after an auth_revoked) share one refresh.
        if self._refreshing is not None:
            await asyncio.shield(self._refreshing)
            return
        self._refreshing = asyncio.get_running_loop().create_future()
        try:
            if self.tokens is None:
                raise SessionExpired()
            try:
                tokens = await self._refresh_once(self.tokens.refresh_token)
            except SessionExpired as exc:
                self.tokens = None
                self.ended.emit(str(exc))
                raise
            self._install(tokens)
            self.refreshed.emit()
        finally:
            fut, self._refreshing = self._refreshing, None
            fut.set_result(None)

    async def _refresh_once(self, refresh_token: str) -> Tokens:
        app = await self.app()
        try:
            answer = await self._run(app.auth().refresh, refresh_token)
        except Exception as exc:
            raise self._translate(exc) from exc
        return make_tokens(answer["userId"], answer["idToken"], answer["refreshToken"])

    def _translate(self, exc: Exception) -> Exception:
        if is_network_error(exc):
            return Unreachable()
        status, message = error_status(exc)
        log.info("auth refused (%s): %s", status, message)
        if status in (400, 401, 403):
            return SessionExpired()
        return Unreachable()

    def _install(self, tokens: Tokens) -> None:
        self.tokens = tokens
        if self._refresh_task is not None:
            self._refresh_task.cancel()
        self._refresh_task = asyncio.ensure_future(self._refresh_loop())

    async def _refresh_loop(self) -> None:
        backoff = 1.0
        while self.tokens is not None:
            await asyncio.sleep(refresh_delay(self.tokens))
            try:
                await self.refresh_now()
                return  # _install started the next loop
            except asyncio.CancelledError:
                raise
            except SessionExpired:
                return  # refresh_now has told the app
            except Exception:
                # Offline: keep trying; streams reconnect once a token comes back.
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def close(self) -> None:
        if self._refresh_task is not None:
            self._refresh_task.cancel()
            self._refresh_task = None
        self.tokens = None
