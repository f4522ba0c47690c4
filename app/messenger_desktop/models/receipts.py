"""The state shown on my own messages: pending (clock), sent (✓), read (✓✓), and in groups
"read by N" with the readers' uids (docs/data-model.md, "Read receipts, derived").

A message counts as read by member `u` when `receipts/{chatId}/{u}` >= its ts
(`messenger_model.receipts.read_by`). With my own "Send read receipts" off I am shown none: my
messages stop at ✓ (as in Signal).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from messenger_model.receipts import read_by

from .messages import Message

PENDING, FAILED, SENT, READ = "pending", "failed", "sent", "read"


@dataclass(frozen=True)
class Mark:
    state: str  # PENDING, FAILED, SENT or READ
    readers: tuple[str, ...] = ()  # who read it (groups: "read by N"; direct: the other one)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class ReceiptBook:
    """`receipts/{chatId}` of the open chat and the members whose receipts count."""

    def __init__(self, my_uid: str) -> None:
        self.my_uid = my_uid
        self.receipts: dict[str, float] = {}
        # Each reader's receipt values in the order seen, with whether the app saw the value
        # being written (a live change: that mark-read's exact time) or only found it (the
        # first snapshot, a resync: some mark-read at or before it).
        self.seen: dict[str, list[tuple[float, bool]]] = {}
        self.members: list[str] = []  # everyone but me (a removed member's receipt goes)
        self.shown = True  # my own "Send read receipts"

    def set_receipts(self, value: Any, live: bool = False) -> None:
        """The whole `receipts/{chatId}`; `live`: it came from a change of some entries
        (not a snapshot), so a changed value is the time of that mark-read."""
        before = self.receipts
        self.receipts = {}
        if isinstance(value, dict):
            for uid, ts in value.items():
                stamp = _number(ts)
                if stamp is not None:
                    self.receipts[str(uid)] = stamp
        for uid, stamp in self.receipts.items():
            if before.get(uid) != stamp:
                self.seen.setdefault(uid, []).append((stamp, live))

    def read_time(self, uid: str, ts: float) -> float | None:
        """When `uid` read a message of time `ts`: the first mark-read that covered it, if
        the app saw that one written; None when not known (or not read)."""
        previous = float("-inf")
        for stamp, exact in self.seen.get(uid, []):
            if stamp >= ts:
                return stamp if exact and previous < ts else None
            previous = stamp
        return None

    def set_members(self, uids: list[str]) -> None:
        self.members = sorted(u for u in uids if u != self.my_uid)

    def mark(self, msg: Message) -> Mark | None:
        """The mark of one of my messages (None for someone else's, or a system message)."""
        if msg.sender != self.my_uid or getattr(msg, "system", None):
            return None
        if msg.failed:
            return Mark(FAILED)
        if msg.pending:
            return Mark(PENDING)
        if not self.shown:
            return Mark(SENT)
        readers = read_by(msg.sender, msg.ts, self.receipts, self.members)
        return Mark(READ, tuple(readers)) if readers else Mark(SENT)
