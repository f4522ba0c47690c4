"""Who is asking, decided as the database emulator decides it (database/identity.py and
suite/trust.py): `Authorization: Firebase ID_TOKEN` or `Bearer ID_TOKEN` names a user (signature
checked by the Auth emulator's verifier in secure mode, unsigned tokens accepted otherwise,
expiry and audience always checked); `Bearer owner` is the admin, only where trust.py allows;
no header is nobody. The Cloud Storage JSON API is the admin's (google-cloud-storage sends an
OAuth token the emulator cannot check), so it is open only where the admin may act."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web
from multidict import CIMultiDict

from messenger_emulators.database.errors import DatabaseError
from messenger_emulators.database.identity import ADMIN, Identity, TokenPolicy, resolve
from messenger_emulators.suite import trust

from . import errors as msg
from .errors import StorageError

__all__ = ["ADMIN", "Identity", "TokenPolicy", "admin_only", "identify"]


def _local_peer(request: web.Request) -> bool:
    transport = request.transport
    if transport is None:
        return False
    return trust.is_local_peer(trust.peer_host(transport.get_extra_info("peername")),
                               trust.peer_host(transport.get_extra_info("sockname")))


def _normalised(headers: Mapping[str, str]) -> CIMultiDict:
    """The request's headers with `Authorization: Firebase T` spelled `Bearer T`, the one
    form database.identity reads."""
    out = CIMultiDict(headers)
    header = headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() not in ("firebase", "bearer") or not token.strip():
            raise StorageError(401, msg.BAD_AUTH_HEADER)
        out["Authorization"] = "Bearer " + token.strip()
    return out


def identify(request: web.Request, project_id: str, policy: TokenPolicy) -> Identity:
    headers = _normalised(request.headers)
    try:
        return resolve({}, headers, project_id, policy, local_peer=_local_peer(request))
    except DatabaseError as exc:
        raise StorageError(exc.status, exc.message) from None


def admin_only(request: web.Request, policy: TokenPolicy) -> None:
    """The Cloud Storage JSON API: refused where the admin may not act (a web page; in secure
    mode another machine), as an invalid credential."""
    browser = trust.is_browser_request(request.headers, policy.host)
    if not trust.may_act_as_admin(secure=policy.secure, local_peer=_local_peer(request),
                                  browser=browser):
        raise StorageError(401, "Could not parse auth token.")
