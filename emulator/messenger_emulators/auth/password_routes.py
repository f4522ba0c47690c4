"""The routes of passwords.py, in Google's URL layouts (v1, v1/projects/P, pyrebase4's v3)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from . import errors
from .errors import AuthError
from .passwords import Passwords
from .server import IDT, IDT_V3, _caller, _json, _read_body, _require_admin_place

if TYPE_CHECKING:
    from .server import AuthService


def add_routes(r: web.UrlDispatcher, service: AuthService,
               check_project: Callable[[web.Request], None]) -> Passwords:
    passwords = service.passwords = Passwords(service)

    async def sign_up(request: web.Request) -> web.Response:
        check_project(request)
        return _json(passwords.sign_up(await _read_body(request), _caller(request, service)))

    async def create_user(request: web.Request) -> web.Response:
        """firebase-admin create_user: POST /v1/projects/P/accounts, the admin only."""
        check_project(request)
        caller = _caller(request, service)
        if not caller.admin:
            raise AuthError(errors.INSUFFICIENT_PERMISSION, "Creating accounts this way needs "
                            "admin credentials.", 403, "PERMISSION_DENIED")
        return _json(passwords.sign_up(await _read_body(request), caller))

    async def sign_in(request: web.Request) -> web.Response:
        check_project(request)
        return _json(passwords.sign_in_with_password(await _read_body(request)))

    async def send_oob(request: web.Request) -> web.Response:
        check_project(request)
        base = f"{request.scheme}://{request.host}"
        return _json(passwords.send_oob_code(await _read_body(request),
                                             _caller(request, service), base))

    async def reset(request: web.Request) -> web.Response:
        check_project(request)
        return _json(passwords.reset_password(await _read_body(request)))

    async def batch_get(request: web.Request) -> web.Response:
        check_project(request)
        if not _caller(request, service).admin:
            raise AuthError(errors.INSUFFICIENT_PERMISSION, "Listing accounts needs admin "
                            "credentials.", 403, "PERMISSION_DENIED")
        return _json(passwords.batch_get(request.query.get("maxResults"),
                                         request.query.get("nextPageToken")))

    async def batch_create(request: web.Request) -> web.Response:
        check_project(request)
        if not _caller(request, service).admin:
            raise AuthError(errors.INSUFFICIENT_PERMISSION, "Importing accounts needs admin "
                            "credentials.", 403, "PERMISSION_DENIED")
        return _json(passwords.batch_create(await _read_body(request)))

    async def oob_codes(request: web.Request) -> web.Response:
        check_project(request)
        _require_admin_place(request, service)
        return _json({"oobCodes": [o.to_google() for o in passwords.oobs.values()]})

    async def get_config(request: web.Request) -> web.Response:
        check_project(request)
        _require_admin_place(request, service)
        return _json(passwords.config.to_google())

    async def patch_config(request: web.Request) -> web.Response:
        check_project(request)
        _require_admin_place(request, service)
        passwords.config.update(await _read_body(request))
        return _json(passwords.config.to_google())

    async def action(request: web.Request) -> web.Response:
        q = request.query
        try:
            text = passwords.action(q.get("mode"), q.get("oobCode"), q.get("newPassword"))
        except AuthError as e:
            return web.Response(text=f"Error: {e.message}\n", status=400)
        return web.Response(text=text + "\n")

    for prefix in (IDT, IDT + "/projects/{project}"):
        r.add_post(prefix + "/accounts:signUp", sign_up)
        r.add_post(prefix + "/accounts:signInWithPassword", sign_in)
        r.add_post(prefix + "/accounts:sendOobCode", send_oob)
        r.add_post(prefix + "/accounts:resetPassword", reset)
    r.add_post(IDT + "/projects/{project}/accounts", create_user)
    r.add_get(IDT + "/projects/{project}/accounts:batchGet", batch_get)
    r.add_post(IDT + "/projects/{project}/accounts:batchCreate", batch_create)
    r.add_post(IDT_V3 + "/signupNewUser", sign_up)
    r.add_post(IDT_V3 + "/verifyPassword", sign_in)
    r.add_post(IDT_V3 + "/getOobConfirmationCode", send_oob)
    r.add_post(IDT_V3 + "/resetPassword", reset)
    r.add_get("/emulator/v1/projects/{project}/oobCodes", oob_codes)
    r.add_get("/emulator/v1/projects/{project}/config", get_config)
    r.add_patch("/emulator/v1/projects/{project}/config", patch_config)
    r.add_get("/emulator/action", action)
    return passwords
