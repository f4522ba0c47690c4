"""The Storage emulator's aiohttp application: both APIs, errors in Google's shapes."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from aiohttp import web

from . import errors as msg
from . import http_firebase, http_gcs
from .access import Identity, TokenPolicy, admin_only, identify
from .errors import StorageError
from .service import StorageService
from .uploads import UploadSessions

log = logging.getLogger("messenger_emulators.storage")
MULTIPART_SLACK = 1024 * 1024   # a multipart body is the object plus its metadata part


@dataclass
class StorageState:
    project_id: str
    service: StorageService
    sessions: UploadSessions
    tokens: TokenPolicy

    def identify(self, request: web.Request) -> Identity:
        return identify(request, self.project_id, self.tokens)

    def admin_only(self, request: web.Request) -> None:
        admin_only(request, self.tokens)


def _error_response(request: web.Request, exc: StorageError) -> web.Response:
    gcs = not request.path.startswith("/v0/")
    body = exc.gcs_body() if gcs else exc.firebase_body()
    return web.json_response(body, status=exc.status, headers=exc.headers)


def build_app(state: StorageState) -> web.Application:
    @web.middleware
    async def errors(request: web.Request, handler):
        try:
            return await handler(request)
        except StorageError as exc:
            return _error_response(request, exc)
        except web.HTTPRequestEntityTooLarge:
            return _error_response(request, StorageError(
                413, msg.TOO_LARGE.format(limit=state.service.max_upload)))
        except web.HTTPException:
            raise
        except (ConnectionError, aiohttp.ClientError) as exc:
            # the client went away mid-request (an app killed during an upload): nothing is
            # stored, and there is no one to answer
            log.debug("storage: %s %s: client gone: %s", request.method, request.path, exc)
            return web.Response(status=400)   # written to no one; not logged as a crash
        except Exception:
            log.exception("storage: internal error on %s %s", request.method, request.path)
            return _error_response(request, StorageError(500, "Internal error."))

    app = web.Application(middlewares=[errors],
                          client_max_size=state.service.max_upload + MULTIPART_SLACK)

    async def firebase(request: web.Request) -> web.StreamResponse:
        return await http_firebase.handle(request, state)

    async def json_api(request: web.Request) -> web.StreamResponse:
        return await http_gcs.handle(request, state, "json")

    async def upload_api(request: web.Request) -> web.StreamResponse:
        return await http_gcs.handle(request, state, "upload")

    async def download_api(request: web.Request) -> web.StreamResponse:
        return await http_gcs.handle(request, state, "download")

    async def root(_request: web.Request) -> web.Response:
        return web.json_response({"emulator": "storage"})

    app.router.add_route("*", "/v0/b/{tail:.*}", firebase)
    app.router.add_route("*", "/storage/v1/b/{tail:.*}", json_api)
    app.router.add_route("*", "/upload/storage/v1/b/{tail:.*}", upload_api)
    app.router.add_route("*", "/download/storage/v1/b/{tail:.*}", download_api)
    app.router.add_get("/", root)
    app.router.add_get("/v0", root)
    return app
