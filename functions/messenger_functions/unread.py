"""The `on_message_written` trigger: unread counters and last-message previews in userChats.

Idempotent by construction rather than by remembering event ids: each member's entry keeps
the *set* of unread message ids (`unreadIds`), and `unread` is always that set's size. A
redelivered creation adds an id that is already there, a redelivered deletion removes one that
is already gone, so any number of deliveries, in any order, leave the same counter. Each entry
is changed in a transaction, so two messages landing at once cannot lose an increment. The
preview is recomputed from the messages themselves whenever it might be stale.
"""

from __future__ import annotations

import logging
from typing import Any

from . import backend, keys, settings

log = logging.getLogger(__name__)

PREVIEW_CHARS = 200  # lastMessage.text is a preview, not a copy of the message


def parse_subject(subject: str) -> tuple[str, str] | None:
    """ "refs/messages/CHAT/MSG" -> (CHAT, MSG)."""
    parts = subject.strip("/").split("/")
    if parts and parts[0] == "refs":
        parts = parts[1:]
    if len(parts) != 3 or parts[0] != settings.MESSAGES:
        return None
    return parts[1], parts[2]


def apply_delta(before: Any, delta: Any) -> Any:
    """The value after a write, from the value before and the event's delta (None deletes)."""
    if delta is None:
        return None
    if not isinstance(before, dict) or not isinstance(delta, dict):
        return delta
    merged = dict(before)
    for key, value in delta.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = apply_delta(merged.get(key), value)
    return merged or None


def _number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("sender"), str)
        and _number(value.get("ts")) is not None
    )


def _preview(message_id: str, message: dict[str, Any]) -> dict[str, Any]:
    text = message.get("text")
    return {
        "text": text[:PREVIEW_CHARS] if isinstance(text, str) else "",
        "sender": message["sender"],
        "ts": _number(message["ts"]),
        "id": message_id,
    }


def _latest(chat: str) -> dict[str, Any] | None:
    found = (
        backend.ref(f"{settings.MESSAGES}/{chat}").order_by_child("ts").limit_to_last(3).get() or {}
    )
    candidates = [(key, value) for key, value in found.items() if _is_message(value)]
    if not candidates:
        return None
    key, value = max(candidates, key=lambda item: (_number(item[1]["ts"]), item[0]))
    return _preview(key, value)


def _entry(current: Any) -> dict[str, Any]:
    entry = dict(current) if isinstance(current, dict) else {}
    ids = entry.get("unreadIds")
    pairs = ids.items() if isinstance(ids, dict) else ()
    entry["unreadIds"] = {key: ts for key, ts in pairs if _number(ts) is not None}
    return entry


def _finish(entry: dict[str, Any]) -> dict[str, Any]:
    read_at = _number(entry.get("readAt"))
    ids = {key: ts for key, ts in entry["unreadIds"].items() if read_at is None or ts > read_at}
    entry["unread"] = len(ids)
    if ids:
        entry["unreadIds"] = ids
    else:
        entry.pop("unreadIds", None)
    last = entry.get("lastMessage")
    updated = _number(last.get("ts")) if isinstance(last, dict) else None
    entry["updatedAt"] = updated if updated is not None else _number(entry.get("updatedAt")) or 0
    return entry


def _on_created(chat: str, members: tuple[str, str], message_id: str, message: dict) -> None:
    ts = _number(message["ts"])
    preview = _preview(message_id, message)

    for uid in members:

        def update(current: Any, uid: str = uid) -> dict[str, Any]:
            entry = _entry(current)
            last = entry.get("lastMessage")
            last_key = (
                (_number(last.get("ts")) or 0, str(last.get("id")))
                if isinstance(last, dict)
                else None
            )
            if last_key is None or (ts, message_id) >= last_key:
                entry["lastMessage"] = preview
            if uid != message["sender"]:
                entry["unreadIds"][message_id] = ts
            return _finish(entry)

        backend.ref(f"{settings.USER_CHATS}/{uid}/{chat}").transaction(update)


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    latest = _latest(chat)
    for uid in members:
        reference = backend.ref(f"{settings.USER_CHATS}/{uid}/{chat}")

        def update(current: Any) -> dict[str, Any]:
            if not isinstance(current, dict):
                raise _Nothing()
            entry = _entry(current)
            entry["unreadIds"].pop(message_id, None)
            last = entry.get("lastMessage")
            if isinstance(last, dict) and last.get("id") == message_id:
                if latest is None:
                    entry.pop("lastMessage", None)
                else:
                    entry["lastMessage"] = latest
            return _finish(entry)

        try:
            reference.transaction(update)
        except _Nothing:
            pass


class _Nothing(Exception):
    """Abort a transaction that has nothing to change."""


def handle(subject: str, before: Any, delta: Any) -> str:
    """Apply one written event; returns what was done (for logs and tests)."""
    location = parse_subject(subject)
    if location is None:
        log.warning("ignoring event for unexpected subject %r", subject)
        return "ignored: subject"
    chat, message_id = location
    members = keys.chat_members(chat)
    if members is None:
        log.warning("ignoring message in a chat id that is not a direct chat: %r", chat)
        return "ignored: chat id"
    after = apply_delta(before, delta)
    if _is_message(after) and after["sender"] in members:
        # A redelivered creation of a message deleted since must not resurrect its counters.
        if backend.ref(f"{settings.MESSAGES}/{chat}/{message_id}").get() is None:
            _on_deleted(chat, members, message_id)
            return "deleted (stale creation)"
        _on_created(chat, members, message_id, after)
        return "created"
    if after is None and before is not None:
        _on_deleted(chat, members, message_id)
        return "deleted"
    return "ignored: not a message"
