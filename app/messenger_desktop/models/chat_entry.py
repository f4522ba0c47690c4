"""What the chat list derives from one `userChats/{me}/{chatId}` entry, kept current from the
paths an event changed, so that applying an event costs time proportional to the change.

A message reaches the chat list as a `patch` of a few paths (`unreadIds/{id}`,
`previews/{id}`, and on a prune the nulls of old ones): each updates the counted unread ids
and the newest preview directly. Anything else (a mark-read's `readAt`, a whole entry, the
earlier layout's `lastMessage`) recomputes from the entry (`messenger_model`), which is
bounded anyway (~100 ids, a few previews).
"""

from __future__ import annotations

from typing import Any

from messenger_model.limits import UNREAD_IDS_CAP
from messenger_model.previews import latest_preview
from messenger_model.unread import counted_unread, order

WHOLE = None  # "the whole entry may have changed"


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class EntryIndex:
    """The counted unread ids (`{id: ts}`) and the newest preview of one entry."""

    __slots__ = ("counted", "read_at", "latest")

    def __init__(self) -> None:
        self.counted: dict[str, float] = {}
        self.read_at: float | None = None
        self.latest: dict[str, Any] | None = None

    @property
    def unread(self) -> int:
        return min(len(self.counted), UNREAD_IDS_CAP)

    def rebuild(self, entry: Any) -> None:
        self.counted = counted_unread(entry)
        self.read_at = _number(entry.get("readAt")) if isinstance(entry, dict) else None
        self.latest = latest_preview(entry)

    def apply(self, entry: Any, changed: list[list[str]] | None) -> None:
        """`changed`: the paths below the entry an event wrote (WHOLE: unknown)."""
        if changed is WHOLE or not isinstance(entry, dict):
            self.rebuild(entry)
            return
        for parts in changed:
            if len(parts) == 2 and parts[0] == "unreadIds":
                self._unread_id(entry, parts[1])
            elif len(parts) == 2 and parts[0] == "previews":
                self._preview(entry, parts[1])
            else:
                self.rebuild(entry)
                return

    def _unread_id(self, entry: dict[str, Any], key: str) -> None:
        ids = entry.get("unreadIds")
        ts = _number(ids.get(key)) if isinstance(ids, dict) else None
        if ts is not None and (self.read_at is None or ts > self.read_at):
            self.counted[key] = ts
        else:
            self.counted.pop(key, None)

    def _preview(self, entry: dict[str, Any], key: str) -> None:
        previews = entry.get("previews")
        value = previews.get(key) if isinstance(previews, dict) else None
        latest = self.latest
        if isinstance(value, dict):
            candidate = {**value, "id": key}
            if latest is None or latest.get("id") == key or \
                    order(candidate.get("ts"), key) > order(latest.get("ts"), str(latest["id"])):
                if latest is not None and latest.get("id") == key and \
                        order(candidate.get("ts"), key) < order(latest.get("ts"), key):
                    self.latest = latest_preview(entry)  # the newest one moved back: rare
                else:
                    self.latest = candidate
        elif latest is not None and latest.get("id") == key:
            self.latest = latest_preview(entry)  # the newest one went: the next (a few)
