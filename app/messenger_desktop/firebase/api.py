"""The `api` Cloud Function: register and log in with email and password.

Both return {user_id, custom_token}; refusals come back as JSON {"detail": "..."} whose text is
already written for people ("Wrong email or password."), so it is shown as is.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from PySide6.QtCore import QCoreApplication

from ..errors import ApiError, Unreachable, server_problem, server_text

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls


@dataclass(frozen=True)
class Credentials:
    user_id: str
    custom_token: str


class AccountsApi:
    def __init__(self, functions_url: str, timeout: float = 15.0) -> None:
        self._base = functions_url.rstrip("/")
        self._timeout = timeout

    async def register(self, email: str, password: str) -> Credentials:
        return await self._post("/register", email, password)

    async def login(self, email: str, password: str) -> Credentials:
        return await self._post("/login", email, password)

    async def _post(self, route: str, email: str, password: str) -> Credentials:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                response = await client.post(
                    self._base + route, json={"email": email, "password": password}
                )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.ReadTimeout) as exc:
            raise Unreachable() from exc
        except httpx.HTTPError as exc:
            raise Unreachable() from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            if isinstance(detail, list):  # validation lists: take the first message
                detail = detail[0].get("msg") if detail and isinstance(detail[0], dict) else None
            if isinstance(detail, str) and detail:
                raise ApiError(server_text(detail), response.status_code)
            if response.status_code == 404:
                text = translate("Errors", "The sign-in service was not found at {0}.")
                raise ApiError(text.format(self._base), 404)
            raise ApiError(server_problem(response.status_code), response.status_code)
        if not isinstance(body, dict) or "custom_token" not in body:
            text = translate("Errors", "The server sent an answer this app does not understand.")
            raise ApiError(text, 502)
        return Credentials(str(body.get("user_id", "")), str(body["custom_token"]))
