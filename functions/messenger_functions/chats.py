"""Chats by id, direct or group: who may use one, receipts, typing (issue 15).

The API acts as the admin (firebase-admin bypasses the rules), so it checks membership itself
the way database.rules.json does (docs/data-model.md, isMember): a direct chat's id names its
two members; a group's members are `chats/{groupId}/members`. An id of neither shape, or a group
id with no group, is 404 for everyone; a chat you are not in, 403.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messenger_model import paths
from messenger_model.chats import chat_members, is_group_id
from messenger_model.groups import DIRECT_TYPE, GROUP_TYPE, MEMBER, members_of
from messenger_model.receipts import read_by, receipts_enabled, typing_now

from . import backend, settings
from .errors import NO_SUCH_CHAT, NO_SUCH_USER, NOT_A_MEMBER, ApiError


@dataclass
class Chat:
    chat_id: str
    type: str                       # "direct" or "group"
    members: dict[str, str]         # uid -> role ("member" for both of a direct chat)
    record: dict[str, Any] = field(default_factory=dict)  # chats/{groupId}, for groups

    @property
    def name(self) -> str:
        name = self.record.get("name")
        return name if isinstance(name, str) else ""


def find(chat_id: str) -> Chat:
    """The chat with this id (404 when there is none), without checking who asks."""
    if is_group_id(chat_id):
        record = backend.ref(paths.chat(chat_id)).get()
        if not isinstance(record, dict) or record.get("type") != GROUP_TYPE:
            raise ApiError(404, NO_SUCH_CHAT)
        return Chat(chat_id, GROUP_TYPE, members_of(record), record)
    members = chat_members(chat_id)
    if members is None:
        raise ApiError(404, NO_SUCH_CHAT)
    return Chat(chat_id, DIRECT_TYPE, dict.fromkeys(members, MEMBER))


def of_member(chat_id: str, uid: str) -> Chat:
    """The chat, when `uid` is one of its members: 404 unknown, 403 not a member."""
    chat = find(chat_id)
    if uid not in chat.members:
        raise ApiError(403, NOT_A_MEMBER)
    return chat


def direct_name(chat: Chat, uid: str) -> str:
    """A direct chat's name for `uid`: the other member's display name (or email)."""
    other = next((m for m in chat.members if m != uid), uid)
    profile = backend.ref(f"{settings.USERS}/{other}").get()
    if not isinstance(profile, dict):
        return ""
    name = profile.get("displayName") or profile.get("email")
    return name if isinstance(name, str) else ""


def require_users(uids: list[str]) -> dict[str, dict[str, Any]]:
    """The profiles of these users (404 naming the first that has no account)."""
    if len(uids) > 8:  # one read of the people list beats many round trips
        everyone = backend.ref(settings.USERS).get() or {}
        everyone = everyone if isinstance(everyone, dict) else {}
        found = {uid: everyone.get(uid) for uid in uids}
    else:
        found = {uid: backend.ref(f"{settings.USERS}/{uid}").get() for uid in uids}
    for uid in uids:
        profile = found.get(uid)
        if not isinstance(profile, dict) or not isinstance(profile.get("email"), str):
            raise ApiError(404, NO_SUCH_USER.format(uid=uid))
    return {uid: profile for uid, profile in found.items() if isinstance(profile, dict)}


def receipts_on(uid: str) -> bool:
    return receipts_enabled(backend.ref(paths.privacy(uid)).get())


def receipts_off_among(uids: Any) -> set[str]:
    """Which of these users switched read receipts off: one indexed query of `privacy`."""
    wanted = set(uids)
    found = backend.ref(paths.PRIVACY).order_by_child("readReceipts").equal_to(False).get() or {}
    return {uid for uid in found if uid in wanted} if isinstance(found, dict) else set()


def add_read_by(chat: Chat, viewer: str, messages: list[dict[str, Any]]) -> None:
    """Set each message's `read_by` (docs/data-model.md, "Read receipts, derived"): empty for
    a viewer whose receipts are off; members whose receipts are off never appear."""
    for message in messages:
        message["read_by"] = []
    if not messages:
        return
    hidden = receipts_off_among(chat.members)
    if viewer in hidden:
        return
    receipts = backend.ref(paths.receipts(chat.chat_id)).get()
    for message in messages:
        message["read_by"] = read_by(message["sender"], message["timestamp_ms"], receipts,
                                     chat.members, hidden)


def mark_read(chat: Chat, uid: str) -> None:
    """One multi-path update, as the app's mark-read: the unread ids cleared, the read
    position set, and the receipt (only while the reader's receipts are on)."""
    changes: dict[str, Any] = {
        f"{paths.user_chat(uid, chat.chat_id)}/unreadIds": None,
        f"{paths.user_chat(uid, chat.chat_id)}/readAt": settings.SERVER_TIMESTAMP,
    }
    if receipts_on(uid):
        changes[paths.receipt(chat.chat_id, uid)] = settings.SERVER_TIMESTAMP
    backend.ref("/").update(changes)


def typing(chat: Chat, uid: str) -> None:
    backend.ref(paths.typing_of(chat.chat_id, uid)).set(settings.SERVER_TIMESTAMP)


def typing_users(chat: Chat, uid: str) -> list[str]:
    """Members typing now (fresh entries), yourself and former members left out."""
    entries = backend.ref(paths.typing(chat.chat_id)).get()
    return [other for other in typing_now(entries, backend.now_ms(), exclude=uid)
            if other in chat.members]
