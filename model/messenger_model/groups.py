"""Group roles and who may do what (docs/data-model.md, "the agreed layout").

`chats/{groupId}` is `{type: "group", name, createdAt, createdBy, members: {uid: role},
joinedAt: {uid: ts}}`, written only by the api function (clients cannot write it at all, so no
one can make themselves a member or an admin). The app uses the same helpers to decide which
actions to offer; the API decides which it performs.
"""

from __future__ import annotations

from typing import Any

OWNER, ADMIN, MEMBER = "owner", "admin", "member"
ROLES = (OWNER, ADMIN, MEMBER)
GROUP_TYPE = "group"
DIRECT_TYPE = "direct"

# System message kinds (messages/{groupId}/{id}/system/kind), written by the api function only.
CREATED, ADDED, REMOVED, LEFT, RENAMED, OWNER_CHANGED, ROLE_CHANGED = (
    "created", "added", "removed", "left", "renamed", "owner", "role")
SYSTEM_KINDS = (CREATED, ADDED, REMOVED, LEFT, RENAMED, OWNER_CHANGED, ROLE_CHANGED)


def members_of(chat: Any) -> dict[str, str]:
    """A group record's `{uid: role}` (roles that are not known read as plain members)."""
    members = chat.get("members") if isinstance(chat, dict) else None
    if not isinstance(members, dict):
        return {}
    return {str(uid): role if role in ROLES else MEMBER for uid, role in members.items()}


def role_of(chat: Any, uid: str) -> str | None:
    return members_of(chat).get(uid)


def is_admin(role: str | None) -> bool:
    """Owners and admins add and remove members and rename the group."""
    return role in (OWNER, ADMIN)


def joined_at(chat: Any, uid: str) -> float:
    joined = chat.get("joinedAt") if isinstance(chat, dict) else None
    value = joined.get(uid) if isinstance(joined, dict) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return float("inf")  # unknown: ranks last


def successor(chat: Any, leaving: str) -> str | None:
    """Who becomes owner when the last owner leaves: the longest-standing admin, else the
    longest-standing member (by joinedAt, then uid); None when nobody is left, or when another
    owner stays (then nobody needs promoting)."""
    members = members_of(chat)
    others = {uid: role for uid, role in members.items() if uid != leaving}
    if not others or any(role == OWNER for role in others.values()):
        return None
    for wanted in (ADMIN, MEMBER):
        candidates = [uid for uid, role in others.items() if role == wanted]
        if candidates:
            return min(candidates, key=lambda uid: (joined_at(chat, uid), uid))
    return None
