"""Limits and tunables of the functions, in one place (overridable by environment variables).

The environment lets a deployment tune them (`--set-env-vars`) and lets the tests use a cheaper
bcrypt cost; every value is clamped so that a typo cannot switch a protection off.
"""

from __future__ import annotations

import os

from messenger_model.limits import DISPLAY_NAME_MAX, MESSAGE_MAX_CHARS, ONLINE_WINDOW_MS
from messenger_model.paths import (
    CHATS,
    CREDENTIALS,
    EMAILS,
    MESSAGES,
    SERVER_TIMESTAMP,
    STATUS,
    THROTTLE,
    USER_CHATS,
    USERS,
)

__all__ = ["CHATS", "CREDENTIALS", "DISPLAY_NAME_MAX", "EMAILS", "MESSAGES", "MESSAGE_MAX_CHARS",
           "ONLINE_WINDOW_MS", "SERVER_TIMESTAMP", "STATUS", "THROTTLE", "USERS", "USER_CHATS"]


def _env_int(name: str, default: int, lo: int, hi: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        value = default
    return max(lo, min(hi, value))


# bcrypt cost: 2**rounds iterations. Measured on this project's 2-core machine (bench/
# api_accounts.py): 10 -> ~75 ms, 11 -> ~150 ms, 12 -> ~300 ms per hash. 11 keeps a login well
# under a quarter second on a 1-vCPU function while making offline guessing twice as costly as
# the OWASP minimum (10), which is the floor here.
BCRYPT_ROUNDS = _env_int("BCRYPT_ROUNDS", 11, 10, 15)

PASSWORD_MIN_CHARS = 8
PASSWORD_MAX_BYTES = 72  # bcrypt ignores everything after 72 bytes: refuse rather than truncate
EMAIL_MAX_CHARS = 254  # RFC 5321 path limit
LOGIN_FIELD_MAX_CHARS = 1024  # login accepts anything up to this, never revealing the policy

MAX_BODY_BYTES = 64 * 1024
PAGE_DEFAULT = 100
PAGE_MAX = 500

# Login throttling. Attempts are counted before the password is checked (so parallel guesses
# cannot slip through), successes give the slot back.
THROTTLE_WINDOW_MS = _env_int("LOGIN_THROTTLE_WINDOW_MS", 15 * 60_000, 1_000, 24 * 3_600_000)
THROTTLE_MAX_PER_EMAIL = _env_int("LOGIN_MAX_FAILURES_PER_EMAIL", 5, 1, 1000)
THROTTLE_MAX_PER_ADDRESS = _env_int("LOGIN_MAX_FAILURES_PER_ADDRESS", 50, 1, 100_000)
# Registrations per client address per window: each costs a bcrypt hash, so unbounded sign-ups
# would be a cheap way to burn the function's CPU.
REGISTER_MAX_PER_ADDRESS = _env_int("REGISTER_MAX_PER_ADDRESS", 30, 1, 100_000)
# The first lock lasts LOGIN_LOCK_MS; after it, one attempt may try (a correct password signs
# in and clears the lock); each wrong one doubles the next lock, up to LOGIN_LOCK_MAX_MS.
THROTTLE_LOCK_MS = _env_int("LOGIN_LOCK_MS", 30_000, 1_000, 3_600_000)
THROTTLE_LOCK_MAX_MS = max(
    THROTTLE_LOCK_MS, _env_int("LOGIN_LOCK_MAX_MS", 15 * 60_000, 1_000, 24 * 3_600_000)
)

# How many X-Forwarded-For entries trusted proxies append: 1 on Cloud Functions / Cloud Run,
# whose front end appends the client's address (they set K_SERVICE, so that is the default
# there even when a deployment forgets the variable). With 0, the header is trusted only from
# a loopback peer (the bundled functions host, which overwrites it with the real peer), and
# its last entry is used; from any other peer the socket address is the client.
FORWARDED_HOPS = _env_int("FORWARDED_HOPS", 1 if os.environ.get("K_SERVICE") else 0, 0, 5)

# Where to take the public keys of ID tokens from (Google's JWK-set format), instead of
# firebase-admin's built-in Google certificates: the bundled suite sets it in secure mode to its
# Auth emulator's key set (no internet needed). Unset on Cloud Functions (firebase-admin).
ID_TOKEN_JWKS_URL = os.environ.get("ID_TOKEN_JWKS_URL", "").strip()
