"""The part of the Cloud Storage JSON API that google-cloud-storage uses (firebase-admin's
`storage.bucket()` with STORAGE_EMULATOR_HOST): the admin's API, rules do not apply.

    GET    /storage/v1/b/B                      bucket (get_bucket, reload)
    GET    /storage/v1/b/B/o?prefix&delimiter&maxResults&pageToken      list_blobs
    GET    /storage/v1/b/B/o/N                  object metadata (reload, get_blob)
    PATCH  /storage/v1/b/B/o/N  (and PUT)       metadata (patch, update)
    DELETE /storage/v1/b/B/o/N                  delete
    POST   /upload/storage/v1/b/B/o?uploadType=media|multipart|resumable   upload
    PUT    /upload/storage/v1/b/B/o?uploadType=resumable&upload_id=ID      resumable chunks
    GET    /download/storage/v1/b/B/o/N?alt=media                          download
    POST   /storage/v1/b/B/o/N/rewriteTo/b/B2/o/N2 (and copyTo)            copy (http_copy.py)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from aiohttp import web

from . import errors as msg
from .access import ADMIN
from .errors import StorageError, bad_request, not_found
from .http_common import decode, json_body, media_response, object_name, raw_segments, read_media
from .http_copy import copy, copy_route
from .metadata import rfc3339
from .names import check_name
from .store import StoredObject
from .uploads import parse_multipart

if TYPE_CHECKING:
    from .server import StorageState

_CONTENT_RANGE = re.compile(r"bytes (?:(\d+)-(\d+)|\*)/(\d+|\*)")


def preconditions(request: web.Request):
    """ifGenerationMatch / ifGenerationNotMatch / ifMetagenerationMatch / NotMatch, as Cloud
    Storage checks them (generation 0: the object must not exist); a failure is 412."""
    wanted = {}
    for key in ("ifGenerationMatch", "ifGenerationNotMatch", "ifMetagenerationMatch",
                "ifMetagenerationNotMatch"):
        value = request.query.get(key)
        if value is not None:
            if not value.isdigit():
                raise bad_request(f"Invalid value for {key}: {value!r}.")
            wanted[key] = int(value)
    if not wanted:
        return None

    def check(current) -> None:
        generation = current.generation if current is not None else 0
        ok = True
        if "ifGenerationMatch" in wanted:
            ok &= generation == wanted["ifGenerationMatch"]
        if "ifGenerationNotMatch" in wanted:
            ok &= generation != wanted["ifGenerationNotMatch"]
        for key, equal in (("ifMetagenerationMatch", True), ("ifMetagenerationNotMatch", False)):
            if key in wanted:
                ok &= current is not None and \
                    (current.metageneration == wanted[key]) == equal
        if not ok:
            raise StorageError(412, msg.PRECONDITION_FAILED)
    return check


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


async def handle(request: web.Request, state: StorageState, api: str) -> web.StreamResponse:
    state.admin_only(request)
    parts = raw_segments(request, {"json": "/storage/v1/b/", "upload": "/upload/storage/v1/b/",
                                   "download": "/download/storage/v1/b/"}[api])
    if not parts or not parts[0]:
        raise not_found()
    bucket = decode(parts[0])
    method = request.method
    if len(parts) == 1:
        if api == "json" and method == "GET":
            return web.json_response(_bucket(request, bucket))
        raise not_found()
    if parts[1] != "o":
        raise not_found()
    if api == "json" and method == "POST" and copy_route(parts):
        return await copy(request, state, bucket, object_name(parts[2]), decode(parts[5]),
                          object_name(parts[7]), parts[3], _base(request),
                          preconditions(request))
    encoded = "/".join(parts[2:])
    if api == "upload":
        return await _upload(request, state, bucket)
    if not encoded:
        if method == "GET":
            return _list(request, state, bucket)
        raise StorageError(405, msg.METHOD_NOT_ALLOWED.format(method=method, path=request.path))
    name = object_name(encoded)
    stored_or_404 = state.service.store.get(bucket, name)
    condition = preconditions(request)
    if method == "GET":
        if stored_or_404 is None:
            raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=bucket, name=name))
        if condition is not None:
            condition(stored_or_404.meta)
        if api == "download" or request.query.get("alt") == "media":
            def lookup() -> StoredObject:
                current = state.service.store.get(bucket, name)
                if current is None:
                    raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=bucket, name=name))
                return current
            stored, data = read_media(lookup)
            return media_response(request, stored, data)
        return web.json_response(stored_or_404.meta.gcs(_base(request)))
    if method in ("PATCH", "PUT"):
        if stored_or_404 is None:
            raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=bucket, name=name))
        meta = await state.service.update_metadata(ADMIN, bucket, name,
                                                   await json_body(request), condition)
        return web.json_response(meta.gcs(_base(request)))
    if method == "DELETE":
        if stored_or_404 is None:
            raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=bucket, name=name))
        await state.service.delete(ADMIN, bucket, name, condition)
        return web.Response(status=204)
    raise StorageError(405, msg.METHOD_NOT_ALLOWED.format(method=method, path=request.path))


def _bucket(request: web.Request, bucket: str) -> dict:
    return {"kind": "storage#bucket", "id": bucket, "name": bucket,
            "selfLink": f"{_base(request)}/storage/v1/b/{bucket}", "projectNumber": "0",
            "metageneration": "1", "location": "US", "storageClass": "STANDARD",
            "etag": "CAE=", "timeCreated": rfc3339(0), "updated": rfc3339(0),
            "locationType": "multi-region"}


def _list(request: web.Request, state: StorageState, bucket: str) -> web.Response:
    max_results = request.query.get("maxResults")
    items, prefixes, token = state.service.list(
        ADMIN, bucket, request.query.get("prefix", ""), request.query.get("delimiter", ""),
        request.query.get("pageToken"), int(max_results) if max_results and
        max_results.isdigit() else None)
    body: dict = {"kind": "storage#objects",
                  "items": [o.meta.gcs(_base(request)) for o in items]}
    if prefixes:
        body["prefixes"] = prefixes
    if token:
        body["nextPageToken"] = token
    return web.json_response(body)


async def _upload(request: web.Request, state: StorageState, bucket: str) -> web.Response:
    kind = request.query.get("uploadType", "media")
    if request.method == "PUT" or "upload_id" in request.query:
        return await _resumable_chunk(request, state)
    if request.method != "POST":
        raise StorageError(405, msg.METHOD_NOT_ALLOWED.format(method=request.method,
                                                              path=request.path))
    if kind == "multipart":
        metadata, data, media_type = parse_multipart(request.headers.get("Content-Type", ""),
                                                     await request.read())
        if media_type and "contentType" not in metadata:
            metadata["contentType"] = media_type
    elif kind == "resumable":
        metadata = await json_body(request)
        name = check_name(request.query.get("name") or metadata.get("name"))
        if "contentType" not in metadata and request.headers.get("X-Upload-Content-Type"):
            metadata["contentType"] = request.headers["X-Upload-Content-Type"]
        upload = state.sessions.start(bucket, name, metadata, ADMIN)
        upload.precondition = preconditions(request)
        location = request.url.with_query({"uploadType": "resumable", "name": name,
                                           "upload_id": upload.id})
        return web.Response(headers={"Location": str(location),
                                     "X-GUploader-UploadID": upload.id})
    elif kind == "media":
        data = await request.read()
        metadata = {}
        if request.headers.get("Content-Type"):
            metadata["contentType"] = request.headers["Content-Type"]
    else:
        raise bad_request(f"Unsupported uploadType {kind!r}.")
    name = check_name(request.query.get("name") or metadata.get("name"))
    meta = await state.service.upload(ADMIN, bucket, name, data, metadata,
                                      preconditions(request))
    return web.json_response(meta.gcs(_base(request)))


async def _resumable_chunk(request: web.Request, state: StorageState) -> web.Response:
    upload_id = request.query.get("upload_id", "")
    upload = state.sessions.get(upload_id)
    if upload.status == "final" and upload.response is not None:
        return web.json_response(upload.response[1], status=upload.response[0])
    body = await request.read()
    match = _CONTENT_RANGE.fullmatch(request.headers.get("Content-Range", "").strip()) \
        if request.headers.get("Content-Range") else None
    total: int | None = None
    if match is not None:
        if match.group(1) is not None:
            start = int(match.group(1))
            if start < len(upload.data):   # a resent chunk: keep only what is new
                body = body[len(upload.data) - start:]
                start = len(upload.data)
            state.sessions.append(upload_id, body, start)
        total = int(match.group(3)) if match.group(3) != "*" else None
    else:
        state.sessions.append(upload_id, body)
        total = len(upload.data)
    if total is None or len(upload.data) < total:
        headers = {"Range": f"bytes=0-{len(upload.data) - 1}"} if upload.data else {}
        return web.Response(status=308, headers=headers)
    upload.status = "final"
    try:
        meta = await state.service.upload(ADMIN, upload.bucket, upload.name,
                                          bytes(upload.data), upload.metadata,
                                          upload.precondition)
    except StorageError as exc:
        upload.response = (exc.status, exc.gcs_body())
        raise
    finally:
        upload.data = bytearray()
    body_json = meta.gcs(_base(request))
    upload.response = (200, body_json)
    return web.json_response(body_json)
