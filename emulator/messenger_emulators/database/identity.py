"""Who is asking: the admin (`owner` token), a signed-in user (Firebase ID token) or nobody.

Without an installed verifier, ID tokens are decoded without checking the signature, as the
official emulator does (it accepts unsigned `alg: none` tokens); expiry and audience are still
checked. The Auth emulator installs a verifier that checks signatures in secure mode.

Who may use the credentials that prove nothing (`owner`, `auth_variable_override`, unsigned
tokens) is the suite's one rule, `messenger_emulators.suite.trust`: never a web page (an
`Origin` or `Sec-Fetch-Site` header, a foreign `Host`, or a JSONP `callback`); in secure
mode the admin only
from this machine (the socket's peer address) and unsigned tokens never. A refused use is
answered as an invalid credential.
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from messenger_emulators.suite import trust

from . import messages as msg
from .errors import DatabaseError, bad_request, unauthorized

TokenVerifier = Callable[[str], dict]


class InvalidToken(Exception):
    """Raised by a token verifier for a token it refuses; str() says why."""


@dataclass
class TokenPolicy:
    """How ID tokens are checked: by an installed verifier (the Auth emulator's), else
    decoded unverified (not in secure mode, not from a web page), else refused. In secure
    mode the admin credential is accepted only from this machine (suite.trust)."""
    verifier: TokenVerifier | None = None
    secure: bool = False
    host: str | None = None     # the name the emulator listens on (a Host that is not foreign)


@dataclass(frozen=True)
class Identity:
    admin: bool = False
    auth: dict | None = None          # the rules `auth` variable
    expires_at: float | None = None   # seconds since the epoch (ID tokens)
    # the admin credential was used (also with auth_variable_override, which applies the
    # rules as another user): the operator may see rules traces
    operator: bool = False

    def group_key(self) -> str:
        """Streams of equal identities share one rules decision."""
        if self.admin:
            return "admin"
        return json.dumps(self.auth, sort_keys=True, default=str)


ADMIN = Identity(admin=True, operator=True)
ANONYMOUS = Identity()


def _b64json(part: str) -> Any:
    padded = part + "=" * (-len(part) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


def decode_unverified(token: str) -> dict:
    """The claims of a JWT, signature not checked (the official emulator's behaviour)."""
    parts = token.split(".")
    if len(parts) not in (2, 3):
        raise InvalidToken(msg.COULD_NOT_PARSE_AUTH)
    try:
        header = _b64json(parts[0])
        claims = _b64json(parts[1])
    except (ValueError, binascii.Error, UnicodeError):
        raise InvalidToken(msg.COULD_NOT_PARSE_AUTH) from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise InvalidToken(msg.COULD_NOT_PARSE_AUTH)
    return claims


def _provider(claims: dict) -> str:
    firebase = claims.get("firebase")
    provider = firebase.get("sign_in_provider") if isinstance(firebase, dict) else None
    if not isinstance(provider, str):
        return "custom"
    return provider.removesuffix(".com")


def auth_variable(claims: dict) -> dict:
    uid = claims.get("sub") or claims.get("user_id") or claims.get("uid")
    return {"uid": uid, "provider": _provider(claims), "token": claims}


def token_of(query: Mapping[str, str], headers: Mapping[str, str]) -> str | None:
    for name in ("auth", "access_token"):
        if name in query:
            return query[name]
    header = headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip()
    return None


def from_browser(query: Mapping[str, str], headers: Mapping[str, str],
                 own_host: str | None = None) -> bool:
    """A web page's request: trust.is_browser_request (Origin, Sec-Fetch-Site, a foreign
    Host), or JSONP (a `<script>` tag's GET, which old browsers send without Origin or
    Sec-Fetch-* headers)."""
    return trust.is_browser_request(headers, own_host) or "callback" in query


def resolve(query: Mapping[str, str], headers: Mapping[str, str], project_id: str,
            policy: TokenPolicy, now: float | None = None, *,
            local_peer: bool = False) -> Identity:
    """The identity of a request; raises DatabaseError(401/400) for bad credentials.
    `local_peer`: the connection comes from this machine (trust.is_local_peer of the
    socket's addresses)."""
    token = token_of(query, headers)
    override = query.get("auth_variable_override")
    if token is None or token == "":
        if override is not None:
            raise unauthorized(msg.OVERRIDE_NOT_ADMIN)
        return ANONYMOUS
    if token == msg.ADMIN_TOKEN:
        if not trust.may_act_as_admin(secure=policy.secure, local_peer=local_peer,
                                      browser=from_browser(query, headers, policy.host)):
            # as an invalid token: nothing tells a stranger the admin exists elsewhere
            raise unauthorized(msg.COULD_NOT_PARSE_AUTH)
        if override is None:
            return ADMIN
        try:
            auth = json.loads(override)
        except ValueError:
            raise bad_request(msg.OVERRIDE_INVALID) from None
        if auth is not None and not isinstance(auth, dict):
            raise bad_request(msg.OVERRIDE_INVALID)
        return Identity(auth=auth, operator=True)
    if override is not None:
        raise unauthorized(msg.OVERRIDE_NOT_ADMIN)
    verifier = policy.verifier
    if verifier is None and not trust.may_use_unsigned_tokens(
            secure=policy.secure, browser=from_browser(query, headers, policy.host)):
        if policy.secure:
            raise unauthorized(msg.UNVERIFIED_REFUSED)
        raise unauthorized(msg.COULD_NOT_PARSE_AUTH)
    try:
        claims = verifier(token) if verifier else decode_unverified(token)
    except InvalidToken as exc:
        raise unauthorized(str(exc) or msg.COULD_NOT_PARSE_AUTH) from None
    except Exception:   # a verifier's own bug must still answer 401, not 500
        raise unauthorized(msg.COULD_NOT_PARSE_AUTH) from None
    now = time.time() if now is None else now
    exp = claims.get("exp")
    if isinstance(exp, (int, float)) and not isinstance(exp, bool) and exp <= now:
        raise unauthorized(msg.AUTH_EXPIRED)
    aud = claims.get("aud")
    if aud is not None and aud != project_id:
        raise DatabaseError(401, msg.AUTH_WRONG_AUDIENCE.format(expected=project_id, got=aud))
    expires = float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None
    return Identity(auth=auth_variable(claims), expires_at=expires)
