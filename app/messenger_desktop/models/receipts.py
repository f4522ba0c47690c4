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
        self.members: list[str] = []  # everyone but me (a removed member's receipt goes)
        self.shown = True  # my own "Send read receipts"

    def set_receipts(self, value: Any) -> None:
        self.receipts = {}
        if isinstance(value, dict):
            for uid, ts in value.items():
                stamp = _number(ts)
                if stamp is not None:
                    self.receipts[str(uid)] = stamp

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
