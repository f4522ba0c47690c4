"""Copying an object, as the Cloud Storage JSON API does it (the admin's API, no rules):

    POST /storage/v1/b/B/o/SRC/rewriteTo/b/B2/o/DST   Blob.rewrite (storage#rewriteResponse)
    POST /storage/v1/b/B/o/SRC/copyTo/b/B2/o/DST      Bucket.copy_blob (the new storage#object)

As Cloud Storage: the copy's metadata is the source's (content type, disposition, encoding,
language, cache control, custom metadata) with the request body's fields over it; the
ifGeneration*/ifMetageneration* preconditions apply to the destination, the ifSource* ones
to the source, and `sourceGeneration` must be the source's live generation (this emulator
keeps no older ones: 404 otherwise). The copy is a new object: a new generation and a
finalize event, so functions see it as an upload. A rewrite finishes in its first call
(`done: true`, no `rewriteToken`), which Cloud Storage also does within one location.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import errors as msg
from .access import ADMIN
from .errors import StorageError, bad_request, not_found
from .http_common import json_body
from .metadata import SETTABLE, TOKENS_KEY, ObjectMetadata

if TYPE_CHECKING:
    from .server import StorageState

VERBS = ("rewriteTo", "copyTo")
_ATTR = {"contentType": "content_type", "contentDisposition": "content_disposition",
         "contentEncoding": "content_encoding", "contentLanguage": "content_language",
         "cacheControl": "cache_control"}
_CONDITIONS = ("GenerationMatch", "GenerationNotMatch", "MetagenerationMatch",
               "MetagenerationNotMatch")


def copy_route(parts: list[str]) -> bool:
    """`parts` (after /storage/v1/b/) name a copy: B, o, SRC, verb, b, B2, o, DST."""
    return len(parts) == 8 and parts[1] == "o" and parts[3] in VERBS and parts[4] == "b" \
        and parts[6] == "o" and all(parts[i] for i in (0, 2, 5, 7))


def _source_check(request: web.Request, current: ObjectMetadata) -> None:
    wanted = request.query.get("sourceGeneration")
    if wanted is not None and wanted != str(current.generation):
        raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=current.bucket, name=current.name))
    for condition in _CONDITIONS:
        value = request.query.get(f"ifSource{condition}")
        if value is None:
            continue
        if not value.isdigit():
            raise bad_request(f"Invalid value for ifSource{condition}: {value!r}.")
        have = current.generation if condition.startswith("Generation") \
            else current.metageneration
        if (have == int(value)) != (not condition.endswith("NotMatch")):
            raise StorageError(412, msg.PRECONDITION_FAILED)


def _metadata(source: ObjectMetadata, body: dict[str, Any]) -> dict[str, Any]:
    incoming: dict[str, Any] = {}
    for key in SETTABLE:
        value = getattr(source, _ATTR[key])
        if value is not None:
            incoming[key] = value
    custom: dict[str, Any] = dict(source.custom)
    if source.download_tokens:
        custom[TOKENS_KEY] = ",".join(source.download_tokens)
    incoming["metadata"] = custom
    for key in SETTABLE:
        if key in body:
            incoming[key] = body[key]
    if isinstance(body.get("metadata"), dict):
        incoming["metadata"] = {**custom, **body["metadata"]}
    return incoming


async def copy(request: web.Request, state: StorageState, src_bucket: str, src_name: str,
               dst_bucket: str, dst_name: str, verb: str, base_url: str,
               destination_check: Any) -> web.Response:
    body = await json_body(request)
    stored = state.service.store.read(src_bucket, src_name)
    if stored is None:
        raise not_found(msg.GCS_NO_SUCH_OBJECT.format(bucket=src_bucket, name=src_name))
    source, data = stored
    _source_check(request, source.meta)
    meta = await state.service.upload(ADMIN, dst_bucket, dst_name, data,
                                      _metadata(source.meta, body), destination_check)
    resource = meta.gcs(base_url)
    if verb == "copyTo":
        return web.json_response(resource)
    return web.json_response({"kind": "storage#rewriteResponse",
                              "totalBytesRewritten": str(meta.size),
                              "objectSize": str(meta.size), "done": True,
                              "resource": resource})
