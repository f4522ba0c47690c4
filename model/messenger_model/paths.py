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
