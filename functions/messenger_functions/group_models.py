"""Request and response models of the group, chat and typing routes (issue 15)."""

from __future__ import annotations

from typing import Literal

from messenger_model.limits import GROUP_MAX_MEMBERS, GROUP_NAME_MAX
from pydantic import Field, field_validator

from .errors import GROUP_NAME_BLANK, GROUP_NAME_TOO_LONG, MEMBERS_NOT_UIDS, MEMBERS_TWICE
from .keys import is_plausible_uid
from .models import Uid, _Model

ChatId = Field(min_length=1, max_length=128, description="A chat's id (`uidA_uidB` or `g-...`).")
Members = Field(
    max_length=GROUP_MAX_MEMBERS,
    json_schema_extra={"items": {"type": "string", "pattern": "^[A-Za-z0-9-]+$",
                                 "minLength": 1, "maxLength": 128}},
    description=f"User ids (a group has at most {GROUP_MAX_MEMBERS} members, you included).")


class _Named(_Model):
    name: str = Field(json_schema_extra={"minLength": 1, "maxLength": GROUP_NAME_MAX},
                      description="The group's name; surrounding spaces are dropped.")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(GROUP_NAME_BLANK)
        if len(value) > GROUP_NAME_MAX:
            raise ValueError(GROUP_NAME_TOO_LONG.format(max=GROUP_NAME_MAX))
        return value


def _unique(value: list[str]) -> list[str]:
    if not all(is_plausible_uid(uid) for uid in value):
        raise ValueError(MEMBERS_NOT_UIDS)
    if len(set(value)) != len(value):
        raise ValueError(MEMBERS_TWICE)
    return value


class CreateGroupRequest(_Named):
    members: list[str] = Members

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        return _unique(value)


class RenameGroupRequest(_Named):
    chat_id: str = ChatId


class AddMembersRequest(_Model):
    chat_id: str = ChatId
    members: list[str] = Field(min_length=1, max_length=GROUP_MAX_MEMBERS,
                               json_schema_extra=Members.json_schema_extra,
                               description="User ids to add.")

    @field_validator("members")
    @classmethod
    def _members(cls, value: list[str]) -> list[str]:
        return _unique(value)


class RemoveMemberRequest(_Model):
    chat_id: str = ChatId
    user_id: str = Uid


class SetRoleRequest(_Model):
    chat_id: str = ChatId
    user_id: str = Uid
    role: Literal["admin", "member"] = Field(description="The member's new role.")


class ChatRequest(_Model):
    chat_id: str = ChatId


class ChatIdQuery(_Model):
    chat_id: str = ChatId


class GroupCreated(_Model):
    chat_id: str


class ChatOut(_Model):
    chat_id: str
    type: Literal["direct", "group"]
    name: str = Field(description="The group's name; for a direct chat, the other member's "
                      "display name.")
    members: dict[str, Literal["owner", "admin", "member"]] = Field(
        description="Every member's role (both members of a direct chat are `member`).")
