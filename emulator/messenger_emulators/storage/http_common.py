"""What both HTTP APIs share: URL parsing (object names are percent-decoded exactly once,
from the raw path, so `%2F` is a '/' inside the name and never a path step), object
downloads with Range, and JSON bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from aiohttp import web

from . import errors as msg
from .errors import StorageError, bad_request, not_found
from .metadata import ObjectMetadata
from .names import check_name
from .store import StoredObject


def raw_segments(request: web.Request, prefix: str) -> list[str] | None:
    """The raw (still encoded) path after `prefix`, split on '/': None if it does not start
    with it."""
    path = request.raw_path.split("?", 1)[0]
    if not path.startswith(prefix):
        return None
    return path[len(prefix):].split("/")


def decode(part: str) -> str:
    try:
        return unquote(part, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise bad_request(msg.BAD_NAME.format(name=part[:200], why="not UTF-8")) from None


def object_name(encoded: str) -> str:
    return check_name(decode(encoded))


async def json_body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise bad_request(msg.BAD_JSON.format(detail=exc)) from None
    if not isinstance(doc, dict):
        raise bad_request(msg.BAD_JSON.format(detail="not an object"))
    return doc


def object_headers(meta: ObjectMetadata) -> dict[str, str]:
    headers = {"Content-Type": meta.content_type,
               "X-Goog-Generation": str(meta.generation),
               "X-Goog-Metageneration": str(meta.metageneration),
               "X-Goog-Hash": f"md5={meta.md5_hash}" +
                              (f",crc32c={meta.crc32c}" if meta.crc32c else ""),
               "X-Goog-Stored-Content-Length": str(meta.size),
               "ETag": meta.etag, "Accept-Ranges": "bytes"}
    if meta.content_disposition:
        headers["Content-Disposition"] = meta.content_disposition
    if meta.content_language:
        headers["Content-Language"] = meta.content_language
    if meta.cache_control:
        headers["Cache-Control"] = meta.cache_control
    if meta.content_encoding and meta.content_encoding != "identity":
        headers["X-Goog-Stored-Content-Encoding"] = meta.content_encoding
    return headers


def read_media(lookup: Callable[[], StoredObject]) -> tuple[StoredObject, bytes]:
    """`lookup()` (which decides access and raises 403/404) and the bytes it found. With
    --data the bytes are read from the blob file; one replaced by a newer generation between
    the lookup and the read is looked up (and decided) again."""
    for _ in range(5):
        stored = lookup()
        try:
            return stored, stored.data
        except FileNotFoundError:
            continue
    raise not_found()


def media_response(request: web.Request, stored: StoredObject,
                   data: bytes | None = None) -> web.Response:
    """The object's bytes (`data`, when already read); `Range: bytes=a-b` answers 206 with
    that slice."""
    data = stored.data if data is None else data
    headers = object_headers(stored.meta)
    wanted = request.headers.get("Range")
    if wanted and wanted.startswith("bytes=") and "," not in wanted:
        first, _, last = wanted[6:].partition("-")
        size = len(data)
        try:
            if first == "":
                start, end = max(0, size - int(last)), size - 1
            else:
                start = int(first)
                end = min(int(last), size - 1) if last else size - 1
        except ValueError:
            start, end = 0, size - 1
        if start >= size or start > end:
            raise StorageError(416, msg.BAD_RANGE,
                               headers={"Content-Range": f"bytes */{size}"})
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        return web.Response(status=206, body=data[start:end + 1], headers=headers)
    return web.Response(body=data, headers=headers)
