"""The unread count of a chat, derived from its `userChats/{uid}/{chatId}` entry, never stored.

The entry keeps `unreadIds` `{messageId: ts}` (at most the newest UNREAD_IDS_CAP unread ids,
the trigger prunes older ones) and `readAt` (the owner's read position, server time). The
unread ids are those newer than readAt (all of them without a readAt); ids whose ts is not a
number are ignored. An id at or before readAt can linger (the trigger ran just after a
mark-read): it is read, not counted, and goes at the next mark-read or prune.
"""

from __future__ import annotations

from typing import Any

from .limits import UNREAD_IDS_CAP


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _ids(entry: Any) -> dict[str, Any]:
    ids = entry.get("unreadIds") if isinstance(entry, dict) else None
    if isinstance(ids, dict):
        return ids
    if isinstance(ids, list):  # how the database returns keys that all look like indexes
        return {str(i): ts for i, ts in enumerate(ids) if ts is not None}
    return {}


def counted_unread(entry: Any) -> dict[str, float]:
    """The entry's unread ids that count, with their ts: those newer than readAt."""
    read_at = _number(entry.get("readAt")) if isinstance(entry, dict) else None
    counted: dict[str, float] = {}
    for key, value in _ids(entry).items():
        ts = _number(value)
        if ts is not None and (read_at is None or ts > read_at):
            counted[str(key)] = ts
    return counted


def unread_count(entry: Any) -> int:
    """How many messages of the chat are unread, up to UNREAD_IDS_CAP (which means "at least
    that many": older ids were pruned). Entries from before the cap may hold more ids; they
    count as the cap too."""
    return min(len(counted_unread(entry)), UNREAD_IDS_CAP)


def unread_label(count: int) -> str:
    """The badge text: exact below the cap, "99+" from it on."""
    return str(count) if count < UNREAD_IDS_CAP else f"{UNREAD_IDS_CAP - 1}+"


def order(ts: Any, message_id: str) -> tuple[float, str]:
    """How unread ids (and previews) are ordered: by ts, then by id."""
    number = _number(ts)
    return (number if number is not None else float("-inf"), message_id)


def ids_to_prune(ids: dict[str, Any], cap: int = UNREAD_IDS_CAP) -> list[str]:
    """The ids outside the newest `cap` (by ts, then id): what the trigger deletes.

    Safe on a stale copy: an id outside the newest `cap` of any subset of the current ids is
    outside the newest `cap` of all of them, so concurrent prunes never delete a kept id.
    """
    if len(ids) <= cap:
        return []
    ranked = sorted(ids, key=lambda key: order(ids[key], key), reverse=True)
    return ranked[cap:]
