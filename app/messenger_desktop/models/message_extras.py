"""The optional fields message actions add to a stored message (docs/data-model.md, the
agreed layout): `editedAt`, `replyTo`, `forwardedFrom`, `reactions`.

Parsed into plain, hashable values (a `Message` is frozen and keys the bubble caches), and
read again from the stored value when a stream event changes one field of a message
(`models/message_values.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .messages import Message

REACTION_MAX_CHARS = 16  # the rules' limit for one emoji string


@dataclass(frozen=True)
class Forwarded:
    sender: str
    chat_id: str
    message_id: str


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return 0.0


def extras_from(value: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments for `Message` that the action fields give; junk is ignored."""
    out: dict[str, Any] = {}
    edited = _number(value.get("editedAt"))
    if edited:
        out["edited_at"] = edited
    reply = value.get("replyTo")
    if isinstance(reply, str) and reply:
        out["reply_to"] = reply
    fwd = value.get("forwardedFrom")
    if isinstance(fwd, dict):
        out["forwarded_from"] = Forwarded(str(fwd.get("sender", "")), str(fwd.get("chatId", "")),
                                          str(fwd.get("messageId", "")))
    reactions = value.get("reactions")
    if isinstance(reactions, dict):
        pairs = tuple(sorted((str(uid), emoji) for uid, emoji in reactions.items()
                             if isinstance(emoji, str) and emoji))
        if pairs:
            out["reactions"] = pairs
    return out


def reaction_counts(msg: Message) -> list[tuple[str, list[str]]]:
    """[(emoji, [uid, ...])] in the order each emoji was first used (by uid order, stable)."""
    groups: dict[str, list[str]] = {}
    for uid, emoji in msg.reactions:
        groups.setdefault(emoji, []).append(uid)
    return sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
