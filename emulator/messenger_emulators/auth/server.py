"""The Auth emulator's HTTP API: Google's URL layout behind the emulator prefix.

``http://HOST:PORT/<google host>/<path>``, as the official Auth emulator and the clients that
honour ``FIREBASE_AUTH_EMULATOR_HOST`` (firebase-admin, the JS SDK) or rewrite hosts (pyrebase4
through the desktop app's transport) expect. Every failure is Google's error body, never a 500.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from . import errors
from .errors import AuthError
from .keys import ServiceAccount, SigningKey
from .passwords import Passwords, identities, token_claims
from .policy import Caller
from .store import AccountStore
from .tokens import IdTokens, InvalidIdToken, check_custom_token

log = logging.getLogger("messenger_emulators.auth")

IDT = "/identitytoolkit.googleapis.com/v1"
IDT_V3 = "/www.googleapis.com/identitytoolkit/v3/relyingparty"
SECURETOKEN = "/securetoken.googleapis.com/v1/token"
# Where Google publishes the keys of securetoken's ID tokens (X.509 PEM by kid, and JWKs).
X509_PATH = "/www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com"
JWK_PATH = "/www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AuthService:
    """State and logic of the emulator; the routes below are thin adapters over it."""

    # email/password, anonymous, oob codes and accounts:update (set by build_app)
    passwords: Passwords

    def __init__(self, project_id: str, id_token_ttl: float, store: AccountStore,
                 signing_key: SigningKey | None = None,
                 service_account: ServiceAccount | None = None) -> None:
        self.project_id = project_id
        self.store = store
        self.signing_key = signing_key
        self.service_account = service_account
        self.id_tokens = IdTokens(project_id, id_token_ttl, signing_key)

    @property
    def secure(self) -> bool:
        return self.signing_key is not None

    def sign_in_with_custom_token(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        if not self.secure and not caller.unsigned_ok:
            # Outside secure mode no custom token's signature is checked: from a web page
            # that would be a sign-in as anyone.
            token = body.get("token")
            if isinstance(token, str) and token:
                raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_BROWSER_UNSIGNED)
        grant = check_custom_token(body.get("token"), self.service_account)
        user, is_new = self.store.sign_in(grant.uid)
        now = time.time()
        claims = {**grant.claims, **user.custom_attributes}
        id_token = self.id_tokens.mint(user.uid, claims, int(now), now)
        refresh = self.store.issue_refresh_token(user.uid, grant.claims, int(now))
        return {"idToken": id_token, "refreshToken": refresh,
                "expiresIn": str(self.id_tokens.ttl), "isNewUser": is_new}

    def refresh(self, body: dict[str, Any]) -> dict[str, Any]:
        grant_type = body.get("grant_type", body.get("grantType"))
        token = body.get("refresh_token", body.get("refreshToken"))
        if not grant_type:
            raise AuthError(errors.MISSING_GRANT_TYPE)
        if grant_type != "refresh_token":
            raise AuthError(errors.INVALID_GRANT_TYPE)
        if not token:
            raise AuthError(errors.MISSING_REFRESH_TOKEN)
        if not isinstance(token, str):
            raise AuthError(errors.INVALID_REFRESH_TOKEN)
        user, grant = self.store.redeem(token)
        # the account's current email and profile, as Google refreshes them (passwords.py)
        claims = {**token_claims(user), **grant.claims, **user.custom_attributes}
        id_token = self.id_tokens.mint(user.uid, claims, grant.auth_time,
                                       provider=grant.provider, identities=identities(user))
        return {"access_token": id_token, "expires_in": str(self.id_tokens.ttl),
                "token_type": "Bearer", "refresh_token": token, "id_token": id_token,
                "user_id": user.uid, "project_id": self.project_id}

    def uid_of_id_token(self, token: object, caller: Caller) -> str:
        if not token:
            raise AuthError(errors.MISSING_ID_TOKEN)
        if not self.secure and not caller.unsigned_ok:
            raise AuthError(errors.INVALID_ID_TOKEN, errors.DETAIL_BROWSER_UNSIGNED_ID)
        try:
            return self.id_tokens.verify(token)["sub"]
        except InvalidIdToken as e:
            raise AuthError(errors.INVALID_ID_TOKEN, str(e)) from None

    def target_uids(self, body: dict[str, Any], caller: Caller) -> list[str]:
        """The accounts a lookup/update/delete is about: the ID token's, or localId (admin)."""
        if "idToken" in body:
            return [self.uid_of_id_token(body["idToken"], caller)]
        local = body.get("localId")
        if local is None:
            raise AuthError(errors.MISSING_ID_TOKEN)
        if not caller.admin:
            raise AuthError("PERMISSION_DENIED", "Looking up accounts by localId needs admin "
                            "credentials.", 403, "PERMISSION_DENIED")
        uids = local if isinstance(local, list) else [local]
        if not uids or not all(isinstance(u, str) for u in uids):
            raise AuthError(errors.INVALID_JSON, "localId must be a string or a list of strings")
        return uids

    def lookup(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        uids = self.target_uids(body, caller)
        # the user's own lookup gets no password hash (Google's); the admin's does
        users = [self.store.users[u].to_google(redact="idToken" in body) for u in uids
                 if u in self.store.users]
        if "idToken" in body and not users:
            raise AuthError(errors.USER_NOT_FOUND)
        result: dict[str, Any] = {"kind": "identitytoolkit#GetAccountInfoResponse"}
        if users:  # Google omits "users" when nothing matched a localId lookup
            result["users"] = users
        return result

    def delete(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        for uid in self.target_uids(body, caller):
            self.store.delete(uid)
        return {"kind": "identitytoolkit#DeleteAccountResponse"}


def _caller(request: web.Request, service: AuthService) -> Caller:
    """Who is asking: the admin (``Bearer owner``, as firebase-admin sends it to emulators) only
    from this machine in secure mode and never from a web page; see policy.py."""
    return Caller.of(request, service.secure)


def _require_admin_place(request: web.Request, service: AuthService) -> None:
    """The /emulator/v1 routes need no token (as Google's emulator, whose tools call them
    without one) but the admin's place: this machine in secure mode, never a web page."""
    if not _caller(request, service).admin_place:
        raise AuthError("PERMISSION_DENIED", errors.DETAIL_ADMIN_PLACE, 403, "PERMISSION_DENIED")


async def _read_body(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/x-www-form-urlencoded":
        return dict(await request.post())
    raw = await request.read()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise AuthError(errors.INVALID_JSON, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise AuthError(errors.INVALID_JSON, "The request body must be a JSON object.")
    return body


def _json(data: dict[str, Any], status: int = 200) -> web.Response:
    return web.json_response(data, status=status)


@web.middleware
async def google_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every failure into Google's error body (aiohttp's own 404/405 included)."""
    try:
        return await handler(request)
    except AuthError as e:
        return _json(e.body(), e.code)
    except web.HTTPMethodNotAllowed:
        return _json(errors.google_error(errors.METHOD_NOT_ALLOWED, 405, "INVALID_ARGUMENT"), 405)
    except web.HTTPNotFound:
        return _json(errors.google_error(errors.NOT_FOUND, 404, "NOT_FOUND"), 404)
    except web.HTTPException as e:  # e.g. 413 for a body over aiohttp's limit
        if e.status < 400:
            raise
        return _json(errors.google_error(e.reason.upper().replace(" ", "_"), e.status,
                                         "INVALID_ARGUMENT"), e.status)


def build_app(service: AuthService) -> web.Application:
    app = web.Application(middlewares=[google_errors])

    def check_project(request: web.Request) -> None:
        project = request.match_info.get("project")
        if project is not None and project != service.project_id:
            raise AuthError(errors.INVALID_PROJECT_ID,
                            f"This emulator serves project {service.project_id!r}.")

    async def sign_in_v1(request: web.Request) -> web.Response:
        return _json(service.sign_in_with_custom_token(await _read_body(request),
                                                       _caller(request, service)))

    async def sign_in_v3(request: web.Request) -> web.Response:
        result = service.sign_in_with_custom_token(await _read_body(request),
                                                   _caller(request, service))
        return _json({"kind": "identitytoolkit#VerifyCustomTokenResponse", **result})

    async def token(request: web.Request) -> web.Response:
        return _json(service.refresh(await _read_body(request)))

    async def lookup(request: web.Request) -> web.Response:
        check_project(request)
        body, caller = await _read_body(request), _caller(request, service)
        by_email = service.passwords.lookup(body, caller)  # firebase-admin get_user_by_email
        return _json(by_email if by_email is not None else service.lookup(body, caller))

    async def update(request: web.Request) -> web.Response:
        # profile, email, password, oobCode and the admin's fields (passwords.py)
        check_project(request)
        return _json(service.passwords.update(await _read_body(request),
                                              _caller(request, service)))

    async def delete(request: web.Request) -> web.Response:
        check_project(request)
        return _json(service.delete(await _read_body(request), _caller(request, service)))

    async def clear(request: web.Request) -> web.Response:
        check_project(request)
        _require_admin_place(request, service)
        service.store.clear()
        return _json({})

    async def x509(request: web.Request) -> web.Response:
        key = service.signing_key  # None unless secure
        keys = {key.kid: key.cert_pem} if key is not None else {}
        return _json(keys)

    async def jwks(request: web.Request) -> web.Response:
        key = service.signing_key  # None unless secure
        return _json({"keys": [key.jwk()] if key is not None else []})

    async def info(request: web.Request) -> web.Response:
        return _json({"authEmulator": {"ready": True, "projectId": service.project_id,
                                       "secure": service.secure}})

    r = app.router
    from .password_routes import add_routes  # email/password, anonymous, oob codes

    add_routes(r, service, check_project)
    r.add_post(IDT + "/accounts:signInWithCustomToken", sign_in_v1)
    r.add_post(IDT_V3 + "/verifyCustomToken", sign_in_v3)
    r.add_post(SECURETOKEN, token)
    for prefix in (IDT, IDT + "/projects/{project}"):
        r.add_post(prefix + "/accounts:lookup", lookup)
        r.add_post(prefix + "/accounts:update", update)
        r.add_post(prefix + "/accounts:delete", delete)
    r.add_post(IDT_V3 + "/getAccountInfo", lookup)
    r.add_post(IDT_V3 + "/setAccountInfo", update)
    r.add_post(IDT_V3 + "/deleteAccount", delete)
    r.add_delete("/emulator/v1/projects/{project}/accounts", clear)
    r.add_get(X509_PATH, x509)
    r.add_get(JWK_PATH, jwks)
    r.add_get("/", info)
    return app
