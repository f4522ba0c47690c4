"""Last-message previews: `userChats/{uid}/{chatId}/previews/{messageId}` `{text, sender, ts}`
(plus `editedAt` once edited, and a group event's `system`).

A set of the newest few previews instead of one `lastMessage` node: adding a key is
idempotent and order-free (the newest is the max by (ts, id), whatever order the writes came
in), so the trigger writes a message's previews in the same multi-path update as its unread id,
with no read and no transaction; deleting a message deletes its key, and the next newest shows.
"""

from __future__ import annotations

import zlib
from typing import Any

from .attachments import IMAGE_TYPES
from .limits import PREVIEW_CHARS, PREVIEWS_KEPT, PRUNE_EVERY
from .unread import order


def preview_of(message: dict[str, Any]) -> dict[str, Any]:
    """What the trigger stores for a message (text cut to PREVIEW_CHARS, and `editedAt`
    once edited)."""
    text = message.get("text")
    text = text if isinstance(text, str) else ""
    attachment = message.get("attachment")
    if isinstance(attachment, dict):  # a picture or a file (issue 17): say so in the list
        picture = attachment.get("contentType") in IMAGE_TYPES
        name = attachment.get("name")
        fallback = "Photo" if picture else (name if isinstance(name, str) else "")
        text = ("📷 " if picture else "📎 ") + (text or fallback)
    preview = {"text": text[:PREVIEW_CHARS], "sender": message.get("sender"),
               "ts": message.get("ts")}
    system = system_of(message.get("system"))
    if system is not None:
        # a group event: the app writes the sentence from it (display names, its language)
        # instead of showing the English fallback `text`
        preview["system"] = system
    if message.get("editedAt") is not None:
        # the rules accept a preview only with its message's current editedAt: a late
        # creation or edit cannot put back an older text (functions/.../edits.py)
        preview["editedAt"] = message["editedAt"]
    return preview


def system_of(value: Any) -> dict[str, Any] | None:
    """A message's `system` `{kind, actor, users, name, role}` as a preview carries it (only those
    fields, only of the right types), or None when it is not a group event."""
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return None
    found: dict[str, Any] = {"kind": value["kind"]}
    if isinstance(value.get("actor"), str):
        found["actor"] = value["actor"]
    users = value.get("users")
    if isinstance(users, dict) and users:
        found["users"] = {str(uid): True for uid in users}
    for key in ("name", "role"):
        if isinstance(value.get(key), str):
            found[key] = value[key]
    return found


def latest_preview(entry: Any) -> dict[str, Any] | None:
    """The newest preview of a userChats entry, as `{text, sender, ts, id}`, or None.

    Entries of the earlier layout hold one `lastMessage` `{text, sender, ts, id}` instead (or
    as well, until the trigger's next prune removes it): it takes part like any preview."""
    if not isinstance(entry, dict):
        return None
    candidates: list[dict[str, Any]] = []
    previews = entry.get("previews")
    if isinstance(previews, dict):
        for key, value in previews.items():
            if isinstance(value, dict):
                candidates.append({**value, "id": str(key)})
    legacy = entry.get("lastMessage")
    if isinstance(legacy, dict) and not legacy.get("gone") and "id" in legacy:
        candidates.append(legacy)
    if not candidates:
        return None
    return max(candidates, key=lambda p: order(p.get("ts"), str(p.get("id"))))


def prunes_on(message_id: str) -> bool:
    """Whether this message's event prunes its entries (one in PRUNE_EVERY, by id hash)."""
    return zlib.crc32(message_id.encode("utf-8", "surrogatepass")) % PRUNE_EVERY == 0


def previews_to_prune(previews: Any, kept: int = PREVIEWS_KEPT) -> list[str]:
    """The preview keys outside the newest `kept` (by ts, then id)."""
    if not isinstance(previews, dict) or len(previews) <= kept:
        return []
    def rank(key: str) -> tuple[float, str]:
        value = previews[key]
        return order(value.get("ts") if isinstance(value, dict) else None, key)
    return sorted(previews, key=rank, reverse=True)[kept:]
