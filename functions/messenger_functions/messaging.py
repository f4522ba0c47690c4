"""Messages through the API: send, page, delete, unread senders, mark read.

The API writes the same shapes as the desktop client writes directly (docs/data-model.md), so
the trigger and the rules see one data model whichever way a message arrives.
"""

from __future__ import annotations

from typing import Any

from messenger_model import paths

from . import actions, backend, keys, settings
from .errors import NO_SUCH_MESSAGE, NO_SUCH_USER, NOT_THE_SENDER, SAME_USER, ApiError


def _other(chat: str, uid: str) -> str:
    members = keys.chat_members(chat)
    if members is None:
        return ""
    return members[1] if members[0] == uid else members[0]


def _direct_chat(uid_a: str, uid_b: str) -> str:
    if uid_a == uid_b:
        raise ApiError(400, SAME_USER)
    return keys.chat_id(uid_a, uid_b)


def _ensure_chat(chat: str, uid_a: str, uid_b: str) -> None:
    """Create chats/{chatId} on the first message, as the client would (never overwrite)."""
    reference = backend.ref(f"{settings.CHATS}/{chat}")
    current, etag = reference.get(etag=True)
    if current is None:
        reference.set_if_unchanged(
            etag,
            {
                "members": {uid_a: True, uid_b: True},
                "type": "direct",
                "createdAt": settings.SERVER_TIMESTAMP,
            },
        )  # losing a race here means the chat now exists: nothing to do


def send(sender: str, receiver: str, text: str, reply_to: str | None = None) -> tuple[str, str]:
    """(chat id, message id)."""
    chat = _direct_chat(sender, receiver)
    if backend.ref(f"{settings.USERS}/{receiver}/email").get() is None:
        raise ApiError(404, NO_SUCH_USER.format(uid=receiver))
    message = {"sender": sender, "text": text, "ts": settings.SERVER_TIMESTAMP}
    if reply_to is not None:
        actions.check_reply(chat, reply_to)
        message["replyTo"] = reply_to
    _ensure_chat(chat, sender, receiver)
    return chat, str(backend.ref(f"{settings.MESSAGES}/{chat}").push(message).key)


def send_to(chat: str, sender: str, text: str, direct: bool,
            reply_to: str | None = None) -> str:
    """A message into a chat the caller was found to be a member of (chats.of_member)."""
    message = {"sender": sender, "text": text, "ts": settings.SERVER_TIMESTAMP}
    if direct:
        receiver = _other(chat, sender)
        if backend.ref(f"{settings.USERS}/{receiver}/email").get() is None:
            raise ApiError(404, NO_SUCH_USER.format(uid=receiver))
    if reply_to is not None:
        actions.check_reply(chat, reply_to)
        message["replyTo"] = reply_to
    if direct:
        _ensure_chat(chat, sender, _other(chat, sender))
    return str(backend.ref(f"{settings.MESSAGES}/{chat}").push(message).key)


def page(uid_a: str, uid_b: str, limit: int, before: int | None) -> list[dict[str, Any]]:
    """Up to `limit` messages older than `before` (all when None), oldest first."""
    return chat_page(_direct_chat(uid_a, uid_b), limit, before)


def hidden_ids(uid: str, chat: str) -> frozenset[str]:
    """The messages `uid` deleted for themselves in `chat` (hidden/{uid}/{chatId})."""
    found = backend.ref(f"{paths.HIDDEN}/{uid}/{chat}").get()
    return frozenset(key for key, value in found.items() if value is True) \
        if isinstance(found, dict) else frozenset()


def chat_page(chat: str, limit: int, before: int | None,
              hidden: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The same for any chat id; a group message's `receiver` is the group's id. Messages in
    `hidden` are left out, and the page reads that many more so it still holds `limit`."""
    query = backend.ref(f"{settings.MESSAGES}/{chat}").order_by_child("ts")
    if before is not None:
        query = query.end_at(before - 1)
    found = query.limit_to_last(limit + len(hidden)).get() or {}
    messages = []
    for message_id, value in found.items():
        if not isinstance(value, dict) or message_id in hidden:
            continue
        sender, ts = value.get("sender"), value.get("ts")
        if not isinstance(sender, str) or not isinstance(ts, int | float):
            continue  # not a message this model writes; skip rather than fail the page
        messages.append(
            {
                "id": message_id,
                "sender": sender,
                "receiver": _other(chat, sender) or chat,
                "content": str(value.get("text", "")),
                "timestamp": int(ts) // 1000,  # the original API's seconds
                "timestamp_ms": int(ts),
                **actions.extras(value),
                "chat_id": chat,
            }
        )
        if isinstance(value.get("system"), dict):
            messages[-1]["system"] = value["system"]
    messages.sort(key=lambda item: (item["timestamp_ms"], item["id"]))
    return messages[-limit:] if limit > 0 else []


def delete(uid: str, chat: str, message_id: str) -> None:
    if not keys.is_addressable_key(chat) or not keys.is_addressable_key(message_id):
        raise ApiError(404, NO_SUCH_MESSAGE)
    reference = backend.ref(f"{settings.MESSAGES}/{chat}/{message_id}")
    current = reference.get()
    if not isinstance(current, dict):
        raise ApiError(404, NO_SUCH_MESSAGE)
    if current.get("sender") != uid:
        raise ApiError(403, NOT_THE_SENDER)
    reference.delete()


def unread_senders(uid: str) -> list[str]:
    """The other members of the chats whose derived unread count is above 0."""
    from messenger_model.unread import unread_count

    chats = backend.ref(f"{settings.USER_CHATS}/{uid}").get() or {}
    senders = set()
    for chat, entry in chats.items() if isinstance(chats, dict) else ():
        if unread_count(entry) > 0:
            other = _other(chat, uid)
            if other:
                senders.add(other)
    return sorted(senders)


def mark_read(reader: str, sender: str) -> None:
    """The same PATCH the client sends (docs/data-model.md, "Marking a chat read")."""
    chat = _direct_chat(reader, sender)
    backend.ref(f"{settings.USER_CHATS}/{reader}/{chat}").update(
        {"unreadIds": None, "readAt": settings.SERVER_TIMESTAMP}
    )
