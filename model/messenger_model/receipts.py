"""Read receipts and typing, derived (docs/data-model.md, "Read receipts, derived").

`receipts/{chatId}/{uid}` is a member's read position (server time of their last mark-read);
message `m` counts as read by member `u` (u != m.sender) when `receipts[u] >= m.ts`. A user whose
`privacy/{uid}/readReceipts` is false writes no receipts and is shown none: the app hides them,
and the API's `read_by` is empty for them. `typing/{chatId}/{uid}` holds the server time of the
typer's latest write; entries older than TYPING_FRESH_MS are ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .limits import TYPING_FRESH_MS


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def receipts_enabled(privacy: Any) -> bool:
    """`privacy/{uid}` -> whether the user sends (and sees) read receipts; absent means on."""
    return not (isinstance(privacy, dict) and privacy.get("readReceipts") is False)


def read_by(sender: Any, ts: Any, receipts: Any, members: Iterable[str],
            hidden_from: Iterable[str] = ()) -> list[str]:
    """The members other than `sender` whose receipt covers a message sent at `ts`, sorted.

    `receipts` is `receipts/{chatId}` (`{uid: ts}`); `members` the chat's current members
    (a removed member's receipt no longer counts); `hidden_from` the members whose read
    receipts are off (their receipts, even stale ones, are shown to nobody)."""
    stamp = _number(ts)
    if stamp is None or not isinstance(receipts, dict):
        return []
    hidden = set(hidden_from)
    found = []
    for uid in members:
        if uid == sender or uid in hidden:
            continue
        position = _number(receipts.get(uid))
        if position is not None and position >= stamp:
            found.append(uid)
    return sorted(found)


def typing_now(entries: Any, now_ms: float, exclude: str | None = None) -> list[str]:
    """The uids of `typing/{chatId}` whose entry is fresh at `now_ms`, sorted, but `exclude`
    (yourself). An entry a little in the future (clock skew) counts as fresh."""
    if not isinstance(entries, dict):
        return []
    return sorted(uid for uid, value in entries.items()
                  if uid != exclude and (stamp := _number(value)) is not None
                  and now_ms - stamp <= TYPING_FRESH_MS)
