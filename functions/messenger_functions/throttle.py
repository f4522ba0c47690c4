"""Login throttling kept in the database (loginThrottle/...), so it holds across instances.

Each attempt takes a slot in a transaction *before* the password is checked, so a burst of
parallel guesses cannot all pass before the first failure is recorded; a success gives the
slot back. The attempt after the limit is refused and locks the key (the announced wait).
Once a lock has expired, exactly one attempt may try: taking its slot sets the next, doubled
lock (capped), so parallel guesses after the wait still get one try between them. A correct
password then clears that lock; a wrong one leaves it standing. Tries during a lock change
nothing, so hammering never lengthens the wait.
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
    kind: str  # "email" | "addr" | "register"
    max_failures: int
    # Sign-in: after a wait, one attempt may go ahead (a correct password ends the lock).
    # Registration has nothing to prove: past the limit, every attempt waits out the window.
    one_try_after_wait: bool = True


EMAIL = Limit("email", settings.THROTTLE_MAX_PER_EMAIL)
ADDRESS = Limit("addr", settings.THROTTLE_MAX_PER_ADDRESS)
REGISTRATION = Limit("register", settings.REGISTER_MAX_PER_ADDRESS, one_try_after_wait=False)


def _as_int(value: Any) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def lock_ms(level: int) -> int:
    """How long the level-th lock of a key lasts: doubling, at most THROTTLE_LOCK_MAX_MS."""
    doubled = settings.THROTTLE_LOCK_MS * (2 ** min(max(level - 1, 0), 30))
    return min(doubled, settings.THROTTLE_LOCK_MAX_MS)


@dataclass(frozen=True)
class Slot:
    """An attempt that may go ahead; `probe_lock` is the lock it set (0: none), which a
    success lifts again."""

    key: str
    probe_lock: int = 0


def _take(limit: Limit, record: Any, now: int) -> tuple[dict[str, int], int, int]:
    """(the record after one more attempt, the lock that refuses this attempt (0: none),
    the lock this attempt set while it goes ahead as the one try after a wait (0: none))."""
    record = record if isinstance(record, dict) else {}
    locked_until = _as_int(record.get("lockedUntil"))
    if locked_until > now:
        raise _Locked(locked_until)
    failures = _as_int(record.get("failures"))
    window_start = _as_int(record.get("windowStart"))
    # A record from before levels existed that has been locked counts as one lock served.
    level = _as_int(record.get("level")) or (1 if locked_until else 0)
    if now - window_start > settings.THROTTLE_WINDOW_MS:
        failures, window_start, level = 0, now, 0
    failures += 1
    refused = probe = locked_until = 0
    if failures > limit.max_failures:
        level += 1
        locked_until = now + lock_ms(level)
        if level == 1 or not limit.one_try_after_wait:
            refused = locked_until  # the first attempt over the limit: announce the wait
        else:
            probe = locked_until  # the one try after a wait: it goes ahead, locking the rest
    new = {"failures": failures, "windowStart": window_start, "lockedUntil": locked_until,
           "level": level}
    return new, refused, probe


def _too_many(limit: Limit, until: int, now: int) -> ApiError:
    seconds = max(1, math.ceil((until - now) / 1000))
    text = TOO_MANY_REGISTRATIONS if limit is REGISTRATION else TOO_MANY_ATTEMPTS
    return ApiError(429, text.format(seconds=seconds), {"Retry-After": str(seconds)})


def take_slot(limit: Limit, key: str) -> Slot:
    """Count an attempt for `key`; raise 429 (with Retry-After) when it may not go ahead."""
    now = backend.now_ms()
    outcome: dict[str, int] = {}

    def update(current: Any) -> dict[str, int]:
        record, outcome["refused"], outcome["probe"] = _take(limit, current, now)
        return record

    try:
        backend.ref(f"{settings.THROTTLE}/{limit.kind}/{key}").transaction(update)
    except _Locked as locked:
        raise _too_many(limit, locked.until, now) from None
    if outcome.get("refused"):
        raise _too_many(limit, outcome["refused"], now)
    return Slot(key, outcome.get("probe", 0))


def give_back(limit: Limit, slot: Slot) -> None:
    """A successful sign-in: the attempt it counted was not a failure."""
    reference = backend.ref(f"{settings.THROTTLE}/{limit.kind}/{slot.key}")
    if limit is EMAIL:
        reference.delete()  # the account owner proved who they are: start afresh
        return

    def update(current: Any) -> dict[str, int]:
        record = dict(current) if isinstance(current, dict) else {}
        record["failures"] = max(0, _as_int(record.get("failures")) - 1)
        record.setdefault("windowStart", backend.now_ms())
        record.setdefault("lockedUntil", 0)
        if slot.probe_lock and _as_int(record.get("lockedUntil")) == slot.probe_lock:
            # This success was the one try after a wait: its lock goes, and the next lock of
            # this (shared) address is no longer than the one that just ended.
            record["lockedUntil"] = 0
            record["level"] = max(1, _as_int(record.get("level")) - 1)
        return record

    reference.transaction(update)
