"""The Firebase Storage REST API (`/v0/b/BUCKET/o`), as Firebase's client SDKs use it.

Uploads stream the file in chunks (progress after each, cancel by cancelling the task);
downloads stream to a file. Every call carries `Authorization: Firebase ID_TOKEN`; a 401 that
a fresh token fixes is retried once with one. Against the emulator the base URL is
`http://HOST:9199`, against Google `https://firebasestorage.googleapis.com`: nothing else differs.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from PySide6.QtCore import QCoreApplication

from ..errors import SessionExpired, Unreachable, UserFacingError

translate = QCoreApplication.translate
log = logging.getLogger(__name__)

CHUNK = 512 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=10.0)

TokenSource = Callable[..., Awaitable[str | None]]
Progress = Callable[[int], None]


class NotAvailable(UserFacingError):
    """The object is gone (deleted by its sender): "file no longer available"."""

    def __init__(self) -> None:
        super().__init__(translate("Attachments", "This file is no longer available."))


class StorageRefused(UserFacingError):
    """The server refused the upload or download (rules, size, type, name)."""


class StorageApi:
    def __init__(self, base_url: str, bucket: str, id_token: TokenSource,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._base = f"{base_url.rstrip('/')}/v0/b/{bucket}/o"
        self._id_token = id_token
        self._client = httpx.AsyncClient(timeout=TIMEOUT, transport=transport)

    def object_url(self, path: str) -> str:
        return f"{self._base}/{quote(path, safe='')}"

    async def _headers(self, fresh: bool) -> dict[str, str]:
        token = await self._id_token(force_refresh=fresh) if fresh else await self._id_token()
        if not token:
            raise SessionExpired()
        return {"Authorization": f"Firebase {token}"}

    async def upload(self, path: str, file: Path, content_type: str,
                     progress: Progress | None = None) -> dict[str, Any]:
        """A media upload of `file` to `path`; returns the object's metadata."""
        size = file.stat().st_size

        async def body() -> AsyncIterator[bytes]:
            sent = 0
            with file.open("rb") as f:
                while chunk := f.read(CHUNK):
                    yield chunk
                    sent += len(chunk)
                    if progress is not None:
                        progress(sent)

        for attempt in (0, 1):
            headers = {**await self._headers(attempt == 1), "Content-Type": content_type,
                       "Content-Length": str(size)}
            try:
                answer = await self._client.post(self._base, params={"name": path},
                                                 headers=headers, content=body())
            except httpx.TransportError as exc:
                raise Unreachable() from exc
            if answer.status_code == 401 and attempt == 0:
                continue
            _check(answer, upload=True)
            return answer.json()
        raise SessionExpired()

    async def download(self, path: str, dest: Path, progress: Progress | None = None) -> Path:
        """The object's bytes into `dest` (written to a temporary file, then renamed)."""
        tmp = dest.with_name(dest.name + ".part")
        for attempt in (0, 1):
            headers = await self._headers(attempt == 1)
            try:
                async with self._client.stream("GET", self.object_url(path),
                                               params={"alt": "media"},
                                               headers=headers) as answer:
                    if answer.status_code == 401 and attempt == 0:
                        continue
                    if answer.status_code != 200:
                        await answer.aread()
                        _check(answer, upload=False)
                    got = 0
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    with tmp.open("wb") as f:
                        async for chunk in answer.aiter_bytes(CHUNK):
                            f.write(chunk)
                            got += len(chunk)
                            if progress is not None:
                                progress(got)
                    os.replace(tmp, dest)
                    return dest
            except httpx.TransportError as exc:
                tmp.unlink(missing_ok=True)
                raise Unreachable() from exc
        raise SessionExpired()

    async def metadata(self, path: str) -> dict[str, Any] | None:
        """The object's metadata, or None when there is no such object."""
        try:
            answer = await self._client.get(self.object_url(path),
                                            headers=await self._headers(False))
        except httpx.TransportError as exc:
            raise Unreachable() from exc
        if answer.status_code == 404:
            return None
        _check(answer, upload=False)
        return answer.json()

    async def delete(self, path: str) -> None:
        try:
            answer = await self._client.delete(self.object_url(path),
                                               headers=await self._headers(False))
        except httpx.TransportError as exc:
            raise Unreachable() from exc
        if answer.status_code not in (204, 404):
            _check(answer, upload=False)

    async def aclose(self) -> None:
        await self._client.aclose()


def _check(answer: httpx.Response, upload: bool) -> None:
    status = answer.status_code
    if status < 300:
        return
    try:
        message = str(answer.json().get("error", {}).get("message", ""))
    except (ValueError, AttributeError):
        message = answer.text[:200]
    log.info("storage %s answered %s: %s", "upload" if upload else "download", status, message)
    if status == 404:
        raise NotAvailable()
    if status == 401:
        raise SessionExpired()
    if status >= 500:
        raise Unreachable()
    if upload:
        raise StorageRefused(translate(
            "Attachments", "The server refused this file (too large, or a type it does not "
                           "accept)."))
    raise StorageRefused(translate("Attachments", "You may not open this file."))
