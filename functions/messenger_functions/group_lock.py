"""One membership change of a group at a time: a claim, then the change as ONE update.

Every change (rename, add, remove, leave, set_role) reads the group, decides (the 200-member
limit, who may do what) and commits one multi-path update. Two of them at once would both
decide from the same record (two admins adding 5 each to a group of 195 both see room for 5).
So a change first claims the group with a conditional write of `groupLocks/{groupId}`
(firebase-admin's `transaction`: the ETag `set_if_unchanged`, retried on a lost race) to
`{by, until}`; it reads and decides only while it holds the claim, and its update deletes the
claim in the same write as the change, so the change stays all-or-nothing. A change that
finds the group claimed waits (jittered backoff) and tries again; after WAIT_S it answers 503
with Retry-After.

The claim lives beside the record, not in it: members stream `chats/{groupId}` and would see
every claim come and go (and a removed member's stream must end with `cancel`, nothing
before it). No rule grants `groupLocks` to anyone, so only the admin SDK reads or writes it.
A claim not released (the function crashed between claim and update) lapses after LEASE_MS;
while a claim is live nobody else can take it, so its holder deletes it without a condition.
A change slower than the lease could delete a later claim, which is why the lease is long
next to a change's few round trips.
"""

from __future__ import annotations

import random
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from firebase_admin.db import TransactionAbortedError

from . import backend
from .errors import BUSY, ApiError

GROUP_LOCKS = "groupLocks"
LEASE_MS = 30_000
WAIT_S = 10.0


class _Claimed(Exception):
    """Someone else holds the group (an abort of the transaction, retried by us)."""


class Hold:
    """A held group: `commit(changes)` writes the change and the release in one update."""

    def __init__(self, chat_id: str, held_: bool) -> None:
        self.chat_id, self.done = chat_id, not held_

    @property
    def path(self) -> str:
        return f"{GROUP_LOCKS}/{self.chat_id}"

    def commit(self, changes: dict[str, Any]) -> None:
        backend.ref("/").update({**changes, self.path: None} if not self.done else changes)
        self.done = True

    def release(self) -> None:
        """Give the group back without a change (refused, or nothing to do)."""
        if not self.done:
            self.done = True
            backend.ref(self.path).delete()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _claim(token: str):
    def update(current: Any) -> Any:
        until = current.get("until") if isinstance(current, dict) else None
        if isinstance(until, int | float) and not isinstance(until, bool) \
                and until > _now_ms():
            raise _Claimed
        return {"by": token, "until": _now_ms() + LEASE_MS}
    return update


@contextmanager
def held(chat_id: str) -> Iterator[Hold]:
    """Hold the group `chat_id` (checked to be a group's id by the caller) for one change;
    released on leaving without a commit."""
    token = secrets.token_urlsafe(12)
    deadline = time.monotonic() + WAIT_S
    delay = 0.005
    while True:
        try:
            backend.ref(f"{GROUP_LOCKS}/{chat_id}").transaction(_claim(token))
            break
        except (_Claimed, TransactionAbortedError):  # held, or too busy to claim: wait
            if time.monotonic() >= deadline:
                raise ApiError(503, BUSY, {"Retry-After": "1"}) from None
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.1)
    hold = Hold(chat_id, True)
    try:
        yield hold
    finally:
        hold.release()
