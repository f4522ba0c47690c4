"""The public side of the functions host: ``/PROJECT/REGION/NAME/<suffix>`` -> the worker.

Bodies stream through in both directions (no buffering, no decompression), the query string
and headers pass intact, and the function sees the path ``/<suffix>`` as on Cloud Functions.
Failures of the host itself (unknown function, worker down) are JSON ``{"error": "..."}``.
A call that outlives the function's timeout (timeoutSeconds, 60 s by default) ends as on Cloud
Functions (2nd gen, Cloud Run): 504 ``upstream request timeout``, or a cut connection if the
answer had begun; the function itself runs on until it returns, its answer discarded.

As Google's front end, the host says who the caller is: ``X-Forwarded-For`` is the socket peer,
whatever the client sent (its own forwarding headers are dropped), so per-address limits in the
function key on the real client. Requests from a web page (``Origin``) may not carry the admin
token, nor any token outside secure mode, where the functions check no signature.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import Callable
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from ..suite.trust import is_browser_request
from . import messages as msg
from .manifest import DEFAULT_TIMEOUT_S, Manifest
from .process import WorkerProcess, WorkerUnavailable
from .secret import SECRET_HEADER

# RFC 7230 hop-by-hop headers, plus the ones aiohttp recomputes for each hop.
HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "content-length",
})
# Who the caller is and the worker's secret are the host's to say, never the client's.
FORWARDING = frozenset({
    "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded",
    "x-real-ip", "x-client-ip", SECRET_HEADER.lower(),
})
DROPPED = HOP_BY_HOP | FORWARDING
READY_TIMEOUT = 60.0
CONNECT_ATTEMPTS = 5
CONNECT_RETRY_DELAY = 0.1
CHUNK = 1 << 16
TIMEOUT_TEXT = "upstream request timeout"  # Cloud Run's answer to a request past its timeout
log = logging.getLogger("messenger_emulators.functions")


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"error": text}, status=status)


def _unsigned(token: str) -> bool:
    """An ``alg: none`` JWT (the emulators' unsigned tokens), or anything that is no JWT."""
    header, _, rest = token.partition(".")
    if not rest or rest.endswith("."):  # no signature part
        return True
    try:
        alg = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))).get("alg")
    except (ValueError, AttributeError):
        return True
    return not isinstance(alg, str) or alg.lower() == "none"


def browser_refusal(headers: Any, secure: bool) -> str | None:
    """Why a web page's request may not go on (None: it may): the admin token, or a token
    nobody will check the signature of."""
    authorization = headers.get("Authorization")
    if authorization is None or not is_browser_request(headers):
        return None
    if authorization.strip() == "Bearer owner":
        return "the admin token"
    if not secure:
        return "an ID token (outside secure mode no signature is checked)"
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and _unsigned(token.strip()):
        return "an unsigned token"
    return None


def build_app(project_id: str, get_manifest: Callable[[], Manifest], worker: WorkerProcess,
              session: Callable[[], aiohttp.ClientSession], secret: str = "",
              secure: bool = False) -> web.Application:
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
        refusal = browser_refusal(request.headers, secure)
        if refusal is not None:
            return _error(401, msg.BROWSER_TOKEN.format(what=refusal))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED}
        # The socket peer, as Google's front end: the function's last (only) entry.
        headers["X-Forwarded-For"] = request.remote or ""
        headers["X-Forwarded-Proto"] = request.scheme
        headers[SECRET_HEADER] = secret
        # The raw (still percent-encoded) suffix, so the function sees exactly what was sent.
        raw_path, _, raw_query = request.raw_path.partition("?")
        suffix = raw_path.split("/", 4)[4] if raw_path.count("/") >= 4 else ""
        target = f"/{name}/{suffix}" + (f"?{raw_query}" if raw_query else "")
        body = request.content.iter_chunked(CHUNK) if request.body_exists else None
        timeout = manifest.http_functions[name].timeout_s or DEFAULT_TIMEOUT_S
        deadline = asyncio.get_running_loop().time() + timeout
        begun: list[web.StreamResponse] = []  # the answer, once its headers are sent
        try:
            async with asyncio.timeout_at(deadline):
                return await forward(request, target, headers, body, begun)
        except TimeoutError:
            log.error(msg.LOG_TIMEOUT.format(name=name, seconds=f"{timeout:g}"))
            if begun:
                return begun[0]  # its connection is closed: nothing more is sent
            return web.Response(status=504, text=TIMEOUT_TEXT)

    async def forward(request: web.Request, target: str, headers: dict[str, str],
                      body: Any, begun: list[web.StreamResponse]) -> web.StreamResponse:
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
            begun.append(response)
            try:
                async for chunk in upstream.content.iter_chunked(CHUNK):
                    await response.write(chunk)
            except asyncio.CancelledError:
                # the timeout, with the answer begun: no status can follow, cut it short
                if request.transport is not None:
                    request.transport.close()
                raise
            await response.write_eof()
            return response

    app = web.Application()
    app.router.add_route("*", "/{project}/{region}/{name}", route)
    # [\s\S], not '.': an (encoded) line break in the suffix is the function's to judge.
    app.router.add_route("*", r"/{project}/{region}/{name}/{suffix:[\s\S]*}", route)
    return app
