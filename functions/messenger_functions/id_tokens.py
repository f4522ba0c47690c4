"""ID-token verification against a configured public key set (``ID_TOKEN_JWKS_URL``).

firebase-admin's ``verify_id_token`` takes securetoken's certificates from Google, always:
where the functions cannot reach Google, or must trust other keys, it cannot verify anything.
With ``ID_TOKEN_JWKS_URL`` set (the bundled suite sets it in secure mode, to its Auth
emulator's key set), tokens are verified here instead, with PyJWT, exactly as Firebase's
ID tokens are specified: RS256 signed by a key of that set (``kid``), ``aud`` the project,
``iss`` ``https://securetoken.google.com/<project>``, unexpired, issued in the past, a
non-empty ``sub`` of at most 128 characters, ``auth_time`` in the past. The set is in Google's
JWK format (``https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.
gserviceaccount.com`` is Google's own and would work the same), fetched once and cached for
five minutes; an unknown ``kid`` refetches it, at most once per 30 s.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import jwt

ALLOWED_SKEW_S = 5  # as firebase-admin's clock_skew_seconds default range allows
FETCH_TIMEOUT_S = 5.0
MAX_UID_CHARS = 128

_lock = threading.Lock()
_clients: dict[str, jwt.PyJWKClient] = {}


class InvalidToken(ValueError):
    """Not a valid ID token of this project (malformed, foreign, tampered, unsigned...)."""


class ExpiredToken(InvalidToken):
    """A valid ID token past its expiry."""


class KeysUnavailable(RuntimeError):
    """The key set could not be fetched: the caller cannot be told apart, try again later."""


def _client(url: str) -> jwt.PyJWKClient:
    client = _clients.get(url)
    if client is None:
        with _lock:
            client = _clients.get(url)
            if client is None:
                client = _clients[url] = jwt.PyJWKClient(url, timeout=FETCH_TIMEOUT_S)
    return client


def verify(token: str, project_id: str, keys_url: str) -> dict[str, Any]:
    """The token's claims (``uid`` = ``sub``, as firebase-admin adds it), or one of the errors."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise InvalidToken("not a JWT") from None
    if header.get("alg") != "RS256" or not isinstance(header.get("kid"), str):
        raise InvalidToken("not signed with RS256 by a known key")
    try:
        key = _client(keys_url).get_signing_key(header["kid"])
    except jwt.PyJWKClientConnectionError as error:
        raise KeysUnavailable(str(error)) from None
    except jwt.PyJWKClientError:
        raise InvalidToken("signed by an unknown key") from None
    issuer = f"https://securetoken.google.com/{project_id}"
    try:
        claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=project_id,
                            issuer=issuer, leeway=ALLOWED_SKEW_S,
                            options={"require": ["exp", "iat", "aud", "iss", "sub"]})
    except jwt.ExpiredSignatureError:
        raise ExpiredToken("expired") from None
    except jwt.PyJWTError:
        raise InvalidToken("signature or claims do not verify") from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= MAX_UID_CHARS:
        raise InvalidToken("no valid subject")
    auth_time = claims.get("auth_time")
    if auth_time is not None and (not isinstance(auth_time, int | float)
                                  or auth_time > time.time() + ALLOWED_SKEW_S):
        raise InvalidToken("signed in in the future")
    claims["uid"] = subject
    return claims
