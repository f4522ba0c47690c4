"""bcrypt hashing, and a dummy check so that an unknown email costs as much as a known one."""

from __future__ import annotations

import functools

import bcrypt

from . import settings


def hash_password(password: str) -> str:
    salt = bcrypt.gensalt(rounds=settings.BCRYPT_ROUNDS)
    return bcrypt.hashpw(password.encode("utf-8"), salt).decode("ascii")


@functools.lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    # Same cost as real hashes, so a miss takes the same time as a wrong password.
    return bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(rounds=settings.BCRYPT_ROUNDS))


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


def warm_up() -> None:
    _dummy_hash()
