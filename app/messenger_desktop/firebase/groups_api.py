"""The `api` function's group routes (issue 15): create, rename, add, remove, leave, get.

Membership is written only by the API (the rules let no client write `chats/{groupId}`), so
the app asks it, signed in with the ID token as a Bearer header. Refusals come back as
`{"detail": "..."}`, a sentence for people ("Only the group's owner and admins may do this."),
shown translated; a 401 gets one fresh token and one more try.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from PySide6.QtCore import QCoreApplication

from ..errors import ApiError, Unreachable, server_problem, server_text

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

TokenSource = Callable[[bool], Awaitable[str | None]]  # force_refresh -> ID token


class GroupsApi:
    def __init__(self, functions_url: str, tokens: TokenSource, timeout: float = 15.0) -> None:
        self._base = functions_url.rstrip("/")
        self._tokens = tokens
        self._timeout = timeout

    async def create_group(self, name: str, members: list[str]) -> str:
        answer = await self._call("POST", "/create_group", {"name": name, "members": members})
        chat_id = answer.get("chat_id") if isinstance(answer, dict) else None
        if not isinstance(chat_id, str):
            raise ApiError(translate("Errors",
                                     "The server sent an answer this app does not understand."),
                           502)
        return chat_id

    async def rename_group(self, chat_id: str, name: str) -> None:
        await self._call("POST", "/rename_group", {"chat_id": chat_id, "name": name})

    async def set_group_avatar(self, chat_id: str, path: str) -> None:
        await self._call("POST", "/set_group_avatar", {"chat_id": chat_id, "path": path})

    async def add_members(self, chat_id: str, members: list[str]) -> None:
        await self._call("POST", "/add_members", {"chat_id": chat_id, "members": members})

    async def remove_member(self, chat_id: str, uid: str) -> None:
        await self._call("POST", "/remove_member", {"chat_id": chat_id, "user_id": uid})

    async def set_role(self, chat_id: str, uid: str, role: str) -> None:
        """The owner makes a member an admin ("admin") or back ("member")."""
        await self._call("POST", "/set_role", {"chat_id": chat_id, "user_id": uid, "role": role})

    async def leave_group(self, chat_id: str) -> None:
        await self._call("POST", "/leave_group", {"chat_id": chat_id})

    async def get_chat(self, chat_id: str) -> dict[str, Any]:
        answer = await self._call("GET", "/get_chat", params={"chat_id": chat_id})
        return answer if isinstance(answer, dict) else {}

    async def _call(self, method: str, route: str, body: dict[str, Any] | None = None,
                    params: dict[str, str] | None = None) -> Any:
        for attempt in (0, 1):
            token = await self._tokens(attempt == 1)
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            try:
                async with httpx.AsyncClient(timeout=self._timeout) as client:
                    response = await client.request(method, self._base + route, json=body,
                                                     params=params, headers=headers)
            except httpx.HTTPError as exc:
                raise Unreachable() from exc
            if response.status_code == 401 and attempt == 0:
                continue  # an expired token: a fresh one, once
            try:
                answer = response.json()
            except ValueError:
                answer = None
            if response.status_code >= 400:
                detail = answer.get("detail") if isinstance(answer, dict) else None
                if isinstance(detail, list):  # validation lists: the first message
                    detail = detail[0].get("msg") if detail and isinstance(detail[0], dict) \
                        else None
                if isinstance(detail, str) and detail:
                    raise ApiError(server_text(detail), response.status_code)
                raise ApiError(server_problem(response.status_code), response.status_code)
            return answer
        raise Unreachable()
