"""A group's record (`chats/{groupId}`) as the app shows it, and system messages in words.

`chats/{groupId}` = `{type: "group", name, createdAt, createdBy, members: {uid: role},
joinedAt: {uid: ts}}`, written only by the api function. A system message carries
`system: {kind, actor, users: {uid: true}, name}`; its English `text` is a fallback for other
clients, the app writes the sentence from `system` with today's display names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from messenger_model.groups import ADMIN, MEMBER, OWNER, is_admin, joined_at, members_of
from PySide6.QtCore import QCoreApplication

from .plurals import plurals

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

__all__ = ["ADMIN", "MEMBER", "OWNER", "GroupInfo", "SystemEvent", "group_from", "is_admin",
           "member_count", "role_label", "system_from", "system_text"]


@dataclass(frozen=True)
class GroupInfo:
    name: str
    members: dict[str, str]  # uid -> role
    order: tuple[str, ...]  # uids: owner(s), admins, members, each by join time

    def role(self, uid: str) -> str | None:
        return self.members.get(uid)

    def can_manage(self, uid: str) -> bool:
        return is_admin(self.members.get(uid))


def group_from(value: Any) -> GroupInfo | None:
    if not isinstance(value, dict):
        return None
    members = members_of(value)
    rank = {OWNER: 0, ADMIN: 1, MEMBER: 2}
    order = sorted(members, key=lambda u: (rank.get(members[u], 2), joined_at(value, u), u))
    name = value.get("name")
    return GroupInfo(str(name) if isinstance(name, str) else "", members, tuple(order))


def member_count(n: int) -> str:
    """"1 member", "4 members" (English has no plural forms file: one is spelled out; the
    Russian forms of "%n members" cover every other number)."""
    if n == 1:
        return translate("Group", "1 member")
    return plurals().members(n)


def role_label(role: str | None) -> str:
    if role == OWNER:
        return translate("Group", "owner")
    if role == ADMIN:
        return translate("Group", "admin")
    return ""


@dataclass(frozen=True)
class SystemEvent:
    kind: str
    actor: str
    users: tuple[str, ...]
    name: str = ""
    role: str = ""  # kind "role": the role given ("admin", or "member" again)


def system_from(value: Any) -> SystemEvent | None:
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return None
    users = value.get("users")
    uids = tuple(sorted(str(u) for u in users)) if isinstance(users, dict) else ()
    name, role = value.get("name"), value.get("role")
    return SystemEvent(value["kind"], str(value.get("actor") or ""), uids,
                       name if isinstance(name, str) else "",
                       role if isinstance(role, str) else "")


def _names(uids: tuple[str, ...], name_of: Callable[[str], str]) -> str:
    names = [name_of(u) for u in uids]
    if not names:
        return ""
    if len(names) == 1:
        return names[0]
    return translate("Group", "{0} and {1}").format(", ".join(names[:-1]), names[-1])


def system_text(event: SystemEvent, name_of: Callable[[str], str], fallback: str = "") -> str:
    """"анна added борис" in the language in use, with today's names."""
    actor = name_of(event.actor) if event.actor else ""
    users = _names(event.users, name_of)
    if event.kind == "created":
        return translate("Group", "{0} created the group “{1}”").format(actor, event.name)
    if event.kind == "added":
        return translate("Group", "{0} added {1}").format(actor, users)
    if event.kind == "removed":
        return translate("Group", "{0} removed {1}").format(actor, users)
    if event.kind == "left":
        return translate("Group", "{0} left the group").format(users or actor)
    if event.kind == "renamed":
        return translate("Group", "{0} renamed the group to “{1}”").format(actor, event.name)
    if event.kind == "role" and event.role == ADMIN:
        return translate("Group", "{0} made {1} an admin").format(actor, users)
    if event.kind == "role" and event.role == MEMBER:
        return translate("Group", "{0} removed {1} from admins").format(actor, users)
    if event.kind == "owner":
        return translate("Group", "{0} is now the owner").format(users or actor)
    return fallback
