"""bcrypt hashing, and a dummy check so that an unknown email costs as much as a known one."""

from __future__ import annotations

import bcrypt

from . import settings


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(rounds=settings.BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


# Hashes of random, forgotten passwords, one per allowed cost: checking against them takes as
# long as checking a real hash, and having them precomputed keeps even the first miss honest.
_DUMMY_HASHES = {
    10: b"$2b$10$8f9BVKygxvEdRDnRSrrwbO6U590IeGRCTqaBlxO0gzQOnUCb0bRDe",
    11: b"$2b$11$y9DBZqtVj6F81nFBQ7pjI.to6TFb5FZz5.vhVfV6L2MEt9D.EPtDq",
    12: b"$2b$12$M8q5GoYtkGVCkQrhivbBauJ6.iUOByJkJsli4wdm220VeqLRDZQVm",
    13: b"$2b$13$UP.uHKAJyENT7vx/9RhJxunQ9xYzXZ8AF73yKiGyss0R8HUTjdwDa",
    14: b"$2b$14$DrYpRuDL4xo5s8imu9rIz.WyNR/YGxSmiKobiPy0DnJyk5fQQOKwq",
    15: b"$2b$15$DhL1/ajr7ZPotLbzlD3oy.4yTBtovtAMhK3aa3RfSRBTsMoPKoeSm",
}


def _dummy_hash() -> bytes:
    return _DUMMY_HASHES[settings.BCRYPT_ROUNDS]


def check_password(password: str, stored_hash: str | None) -> bool:
    """True when the password matches; with no stored hash, spend the same time and say no."""
    candidate = password.encode("utf-8")
    if len(candidate) > settings.PASSWORD_MAX_BYTES:
        # No stored password is this long (registration refuses it); bcrypt would only look at
        # the first 72 bytes, so never let a longer one match.
        stored_hash = None
        candidate = candidate[: settings.PASSWORD_MAX_BYTES]
    if not stored_hash:
        bcrypt.checkpw(candidate, _dummy_hash())
        return False
    try:
        return bcrypt.checkpw(candidate, stored_hash.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        # A corrupt stored hash must not become a 500 or a way in.
        bcrypt.checkpw(candidate, _dummy_hash())
        return False


def needs_rehash(stored_hash: str) -> bool:
    """True when the hash was made with a lower cost than the current setting."""
    try:
        return int(stored_hash.split("$")[2]) < settings.BCRYPT_ROUNDS
    except (IndexError, ValueError):
        return False
