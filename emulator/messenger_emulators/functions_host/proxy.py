"""The public side of the functions host: ``/PROJECT/REGION/NAME/<suffix>`` -> the worker.

Bodies stream through in both directions (no buffering, no decompression), the query string
and headers pass intact, and the function sees the path ``/<suffix>`` as on Cloud Functions.
Failures of the host itself (unknown function, worker down) are JSON ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from aiohttp import web
from yarl import URL

from . import messages as msg
from .manifest import Manifest
from .process import WorkerProcess, WorkerUnavailable

# RFC 7230 hop-by-hop headers, plus the ones aiohttp recomputes for each hop.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "content-length",
})
READY_TIMEOUT = 60.0
CONNECT_ATTEMPTS = 5
CONNECT_RETRY_DELAY = 0.1
CHUNK = 1 << 16


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


def build_app(project_id: str, get_manifest: Callable[[], Manifest], worker: WorkerProcess,
              session: Callable[[], aiohttp.ClientSession]) -> web.Application:
    async def route(request: web.Request) -> web.StreamResponse:
        manifest = get_manifest()
        project, region = request.match_info["project"], request.match_info["region"]
        name = request.match_info["name"]
        if project != project_id or region != manifest.region:
            return _error(404, msg.WRONG_PROJECT.format(
                project=project_id, region=manifest.region, asked_project=project,
                asked_region=region))
        if name not in manifest.http_functions:
            valid = ", ".join(sorted(manifest.http_functions)) or "(none)"
            return _error(404, msg.NO_SUCH_FUNCTION.format(region=region, name=name,
                                                           project=project, valid=valid))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Forwarded-Proto"] = request.scheme
        # The raw (still percent-encoded) suffix, so the function sees exactly what was sent.
        raw_path, _, raw_query = request.raw_path.partition("?")
        suffix = raw_path.split("/", 4)[4] if raw_path.count("/") >= 4 else ""
        target = f"/{name}/{suffix}" + (f"?{raw_query}" if raw_query else "")
        body = request.content.iter_chunked(CHUNK) if request.body_exists else None
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                base = await worker.wait_ready(READY_TIMEOUT)
            except WorkerUnavailable as e:
                return _error(503, str(e))
            try:
                upstream = await session().request(request.method, URL(base + target,
                                                                       encoded=True),
                                                   headers=headers, data=body,
                                                   allow_redirects=False)
                break
            except aiohttp.ClientConnectorError as e:
                # Nothing was sent (the worker is being replaced): wait for the next one.
                if attempt + 1 == CONNECT_ATTEMPTS:
                    return _error(503, msg.WORKER_UNREACHABLE.format(detail=e))
                await asyncio.sleep(CONNECT_RETRY_DELAY)
            except (aiohttp.ClientError, OSError) as e:
                return _error(503, msg.WORKER_UNREACHABLE.format(detail=e))
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    response.headers.add(key, value)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            async for chunk in upstream.content.iter_chunked(CHUNK):
                await response.write(chunk)
            await response.write_eof()
            return response

    app = web.Application()
    app.router.add_route("*", "/{project}/{region}/{name}", route)
    # [\s\S], not '.': an (encoded) line break in the suffix is the function's to judge.
    app.router.add_route("*", r"/{project}/{region}/{name}/{suffix:[\s\S]*}", route)
    return app
