"""The `api` function's routes for groups, chats and typing (issue 15; docs/functions.md).

Non-members get 403 on every group route, unknown chats 404, bad input 400 with {"detail"}.
"""

from __future__ import annotations

from . import chats, groups
from .group_models import (
    AddMembersRequest,
    ChatIdQuery,
    ChatOut,
    ChatRequest,
    CreateGroupRequest,
    GroupCreated,
    RemoveMemberRequest,
    RenameGroupRequest,
    SetRoleRequest,
)
from .http import Call, Route
from .models import StatusOk


def _caller(call: Call) -> str:
    assert call.uid is not None  # every route here needs a signed-in caller
    return call.uid


def create_group(call: Call) -> GroupCreated:
    body: CreateGroupRequest = call.body
    return GroupCreated(chat_id=groups.create(_caller(call), body.name, body.members))


def rename_group(call: Call) -> StatusOk:
    body: RenameGroupRequest = call.body
    groups.rename(body.chat_id, _caller(call), body.name)
    return StatusOk(status="ok")


def add_members(call: Call) -> StatusOk:
    body: AddMembersRequest = call.body
    groups.add(body.chat_id, _caller(call), body.members)
    return StatusOk(status="ok")


def remove_member(call: Call) -> StatusOk:
    body: RemoveMemberRequest = call.body
    groups.remove(body.chat_id, _caller(call), body.user_id)
    return StatusOk(status="ok")


def set_role(call: Call) -> StatusOk:
    body: SetRoleRequest = call.body
    groups.set_role(body.chat_id, _caller(call), body.user_id, body.role)
    return StatusOk(status="ok")


def leave_group(call: Call) -> StatusOk:
    body: ChatRequest = call.body
    groups.leave(body.chat_id, _caller(call))
    return StatusOk(status="ok")


def get_chat(call: Call) -> ChatOut:
    query: ChatIdQuery = call.query
    uid = _caller(call)
    chat = chats.of_member(query.chat_id, uid)
    name = chat.name if chat.type == "group" else chats.direct_name(chat, uid)
    return ChatOut(chat_id=chat.chat_id, type=chat.type,  # type: ignore[arg-type]
                   name=name, members=chat.members)  # type: ignore[arg-type]


def post_typing(call: Call) -> StatusOk:
    body: ChatRequest = call.body
    uid = _caller(call)
    chats.typing(chats.of_member(body.chat_id, uid), uid)
    return StatusOk(status="ok")


def get_typing(call: Call) -> list[str]:
    query: ChatIdQuery = call.query
    uid = _caller(call)
    return chats.typing_users(chats.of_member(query.chat_id, uid), uid)


_WRITE_ERRORS = (400, 403, 404, 413)

GROUP_ROUTES: list[Route] = [
    Route("POST", "/create_group", create_group, "Create a group (you are its owner)",
          GroupCreated, body=CreateGroupRequest, errors=(400, 404, 413), url_parameters=False),
    Route("POST", "/rename_group", rename_group, "Rename a group (owner or admin)", StatusOk,
          body=RenameGroupRequest, errors=_WRITE_ERRORS),
    Route("POST", "/add_members", add_members, "Add members to a group (owner or admin)",
          StatusOk, body=AddMembersRequest, errors=_WRITE_ERRORS, url_parameters=False),
    Route("POST", "/remove_member", remove_member, "Remove a member (owner or admin)", StatusOk,
          body=RemoveMemberRequest, errors=_WRITE_ERRORS),
    Route("POST", "/set_role", set_role, "Make a member an admin or back (owner)", StatusOk,
          body=SetRoleRequest, errors=_WRITE_ERRORS),
    Route("POST", "/leave_group", leave_group, "Leave a group", StatusOk, body=ChatRequest,
          errors=_WRITE_ERRORS),
    Route("GET", "/get_chat", get_chat, "A chat you are in: type, name, members and roles",
          ChatOut, query=ChatIdQuery, errors=(400, 403, 404)),
    Route("POST", "/typing", post_typing, "Say you are typing in a chat", StatusOk,
          body=ChatRequest, errors=_WRITE_ERRORS),
    Route("GET", "/typing", get_typing, "Who is typing in a chat now", list[str],
          query=ChatIdQuery, errors=(400, 403, 404)),
]
