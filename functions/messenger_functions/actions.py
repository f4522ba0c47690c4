"""Message actions through the API (issue 16): edit, react, forward, and a reply's check.

The API writes as the admin (firebase-admin bypasses the rules), so it checks what
database.rules.json checks for a client (docs/data-model.md, "Messages, field by field"):
membership, the sender, an existing message. A change of an existing message is a conditional
write of the whole message (`set_if_unchanged` on its ETag): a message deleted meanwhile is
never re-created as a husk `{reactions}` or `{text, editedAt}`, and a concurrent reaction or
edit is never lost (the write is retried on the fresh value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from messenger_model import paths
from messenger_model.chats import chat_members
from messenger_model.push_ids import new_push_id

from . import backend, chats, keys, settings
from .errors import (
    BUSY,
    CANNOT_FORWARD_SYSTEM,
    NO_SUCH_MESSAGE,
    NO_SUCH_USER,
    NOT_THE_EDITOR,
    REPLY_NOT_IN_CHAT,
    ApiError,
)

# Conditional writes of one message retried on a concurrent change (each retry needs another
# change of the same message between our read and our write).
WRITE_RETRIES = 8


def member_chat(chat: str, uid: str) -> None:
    """404 for an id that is no chat, 403 for a chat `uid` is not a member of (isMember)."""
    chats.of_member(chat, uid)


def _message_ref(chat: str, message_id: str) -> Any:
    if not keys.is_addressable_key(message_id):
        raise ApiError(404, NO_SUCH_MESSAGE)
    return backend.ref(paths.message(chat, message_id))


def _is_message(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("sender"), str) and "ts" in value


def _change(reference: Any, change: Callable[[dict[str, Any]], dict[str, Any] | None]) -> None:
    """Apply `change` (current message -> new message, or None: nothing to write) as a
    conditional write; 404 when the message is (or becomes) absent."""
    current, etag = reference.get(etag=True)
    for _attempt in range(WRITE_RETRIES):
        if not _is_message(current):
            raise ApiError(404, NO_SUCH_MESSAGE)
        new = change(current)
        if new is None:
            return
        done, current, etag = reference.set_if_unchanged(etag, new)
        if done:
            return
    raise ApiError(503, BUSY, {"Retry-After": "1"})


def edit(uid: str, chat: str, message_id: str, text: str) -> None:
    member_chat(chat, uid)

    def change(current: dict[str, Any]) -> dict[str, Any] | None:
        if current.get("sender") != uid or "system" in current:
            raise ApiError(403, NOT_THE_EDITOR)
        if current.get("text") == text:
            return None  # nothing changes: not "edited"
        return {**current, "text": text, "editedAt": settings.SERVER_TIMESTAMP}

    _change(_message_ref(chat, message_id), change)


def react(uid: str, chat: str, message_id: str, emoji: str) -> None:
    """Set `uid`'s one reaction ("" removes it)."""
    member_chat(chat, uid)

    def change(current: dict[str, Any]) -> dict[str, Any] | None:
        reactions = current.get("reactions")
        reactions = dict(reactions) if isinstance(reactions, dict) else {}
        if (reactions.get(uid) or "") == emoji:
            return None
        if emoji:
            reactions[uid] = emoji
        else:
            reactions.pop(uid, None)
        new = {key: value for key, value in current.items() if key != "reactions"}
        if reactions:
            new["reactions"] = reactions
        return new

    _change(_message_ref(chat, message_id), change)


def check_reply(chat: str, reply_to: str) -> None:
    """A reply quotes an existing message of the same chat (400 otherwise)."""
    if not keys.is_addressable_key(reply_to):
        raise ApiError(400, REPLY_NOT_IN_CHAT)
    if not _is_message(backend.ref(paths.message(chat, reply_to)).get()):
        raise ApiError(400, REPLY_NOT_IN_CHAT)


def _ensure_direct_chat(chat: str, sender: str) -> None:
    """A direct chat's other member must have an account; chats/{chatId} is made on first use."""
    members = chat_members(chat)
    if members is None:
        return
    receiver = members[1] if members[0] == sender else members[0]
    if backend.ref(f"{settings.USERS}/{receiver}/email").get() is None:
        raise ApiError(404, NO_SUCH_USER.format(uid=receiver))
    from .messaging import _ensure_chat  # one way to make chats/{chatId}, as send does

    _ensure_chat(chat, sender, receiver)


def forward(uid: str, from_chat: str, message_id: str, to_chat: str) -> str:
    """Copy a message of `from_chat` into `to_chat` as `uid`'s, marked forwardedFrom; its id."""
    member_chat(from_chat, uid)
    member_chat(to_chat, uid)
    original = _message_ref(from_chat, message_id).get()
    if not _is_message(original):
        raise ApiError(404, NO_SUCH_MESSAGE)
    if "system" in original:
        raise ApiError(400, CANNOT_FORWARD_SYSTEM)
    _ensure_direct_chat(to_chat, uid)
    new_id = new_push_id()
    message: dict[str, Any] = {
        "sender": uid,
        "text": original.get("text", ""),
        "ts": settings.SERVER_TIMESTAMP,
        "forwardedFrom": {"sender": original["sender"], "chatId": from_chat,
                          "messageId": message_id},
    }
    if "attachment" in original:
        # Its object is readable by the source chat's members only: copied under the target
        # chat's prefix first (forward_files.py), then the message names the copy.
        from .forward_files import copy_attachment

        message["attachment"] = copy_attachment(original["attachment"], from_chat, to_chat,
                                                uid, new_id)
    backend.ref(f"{settings.MESSAGES}/{to_chat}/{new_id}").set(message)
    return new_id


def _stamp(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def extras(message: dict[str, Any]) -> dict[str, Any]:
    """get_messages' fields for a message's actions: edited_at(_ms), reply_to,
    forwarded_from, reactions {emoji: [uid, ...]} (uids sorted)."""
    found: dict[str, Any] = {}
    edited = _stamp(message.get("editedAt"))
    if edited is not None:
        found["edited_at"], found["edited_at_ms"] = edited // 1000, edited
    if isinstance(message.get("replyTo"), str):
        found["reply_to"] = message["replyTo"]
    origin = message.get("forwardedFrom")
    if isinstance(origin, dict) and all(
            isinstance(origin.get(key), str) for key in ("sender", "chatId", "messageId")):
        found["forwarded_from"] = {"sender": origin["sender"], "chat_id": origin["chatId"],
                                   "message_id": origin["messageId"]}
    reactions = message.get("reactions")
    by_emoji: dict[str, list[str]] = {}
    for uid, emoji in reactions.items() if isinstance(reactions, dict) else ():
        if isinstance(emoji, str) and emoji:
            by_emoji.setdefault(emoji, []).append(str(uid))
    found["reactions"] = {emoji: sorted(uids) for emoji, uids in sorted(by_emoji.items())}
    return found

