"""Custom-token checks, ID-token minting and ID-token verification.

Non-secure mode behaves as the official Auth emulator: it accepts the unsigned (``alg: none``)
custom tokens firebase-admin makes when ``FIREBASE_AUTH_EMULATOR_HOST`` is set, and mints
unsigned ID tokens. Secure mode signs ID tokens with RS256 and accepts only custom tokens signed
by the suite's service account (see keys.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
from dataclasses import dataclass
from typing import Any

import jwt

from . import errors
from .errors import AuthError
from .keys import ServiceAccount, SigningKey

# The audience firebase-admin (and every Admin SDK) puts in custom tokens.
CUSTOM_TOKEN_AUDIENCE = (
    "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit"
)
SIGN_IN_PROVIDER = "custom"
# Claims Google reserves: developer claims may not override them (firebase-admin refuses too).
RESERVED_CLAIMS = frozenset({
    "acr", "amr", "at_hash", "aud", "auth_time", "azp", "cnf", "c_hash", "exp", "firebase",
    "iat", "iss", "jti", "nbf", "nonce", "sub", "user_id",
})
MAX_UID_LENGTH = 128


class InvalidIdToken(ValueError):
    """An ID token that is garbled, unsigned where a signature is required, expired or foreign."""


def _b64url_decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64url_json(obj: dict[str, Any]) -> str:
    raw = json.dumps(obj, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def split_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and payload of a JWT, unverified. Raises ValueError on anything malformed."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError(errors.DETAIL_NOT_JWT)
    try:
        header = json.loads(_b64url_decode(parts[0]))
        payload = json.loads(_b64url_decode(parts[1]))
    except (binascii.Error, ValueError, UnicodeDecodeError) as e:
        raise ValueError(errors.DETAIL_BAD_JSON) from e
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError(errors.DETAIL_BAD_JSON)
    return header, payload


@dataclass
class CustomTokenGrant:
    uid: str
    claims: dict[str, Any]


def check_custom_token(token: object, service_account: ServiceAccount | None,
                       now: float | None = None) -> CustomTokenGrant:
    """The uid and developer claims of a custom token, or AuthError(INVALID_CUSTOM_TOKEN).

    ``service_account`` set means secure mode: only RS256 tokens signed by it pass.
    """
    if not isinstance(token, str) or not token:
        raise AuthError(errors.MISSING_CUSTOM_TOKEN)
    now = time.time() if now is None else now
    try:
        header, payload = split_jwt(token)
    except ValueError as e:
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, str(e)) from None
    alg = header.get("alg")
    if service_account is not None:
        if alg != "RS256":
            raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_UNSIGNED_SECURE)
        try:
            payload = jwt.decode(token, service_account.public_key, algorithms=["RS256"],
                                 audience=CUSTOM_TOKEN_AUDIENCE, leeway=60)
        except jwt.ExpiredSignatureError:
            raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_EXPIRED) from None
        except jwt.InvalidAudienceError:
            raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_BAD_AUDIENCE) from None
        except jwt.PyJWTError:
            raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_BAD_SIGNATURE) from None
    elif alg not in ("none", "RS256"):
        # Like the official emulator, signatures are not checked outside secure mode.
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_UNKNOWN_ALG.format(alg=alg))
    if payload.get("aud") != CUSTOM_TOKEN_AUDIENCE:
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_BAD_AUDIENCE)
    exp = payload.get("exp")
    if isinstance(exp, int | float) and exp < now:
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_EXPIRED)
    uid = payload.get("uid")
    if not isinstance(uid, str) or not 0 < len(uid) <= MAX_UID_LENGTH:
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_NO_UID)
    claims = payload.get("claims", {})
    if not isinstance(claims, dict):
        raise AuthError(errors.INVALID_CUSTOM_TOKEN, errors.DETAIL_BAD_CLAIMS)
    return CustomTokenGrant(uid, {k: v for k, v in claims.items() if k not in RESERVED_CLAIMS})


def issuer(project_id: str) -> str:
    return f"https://securetoken.google.com/{project_id}"


class IdTokens:
    """Mints and verifies the project's ID tokens (unsigned, or RS256 with ``signing_key``)."""

    def __init__(self, project_id: str, ttl: float, signing_key: SigningKey | None) -> None:
        self.project_id = project_id
        # JWT times are whole seconds; a TTL under a second still yields a usable token.
        self.ttl = max(1, round(ttl))
        self.signing_key = signing_key

    def mint(self, uid: str, developer_claims: dict[str, Any], auth_time: int,
             now: float | None = None, provider: str = SIGN_IN_PROVIDER,
             identities: dict[str, Any] | None = None) -> str:
        iat = int(time.time() if now is None else now)
        payload: dict[str, Any] = dict(developer_claims)
        payload.update({
            "iss": issuer(self.project_id),
            "aud": self.project_id,
            "auth_time": auth_time,
            "user_id": uid,
            "sub": uid,
            "iat": iat,
            "exp": iat + self.ttl,
            "firebase": {"identities": identities or {}, "sign_in_provider": provider},
        })
        if self.signing_key is None:
            header = {"alg": "none", "typ": "JWT"}
            return f"{_b64url_json(header)}.{_b64url_json(payload)}."
        return jwt.encode(payload, self.signing_key.private_key, algorithm="RS256",
                          headers={"kid": self.signing_key.kid})

    def verify(self, token: object, now: float | None = None) -> dict[str, Any]:
        """The claims of a valid, unexpired ID token of this project; else InvalidIdToken."""
        if not isinstance(token, str) or not token:
            raise InvalidIdToken("No ID token was given.")
        now = time.time() if now is None else now
        try:
            header, claims = split_jwt(token)
        except ValueError as e:
            raise InvalidIdToken(f"The ID token is malformed: {e}") from None
        if self.signing_key is not None:
            if header.get("alg") != "RS256" or header.get("kid") != self.signing_key.kid:
                raise InvalidIdToken(
                    "The ID token is not signed by this Auth emulator (secure mode refuses "
                    "unsigned tokens).")
            try:
                claims = jwt.decode(token, self.signing_key.public_pem(), algorithms=["RS256"],
                                    options={"verify_exp": False, "verify_aud": False})
            except jwt.PyJWTError:
                raise InvalidIdToken("The ID token's signature does not verify.") from None
        if claims.get("aud") != self.project_id:
            raise InvalidIdToken(
                f"The ID token's audience {claims.get('aud')!r} is not the project "
                f"{self.project_id!r}.")
        if claims.get("iss") != issuer(self.project_id):
            raise InvalidIdToken("The ID token's issuer is not this project's securetoken.")
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            raise InvalidIdToken("The ID token has expired.")
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidIdToken("The ID token has no subject (uid).")
        return claims
