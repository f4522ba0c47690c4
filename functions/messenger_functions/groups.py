"""Group membership through the API: create, rename, add, remove, leave (issue 15).

Only the api function writes `chats/{groupId}` (the rules let no client write it, so no one can
make themselves a member or an admin). Each change is ONE admin multi-path update of the group
record, the system message that tells the members (`system`: kind, actor, users, name; `text`
its English wording; the app renders it from `system` with display names) and every affected
`userChats` entry: a new member's entry starts at the add (`readAt` = the join time, so older
messages are not unread), a removed member's entry goes, with their receipt and typing state.
Nothing is half-done: a reader sees the membership and its system message together.
Changes of one group are serialised (group_lock.py: a claim on its record, released by the
change's own update), so two admins at once cannot both decide from the same membership.

Roles (messenger_model.groups): owners and admins add, remove and rename; an admin removes
plain members, only an owner removes an admin; anyone leaves; the last owner leaving hands
ownership to the longest-standing admin, else the longest-standing member.
"""

from __future__ import annotations

from typing import Any

from messenger_model import attachments, paths
from messenger_model.chats import new_group_id
from messenger_model.groups import (
    ADDED,
    ADMIN,
    CREATED,
    GROUP_TYPE,
    LEFT,
    MEMBER,
    OWNER,
    OWNER_CHANGED,
    REMOVED,
    RENAMED,
    ROLE_CHANGED,
    is_admin,
    successor,
)
from messenger_model.limits import GROUP_MAX_MEMBERS
from messenger_model.push_ids import new_push_id

from . import backend, chats, settings, storage_objects
from .errors import (
    GROUP_AVATAR_MISSING,
    GROUP_AVATAR_PATH,
    GROUP_TOO_LARGE,
    NOT_AN_ADMIN,
    NOT_AN_OWNER,
    NOT_IN_GROUP,
    NOT_THE_OWNER,
    OWN_ROLE,
    REMOVE_YOURSELF,
    ApiError,
)
from .group_lock import Hold, held

SV = settings.SERVER_TIMESTAMP


def _display(profiles: dict[str, Any], uid: str) -> str:
    profile = profiles.get(uid)
    if isinstance(profile, dict):
        for key in ("displayName", "email"):
            if isinstance(profile.get(key), str) and profile[key]:
                return str(profile[key])
    return uid


def _names(profiles: dict[str, Any], uids: list[str]) -> str:
    return ", ".join(_display(profiles, uid) for uid in uids)


def _system(chat_id: str, actor: str, kind: str, text: str, users: list[str] | None = None,
            name: str | None = None, role: str | None = None) -> dict[str, Any]:
    """The changes that add one system message."""
    system: dict[str, Any] = {"kind": kind, "actor": actor}
    if users:
        system["users"] = dict.fromkeys(users, True)
    if name is not None:
        system["name"] = name
    if role is not None:
        system["role"] = role
    return {paths.message(chat_id, new_push_id()): {
        "sender": actor, "text": text, "ts": SV, "system": system}}


def _join(chat_id: str, uid: str, role: str, name: str) -> dict[str, Any]:
    return {
        f"{paths.chat_members(chat_id)}/{uid}": role,
        f"{paths.chat(chat_id)}/joinedAt/{uid}": SV,
        paths.user_chat(uid, chat_id): {"readAt": SV, "group": {"name": name}},
    }


def _part(chat_id: str, uid: str) -> dict[str, Any]:
    return {
        f"{paths.chat_members(chat_id)}/{uid}": None,
        f"{paths.chat(chat_id)}/joinedAt/{uid}": None,
        paths.user_chat(uid, chat_id): None,
        paths.receipt(chat_id, uid): None,
        paths.typing_of(chat_id, uid): None,
    }


def _commit(changes: dict[str, Any]) -> None:
    backend.ref("/").update(changes)


def _as_member(chat_id: str, uid: str) -> chats.Chat:
    chat = chats.of_member(chat_id, uid)
    if chat.type != GROUP_TYPE:
        raise ApiError(404, chats.NO_SUCH_CHAT)  # a direct chat has no membership to change
    return chat


def _as_admin(chat_id: str, uid: str) -> chats.Chat:
    chat = _as_member(chat_id, uid)
    if not is_admin(chat.members.get(uid)):
        raise ApiError(403, NOT_AN_ADMIN)
    return chat


def create(owner: str, name: str, members: list[str]) -> str:
    others = [uid for uid in members if uid != owner]
    if len(others) + 1 > GROUP_MAX_MEMBERS:
        raise ApiError(400, GROUP_TOO_LARGE.format(max=GROUP_MAX_MEMBERS))
    profiles = chats.require_users([owner, *others])
    chat_id = new_group_id()
    changes: dict[str, Any] = {paths.chat(chat_id): {
        "type": GROUP_TYPE, "name": name, "createdAt": SV, "createdBy": owner,
        "members": {owner: OWNER, **dict.fromkeys(others, MEMBER)},
        "joinedAt": dict.fromkeys([owner, *others], SV)}}
    for uid in (owner, *others):
        changes[paths.user_chat(uid, chat_id)] = {"readAt": SV, "group": {"name": name}}
    changes.update(_system(chat_id, owner, CREATED,
                           f"{_display(profiles, owner)} created the group {name}", others,
                           name))
    _commit(changes)
    return chat_id


def rename(chat_id: str, actor: str, name: str) -> None:
    _as_admin(chat_id, actor)  # strangers are refused before they can hold the group
    with held(chat_id) as hold:
        _rename(hold, _as_admin(chat_id, actor), actor, name)


def _rename(hold: Hold, chat: chats.Chat, actor: str, name: str) -> None:
    chat_id = chat.chat_id
    changes: dict[str, Any] = {f"{paths.chat(chat_id)}/name": name}
    for uid in chat.members:
        changes[f"{paths.user_chat(uid, chat_id)}/group/name"] = name
    profiles = chats.require_users([actor])
    changes.update(_system(chat_id, actor, RENAMED,
                           f"{_display(profiles, actor)} renamed the group to {name}",
                           name=name))
    hold.commit(changes)


def set_avatar(chat_id: str, actor: str, path: str) -> None:
    """Point the group's picture at `path` ("" removes it): an object the actor uploaded to
    this group (the Storage rules let members upload there; only this route names it).
    Written to the group record and mirrored into every member's entry, as the name is."""
    _as_admin(chat_id, actor)
    if path and attachments.group_object(path) != (chat_id, actor):
        raise ApiError(400, GROUP_AVATAR_PATH)
    if path and not storage_objects.exists(path):  # named, never uploaded: a broken picture
        raise ApiError(404, GROUP_AVATAR_MISSING)
    with held(chat_id) as hold:
        chat = _as_admin(chat_id, actor)
        changes: dict[str, Any] = {f"{paths.chat(chat_id)}/avatar": path or None}
        for uid in chat.members:
            changes[f"{paths.user_chat(uid, chat_id)}/group/avatar"] = path or None
        hold.commit(changes)


def add(chat_id: str, actor: str, members: list[str]) -> None:
    _as_admin(chat_id, actor)
    with held(chat_id) as hold:  # two admins adding at once must not pass the limit together
        _add(hold, _as_admin(chat_id, actor), actor, members)


def _add(hold: Hold, chat: chats.Chat, actor: str, members: list[str]) -> None:
    chat_id = chat.chat_id
    new = [uid for uid in members if uid not in chat.members]
    if not new:
        return  # already members: nothing to do, nothing to announce
    if len(chat.members) + len(new) > GROUP_MAX_MEMBERS:
        raise ApiError(400, GROUP_TOO_LARGE.format(max=GROUP_MAX_MEMBERS))
    profiles = chats.require_users([actor, *new])
    changes: dict[str, Any] = {}
    for uid in new:
        changes.update(_join(chat_id, uid, MEMBER, chat.name))
        avatar = chat.record.get("avatar")
        if isinstance(avatar, str) and avatar:  # the group's picture, as the others have it
            # (inside the entry _join writes: an update may not name a path and its parent)
            changes[paths.user_chat(uid, chat_id)]["group"]["avatar"] = avatar
    changes.update(_system(chat_id, actor, ADDED,
                           f"{_display(profiles, actor)} added {_names(profiles, new)}", new))
    hold.commit(changes)


def remove(chat_id: str, actor: str, uid: str) -> None:
    _as_admin(chat_id, actor)
    with held(chat_id) as hold:
        _remove(hold, _as_admin(chat_id, actor), actor, uid)


def _remove(hold: Hold, chat: chats.Chat, actor: str, uid: str) -> None:
    chat_id = chat.chat_id
    if uid == actor:
        raise ApiError(400, REMOVE_YOURSELF)
    role = chat.members.get(uid)
    if role is None:
        raise ApiError(404, NOT_IN_GROUP.format(uid=uid))
    if role in (OWNER, ADMIN) and chat.members.get(actor) != OWNER:
        raise ApiError(403, NOT_THE_OWNER)
    profiles = chats.require_users([actor]) | _profiles_or_ids([uid])
    changes = _part(chat_id, uid)
    changes.update(_system(chat_id, actor, REMOVED,
                           f"{_display(profiles, actor)} removed {_display(profiles, uid)}",
                           [uid]))
    hold.commit(changes)


def leave(chat_id: str, uid: str) -> None:
    _as_member(chat_id, uid)
    with held(chat_id) as hold:  # two owners leaving at once must not leave it ownerless
        _leave(hold, _as_member(chat_id, uid), uid)


def _leave(hold: Hold, chat: chats.Chat, uid: str) -> None:
    chat_id = chat.chat_id
    profiles = _profiles_or_ids([uid])
    changes = _part(chat_id, uid)
    changes.update(_system(chat_id, uid, LEFT, f"{_display(profiles, uid)} left", [uid]))
    heir = successor(chat.record, uid) if chat.members.get(uid) == OWNER else None
    if heir is not None:
        profiles |= _profiles_or_ids([heir])
        changes[f"{paths.chat_members(chat_id)}/{heir}"] = OWNER
        changes.update(_system(chat_id, uid, OWNER_CHANGED,
                               f"{_display(profiles, heir)} is now the owner", [heir]))
    hold.commit(changes)


def _profiles_or_ids(uids: list[str]) -> dict[str, Any]:
    """Profiles for wording (a deleted account reads as its uid)."""
    return {uid: backend.ref(f"{settings.USERS}/{uid}").get() for uid in uids}


def set_role(chat_id: str, actor: str, uid: str, role: str) -> None:
    """The owner makes a member an admin or an admin a plain member, and the members are told
    (kind "role", with the new `role`), in one update; no change, no message."""
    _as_member(chat_id, actor)
    with held(chat_id) as hold:
        _set_role(hold, _as_member(chat_id, actor), actor, uid, role)


def _set_role(hold: Hold, chat: chats.Chat, actor: str, uid: str, role: str) -> None:
    chat_id = chat.chat_id
    if chat.members.get(actor) != OWNER:
        raise ApiError(403, NOT_AN_OWNER)
    if uid == actor:
        raise ApiError(400, OWN_ROLE)
    current = chat.members.get(uid)
    if current is None:
        raise ApiError(404, NOT_IN_GROUP.format(uid=uid))
    if current == OWNER:
        raise ApiError(403, NOT_AN_OWNER)  # owners are not demoted by each other
    if current != role:
        profiles = chats.require_users([actor]) | _profiles_or_ids([uid])
        wording = "an admin" if role == ADMIN else "a member"
        changes: dict[str, Any] = {f"{paths.chat_members(chat_id)}/{uid}": role}
        changes.update(_system(chat_id, actor, ROLE_CHANGED,
                               f"{_display(profiles, actor)} made {_display(profiles, uid)} "
                               f"{wording}", [uid], role=role))
        hold.commit(changes)
