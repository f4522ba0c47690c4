"""Login throttling kept in the database (loginThrottle/...), so it holds across instances.

Each attempt takes a slot in a transaction *before* the password is checked, so a burst of
parallel guesses cannot all pass before the first failure is recorded; a success gives the
slot back. Past the limit, the key is locked for a time that doubles with every further try.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import backend, settings
from .errors import TOO_MANY_ATTEMPTS, TOO_MANY_REGISTRATIONS, ApiError


class _Locked(Exception):
    def __init__(self, until: int) -> None:
        super().__init__(until)
        self.until = until


@dataclass(frozen=True)
class Limit:
    kind: str  # "email" | "addr"
    max_failures: int


EMAIL = Limit("email", settings.THROTTLE_MAX_PER_EMAIL)
ADDRESS = Limit("addr", settings.THROTTLE_MAX_PER_ADDRESS)
REGISTRATION = Limit("register", settings.REGISTER_MAX_PER_ADDRESS)


def _as_int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def _take(limit: Limit, record: Any, now: int) -> tuple[dict[str, int], int]:
    """The record after one more attempt, and the time it is locked until (0: not locked)."""
    record = record if isinstance(record, dict) else {}
    locked_until = _as_int(record.get("lockedUntil"))
    if locked_until > now:
        raise _Locked(locked_until)
    failures = _as_int(record.get("failures"))
    window_start = _as_int(record.get("windowStart"))
    if now - window_start > settings.THROTTLE_WINDOW_MS:
        failures, window_start = 0, now
    failures += 1
    new_lock = 0
    if failures > limit.max_failures:
        extra = failures - limit.max_failures - 1
        lock = min(settings.THROTTLE_LOCK_MS * (2 ** min(extra, 20)), settings.THROTTLE_LOCK_MAX_MS)
        new_lock = now + lock
    return {"failures": failures, "windowStart": window_start, "lockedUntil": new_lock}, new_lock


def _too_many(limit: Limit, until: int, now: int) -> ApiError:
    seconds = max(1, math.ceil((until - now) / 1000))
    text = TOO_MANY_REGISTRATIONS if limit is REGISTRATION else TOO_MANY_ATTEMPTS
    return ApiError(429, text.format(seconds=seconds), {"Retry-After": str(seconds)})


def take_slot(limit: Limit, key: str) -> None:
    """Count an attempt for `key`; raise 429 (with Retry-After) when it is over the limit."""
    now = backend.now_ms()
    outcome: dict[str, int] = {}

    def update(current: Any) -> dict[str, int]:
        record, locked = _take(limit, current, now)
        outcome["locked"] = locked
        return record

    try:
        backend.ref(f"{settings.THROTTLE}/{limit.kind}/{key}").transaction(update)
    except _Locked as locked:
        raise _too_many(limit, locked.until, now) from None
    if outcome.get("locked"):
        raise _too_many(limit, outcome["locked"], now)


def give_back(limit: Limit, key: str) -> None:
    """A successful sign-in: the attempt it counted was not a failure."""
    reference = backend.ref(f"{settings.THROTTLE}/{limit.kind}/{key}")
    if limit is EMAIL:
        reference.delete()  # the account owner proved who they are: start afresh
        return

    def update(current: Any) -> dict[str, int]:
        record = dict(current) if isinstance(current, dict) else {}
        record["failures"] = max(0, _as_int(record.get("failures")) - 1)
        record.setdefault("windowStart", backend.now_ms())
        record.setdefault("lockedUntil", 0)
        return record

    reference.transaction(update)
