"""Upload bodies: multipart/related (metadata + media) parsing, and resumable upload sessions.

A resumable session lives in memory until it is finalized: only then does the object store
see it, so a session cut off (the client gone, the emulator killed) never shows as an object.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from . import errors as msg
from .errors import StorageError, bad_request, not_found

SESSION_TTL = 7 * 24 * 3600.0   # Google keeps a resumable session a week


def parse_multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], bytes, str | None]:
    """(metadata, media bytes, the media part's Content-Type) of a multipart/related body."""
    boundary = None
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip().strip('"')
    if not boundary:
        raise bad_request(msg.BAD_MULTIPART.format(detail="no boundary in Content-Type"))
    delimiter = b"--" + boundary.encode("latin-1")
    parts = body.split(delimiter)
    # parts[0] is the preamble, the last one starts with "--" (the close delimiter)
    chunks = [p for p in parts[1:] if not p.startswith(b"--")]
    if len(chunks) != 2:
        raise bad_request(msg.BAD_MULTIPART.format(
            detail=f"expected 2 parts (metadata and media), found {len(chunks)}"))
    decoded: list[tuple[dict[str, str], bytes]] = []
    for chunk in chunks:
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, sep, payload = chunk.partition(b"\r\n\r\n")
        if not sep:
            raise bad_request(msg.BAD_MULTIPART.format(detail="a part has no blank line"))
        if payload.endswith(b"\r\n"):
            payload = payload[:-2]
        headers: dict[str, str] = {}
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip():
                headers[name.strip().lower()] = value.strip()
        decoded.append((headers, payload))
    try:
        metadata = json.loads(decoded[0][1] or b"{}")
    except ValueError as exc:
        raise bad_request(msg.BAD_MULTIPART.format(detail=f"metadata is not JSON: {exc}")) \
            from None
    if not isinstance(metadata, dict):
        raise bad_request(msg.BAD_MULTIPART.format(detail="metadata is not a JSON object"))
    return metadata, decoded[1][1], decoded[1][0].get("content-type")


@dataclass
class Upload:
    id: str
    bucket: str
    name: str
    metadata: dict[str, Any]
    identity: Any                      # who started it; the rules decide at finalize
    declared_size: int | None = None
    data: bytearray = field(default_factory=bytearray)
    status: str = "active"             # active, cancelled, final
    response: tuple[int, Any] | None = None   # the finalize answer, repeated to a retry
    precondition: Any = None           # the JSON API's ifGenerationMatch... of the start
    started: float = field(default_factory=time.monotonic)


class UploadSessions:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._sessions: dict[str, Upload] = {}

    def start(self, bucket: str, name: str, metadata: dict[str, Any], identity: Any,
              declared_size: int | None = None) -> Upload:
        self._expire()
        upload = Upload(secrets.token_urlsafe(24), bucket, name, metadata, identity,
                        declared_size)
        self._sessions[upload.id] = upload
        return upload

    def get(self, upload_id: str) -> Upload:
        upload = self._sessions.get(upload_id)
        if upload is None:
            raise not_found(msg.UPLOAD_NOT_FOUND.format(upload_id=upload_id))
        return upload

    def append(self, upload_id: str, chunk: bytes, offset: int | None = None) -> Upload:
        upload = self.get(upload_id)
        if upload.status != "active":
            raise bad_request(msg.UPLOAD_NOT_ACTIVE.format(upload_id=upload_id))
        if offset is not None and offset != len(upload.data):
            raise StorageError(400, msg.UPLOAD_OFFSET.format(got=offset, have=len(upload.data)))
        if len(upload.data) + len(chunk) > self.max_bytes:
            upload.status = "cancelled"
            raise StorageError(413, msg.TOO_LARGE.format(limit=self.max_bytes))
        upload.data += chunk
        return upload

    def cancel(self, upload_id: str) -> None:
        upload = self.get(upload_id)
        if upload.status == "final":
            raise bad_request(msg.UPLOAD_NOT_ACTIVE.format(upload_id=upload_id))
        upload.status = "cancelled"
        upload.data = bytearray()

    def _expire(self) -> None:
        cutoff = time.monotonic() - SESSION_TTL
        for key in [k for k, u in self._sessions.items() if u.started < cutoff]:
            del self._sessions[key]
