"""The Firebase Storage REST API (`/v0/b/{bucket}/o...`), what client SDKs and pyrebase4 use;
request and answer shapes as firebase-tools' emulator (src/emulator/storage/apis/firebase.ts).

    POST /v0/b/B/o?name=N        upload: media (the body), multipart (X-Goog-Upload-Protocol:
                                 multipart) or resumable (X-Goog-Upload-Command: start, upload,
                                 finalize, query, cancel); ?create_token / ?delete_token
    GET  /v0/b/B/o/N             metadata (with downloadTokens); ?alt=media: the bytes, by the
                                 rules or by ?token=DOWNLOAD_TOKEN
    PATCH /v0/b/B/o/N            metadata update (also PUT with X-HTTP-Method-Override: PATCH)
    DELETE /v0/b/B/o/N           (also /v0/b/B/o?name=N, as pyrebase4 sends it)
    GET  /v0/b/B/o?prefix=&delimiter=&maxResults=&pageToken=   list
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from aiohttp import web

from . import errors as msg
from .errors import StorageError, bad_request, not_found
from .http_common import decode, json_body, media_response, object_name, raw_segments, read_media
from .names import check_name

if TYPE_CHECKING:
    from .server import StorageState

PREFIX = "/v0/b/"


async def handle(request: web.Request, state: StorageState) -> web.StreamResponse:
    parts = raw_segments(request, PREFIX)
    if parts is None or len(parts) < 2 or parts[1] != "o" or not parts[0]:
        raise not_found()
    bucket = decode(parts[0])
    encoded_name = "/".join(parts[2:])   # a client may leave '/' unencoded
    method = request.method
    override = request.headers.get("X-HTTP-Method-Override", "").upper()
    if method == "PUT" and override == "PATCH":
        method = "PATCH"
    if encoded_name:
        name = object_name(encoded_name)
        if method == "GET":
            return await _get(request, state, bucket, name)
        if method in ("POST", "PUT"):
            return await _post(request, state, bucket, name)
        if method == "PATCH":
            return await _patch(request, state, bucket, name)
        if method == "DELETE":
            return await _delete(request, state, bucket, name)
    else:
        if method == "GET":
            return await _list(request, state, bucket)
        if method in ("POST", "PUT"):
            name_param = request.query.get("name")
            return await _post(request, state, bucket,
                               check_name(name_param) if name_param is not None else None)
        if method == "DELETE":
            return await _delete(request, state, bucket, check_name(request.query.get("name")))
    raise StorageError(405, msg.METHOD_NOT_ALLOWED.format(method=request.method,
                                                          path=request.path))


async def _get(request: web.Request, state: StorageState, bucket: str,
               name: str) -> web.StreamResponse:
    identity = state.identify(request)
    token = request.query.get("token")
    if request.query.get("alt") == "media":
        stored, data = read_media(lambda: state.service.read(identity, bucket, name, token))
        return media_response(request, stored, data)
    stored = state.service.read(identity, bucket, name, token)
    return web.json_response(stored.meta.firebase())


async def _list(request: web.Request, state: StorageState, bucket: str) -> web.Response:
    identity = state.identify(request)
    prefix = request.query.get("prefix", "")
    if prefix and not prefix.endswith("/"):
        raise bad_request(msg.BAD_PREFIX)
    max_results = _int(request.query.get("maxResults"))
    items, prefixes, token = state.service.list(identity, bucket, prefix,
                                                request.query.get("delimiter", ""),
                                                request.query.get("pageToken"), max_results)
    body: dict = {"prefixes": [p for p in prefixes if _valid_listed(p.rstrip("/"))],
                  "items": [{"name": o.meta.name, "bucket": bucket} for o in items
                            if _valid_listed(o.meta.name)]}
    if token:
        body["nextPageToken"] = token
    return web.json_response(body)


async def _post(request: web.Request, state: StorageState, bucket: str,
                name: str | None) -> web.StreamResponse:
    if "create_token" in request.query or "delete_token" in request.query:
        return await _tokens(request, state, bucket, name)
    protocol = request.headers.get("X-Goog-Upload-Protocol", "").lower()
    command = request.headers.get("X-Goog-Upload-Command", "").lower()
    if protocol == "resumable" or command or "upload_id" in request.query:
        return await _resumable(request, state, bucket, name, command)
    if name is None:
        raise bad_request(msg.MISSING_NAME)
    identity = state.identify(request)
    if protocol == "multipart":
        from .uploads import parse_multipart
        content_type = request.headers.get("Content-Type", "")
        metadata, data, media_type = parse_multipart(content_type, await request.read())
        if media_type and "contentType" not in metadata:
            metadata["contentType"] = media_type
    else:
        data = await request.read()
        metadata = {}
        header = request.headers.get("Content-Type")
        if header:
            metadata["contentType"] = header
    meta = await state.service.upload(identity, bucket, name, data, metadata)
    return web.json_response(meta.firebase())


async def _resumable(request: web.Request, state: StorageState, bucket: str,
                     name: str | None, command: str) -> web.StreamResponse:
    sessions = state.sessions
    commands = {c.strip() for c in command.split(",") if c.strip()}
    if commands == {"start"}:
        if name is None:
            raise bad_request(msg.MISSING_NAME)
        identity = state.identify(request)
        metadata = await json_body(request)
        upload = sessions.start(bucket, name, metadata, identity,
                                _int(request.headers.get("X-Goog-Upload-Header-Content-Length")))
        if "contentType" not in metadata and \
                request.headers.get("X-Goog-Upload-Header-Content-Type"):
            metadata["contentType"] = request.headers["X-Goog-Upload-Header-Content-Type"]
        url = request.url.with_query({"name": name, "upload_id": upload.id,
                                      "upload_protocol": "resumable"})
        return web.Response(headers={"X-Goog-Upload-Status": "active",
                                     "X-Goog-Upload-URL": str(url),
                                     "X-Goog-Upload-Chunk-Granularity": "262144",
                                     "X-GUploader-UploadID": upload.id})
    upload_id = request.query.get("upload_id")
    if not upload_id:
        raise bad_request(msg.BAD_UPLOAD_COMMAND.format(command=command))
    upload = sessions.get(upload_id)
    if commands == {"query"}:
        return web.Response(headers={"X-Goog-Upload-Size-Received": str(len(upload.data)),
                                     "X-Goog-Upload-Status": upload.status})
    if commands == {"cancel"}:
        sessions.cancel(upload_id)
        return web.Response()
    if not commands or not commands <= {"upload", "finalize"}:
        raise bad_request(msg.BAD_UPLOAD_COMMAND.format(command=command))
    if upload.status == "final" and upload.response is not None:
        status, body = upload.response     # a retried finalize: the same answer again
        return web.json_response(body, status=status,
                                 headers={"X-Goog-Upload-Status": "final"})
    if "upload" in commands:
        sessions.append(upload_id, await request.read(),
                        _int(request.headers.get("X-Goog-Upload-Offset")))
    if "finalize" not in commands:
        return web.Response(headers={"X-Goog-Upload-Status": "active"})
    if upload.status != "active":
        raise bad_request(msg.UPLOAD_NOT_ACTIVE.format(upload_id=upload_id))
    expires = getattr(upload.identity, "expires_at", None)
    if expires is not None and expires <= time.time():
        # the token that started it has expired: as a fresh request with it would be
        raise StorageError(401, msg.UPLOAD_TOKEN_EXPIRED)
    upload.status = "final"
    try:
        meta = await state.service.upload(upload.identity, upload.bucket, upload.name,
                                          bytes(upload.data), upload.metadata)
    except StorageError as exc:
        upload.response = (exc.status, exc.firebase_body())
        exc.headers["X-Goog-Upload-Status"] = "final"
        raise
    finally:
        upload.data = bytearray()
    upload.response = (200, meta.firebase())
    return web.json_response(meta.firebase(), headers={"X-Goog-Upload-Status": "final"})


async def _tokens(request: web.Request, state: StorageState, bucket: str,
                  name: str | None) -> web.Response:
    if name is None:
        raise bad_request(msg.MISSING_NAME)
    identity = state.identify(request)
    if "create_token" in request.query:
        if request.query["create_token"] != "true":
            raise bad_request(msg.BAD_TOKEN_PARAM)
        meta = await state.service.change_tokens(identity, bucket, name, create=True)
    else:
        meta = await state.service.change_tokens(identity, bucket, name, create=False,
                                                 token=request.query.get("delete_token", ""))
    return web.json_response(meta.firebase())


async def _patch(request: web.Request, state: StorageState, bucket: str,
                 name: str) -> web.Response:
    identity = state.identify(request)
    incoming = await json_body(request)
    meta = await state.service.update_metadata(identity, bucket, name, incoming)
    return web.json_response(meta.firebase())


async def _delete(request: web.Request, state: StorageState, bucket: str,
                  name: str) -> web.Response:
    identity = state.identify(request)
    await state.service.delete(identity, bucket, name)
    return web.Response(status=204)


def _int(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"Not a number: {value!r}.") from None


def _valid_listed(path: str) -> bool:
    """firebase-tools' isValidNonEncodedPathString: no empty segments."""
    path = path[1:] if path.startswith("/") else path
    return bool(path) and all(path.split("/"))
