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
A change still running within MARGIN_MS of its lease's end (a stalled process: a change is a
few round trips) first renews its claim, conditionally on still holding it: if the claim has
lapsed and someone else holds the group, the change answers 503 and writes nothing, and a
release deletes the claim only if it is still its own. So a late change can neither commit
on a decision another change may have overtaken nor delete that change's claim.
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
MARGIN_MS = 5_000  # a change this close to its lease's end renews its claim before it writes
WAIT_S = 10.0


class _Claimed(Exception):
    """Someone else holds the group (an abort of the transaction, retried by us)."""


class Hold:
    """A held group: `commit(changes)` writes the change and the release in one update."""

    def __init__(self, chat_id: str, token: str, until: int) -> None:
        self.chat_id, self.token, self.until, self.done = chat_id, token, until, False

    @property
    def path(self) -> str:
        return f"{GROUP_LOCKS}/{self.chat_id}"

    def commit(self, changes: dict[str, Any]) -> None:
        if self.done:
            backend.ref("/").update(changes)
            return
        self._make_sure_it_is_mine()
        backend.ref("/").update({**changes, self.path: None})
        self.done = True

    def release(self) -> None:
        """Give the group back without a change (refused, or nothing to do)."""
        if self.done:
            return
        self.done = True
        if self._safely_live():
            backend.ref(self.path).delete()  # live and ours: nobody else can hold it
            return
        token = self.token

        def mine_only(current: Any) -> Any:
            if isinstance(current, dict) and current.get("by") == token:
                return None
            raise _Claimed  # lapsed and taken since: not ours to delete

        try:
            backend.ref(self.path).transaction(mine_only)
        except (_Claimed, TransactionAbortedError):
            pass

    def _safely_live(self) -> bool:
        """The claim is ours for longer than a write can take (MARGIN_MS)."""
        return _now_ms() < self.until - MARGIN_MS

    def _make_sure_it_is_mine(self) -> None:
        """Near the lease's end, renew the claim if it is still ours; else 503, no write."""
        if self._safely_live():
            return
        token, renewed = self.token, [self.until]

        def renew(current: Any) -> Any:
            if not isinstance(current, dict) or current.get("by") != token:
                raise _Claimed
            renewed[0] = _now_ms() + LEASE_MS
            return {"by": token, "until": renewed[0]}

        try:
            backend.ref(self.path).transaction(renew)
        except (_Claimed, TransactionAbortedError):
            self.done = True  # the claim is someone else's now: never delete it
            raise ApiError(503, BUSY, {"Retry-After": "1"}) from None
        self.until = renewed[0]


def _now_ms() -> int:
    return int(time.time() * 1000)


def _claim(token: str, claimed_until: list[int]):
    def update(current: Any) -> Any:
        until = current.get("until") if isinstance(current, dict) else None
        if isinstance(until, int | float) and not isinstance(until, bool) \
                and until > _now_ms():
            raise _Claimed
        claimed_until[0] = _now_ms() + LEASE_MS
        return {"by": token, "until": claimed_until[0]}
    return update


@contextmanager
def held(chat_id: str) -> Iterator[Hold]:
    """Hold the group `chat_id` (checked to be a group's id by the caller) for one change;
    released on leaving without a commit."""
    token = secrets.token_urlsafe(12)
    deadline = time.monotonic() + WAIT_S
    delay = 0.005
    claimed_until = [0]
    while True:
        try:
            backend.ref(f"{GROUP_LOCKS}/{chat_id}").transaction(_claim(token, claimed_until))
            break
        except (_Claimed, TransactionAbortedError):  # held, or too busy to claim: wait
            if time.monotonic() >= deadline:
                raise ApiError(503, BUSY, {"Retry-After": "1"}) from None
            time.sleep(delay * (1 + random.random()))
            delay = min(delay * 2, 0.1)
    hold = Hold(chat_id, token, claimed_until[0])
    try:
        yield hold
    finally:
        hold.release()
