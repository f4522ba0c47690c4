"""Database paths (docs/data-model.md)."""

from __future__ import annotations

USERS = "users"
STATUS = "status"
CHATS = "chats"
MESSAGES = "messages"
USER_CHATS = "userChats"
CREDENTIALS = "credentials"
EMAILS = "emails"
THROTTLE = "loginThrottle"
RECEIPTS = "receipts"
TYPING = "typing"
PRIVACY = "privacy"
HIDDEN = "hidden"

SERVER_TIMESTAMP = {".sv": "timestamp"}


def message(chat_id: str, message_id: str) -> str:
    return f"{MESSAGES}/{chat_id}/{message_id}"


def user_chats(uid: str) -> str:
    return f"{USER_CHATS}/{uid}"


def user_chat(uid: str, chat_id: str) -> str:
    return f"{USER_CHATS}/{uid}/{chat_id}"


def unread_ids(uid: str, chat_id: str) -> str:
    return f"{USER_CHATS}/{uid}/{chat_id}/unreadIds"


def last_message(uid: str, chat_id: str) -> str:
    return f"{USER_CHATS}/{uid}/{chat_id}/lastMessage"


def previews(uid: str, chat_id: str) -> str:
    return f"{USER_CHATS}/{uid}/{chat_id}/previews"


def chat(chat_id: str) -> str:
    return f"{CHATS}/{chat_id}"


def chat_members(chat_id: str) -> str:
    """A group's `{uid: role}` (a direct chat's `{uid: true}`)."""
    return f"{CHATS}/{chat_id}/members"


def receipts(chat_id: str) -> str:
    """Every member's read position in a chat: `{uid: ts}`."""
    return f"{RECEIPTS}/{chat_id}"


def receipt(chat_id: str, uid: str) -> str:
    return f"{RECEIPTS}/{chat_id}/{uid}"


def typing(chat_id: str) -> str:
    """Who is typing in a chat: `{uid: ts}` (readers ignore entries older than TYPING_FRESH_MS)."""
    return f"{TYPING}/{chat_id}"


def typing_of(chat_id: str, uid: str) -> str:
    return f"{TYPING}/{chat_id}/{uid}"


def privacy(uid: str) -> str:
    """`{readReceipts: bool}` (absent means true)."""
    return f"{PRIVACY}/{uid}"


def read_receipts_setting(uid: str) -> str:
    return f"{PRIVACY}/{uid}/readReceipts"


def hidden(uid: str, chat_id: str) -> str:
    """The messages `uid` deleted for themselves in a chat: `{messageId: true}`."""
    return f"{HIDDEN}/{uid}/{chat_id}"


def hidden_message(uid: str, chat_id: str, message_id: str) -> str:
    return f"{HIDDEN}/{uid}/{chat_id}/{message_id}"
