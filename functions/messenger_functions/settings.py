"""Limits and tunables of the functions, in one place (overridable by environment variables).

The environment lets a deployment tune them (`--set-env-vars`) and lets the tests use a cheaper
bcrypt cost; every value is clamped so that a typo cannot switch a protection off.
"""

from __future__ import annotations

import os


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

MESSAGE_MAX_CHARS = 4000  # same limit as database.rules.json
MAX_BODY_BYTES = 64 * 1024
PAGE_DEFAULT = 100
PAGE_MAX = 500
DISPLAY_NAME_MAX = 50

# A user is online while status/{uid}.online is true and the heartbeat is this recent.
ONLINE_WINDOW_MS = 60_000

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
# whose front end appends the client's address. With 0, the header is trusted only from a
# loopback peer (the bundled functions host, which overwrites it with the real peer), and its
# last entry is used; from any other peer the socket address is the client.
FORWARDED_HOPS = _env_int("FORWARDED_HOPS", 0, 0, 5)

# Where to take the public keys of ID tokens from (Google's JWK-set format), instead of
# firebase-admin's built-in Google certificates: the bundled suite sets it in secure mode to its
# Auth emulator's key set (no internet needed). Unset on Cloud Functions (firebase-admin).
ID_TOKEN_JWKS_URL = os.environ.get("ID_TOKEN_JWKS_URL", "").strip()

# Database paths (docs/data-model.md).
USERS = "users"
STATUS = "status"
CHATS = "chats"
MESSAGES = "messages"
USER_CHATS = "userChats"
CREDENTIALS = "credentials"
EMAILS = "emails"
THROTTLE = "loginThrottle"

SERVER_TIMESTAMP = {".sv": "timestamp"}

# Set to 1 by the bundled functions host (never on Cloud Functions): it delivers the events of
# one database path in commit order, retrying an event before delivering the next one of the
# same path. The unread trigger then skips a read that only guards against a creation handled
# after its deletion (docs/functions.md, "The trigger").
ORDERED_TRIGGERS = os.environ.get("MESSENGER_ORDERED_TRIGGERS", "").strip() == "1"

# Writer threads of the unread trigger per instance: at most this many lastMessage writes in
# flight; changes queued behind them for one node share a write (unread.py, _EntryWriter).
UNREAD_WRITERS = _env_int("UNREAD_WRITERS", 8, 1, 64)
# Seconds between two prints of the unread trigger's request counters (0: never); benchmarks.
UNREAD_STATS_LOG_S = _env_int("UNREAD_STATS_LOG_S", 0, 0, 3600)
