"""The `api` function's routes: the original design's REST API, identity from the ID token."""

from __future__ import annotations

from typing import Any

from messenger_model.chats import direct_chat_id

from . import accounts, action_routes, chats, group_avatar_routes, messaging, openapi, people
from .errors import NOT_YOURSELF, SAME_USER, ApiError
from .group_routes import GROUP_ROUTES
from .http import Api, Call, Route
from .models import (
    ActivityRequest,
    ChatQuery,
    Deleted,
    LoginRequest,
    LoginResponse,
    MarkReadRequest,
    MessageOut,
    ReceiverQuery,
    RegisterRequest,
    RegisterResponse,
    SendMessageRequest,
    SentMessage,
    StatusOk,
    Updated,
    UserOut,
)


def _must_be_caller(call: Call, field: str, value: str) -> None:
    if value != call.uid:
        raise ApiError(403, NOT_YOURSELF.format(field=field))


def register(call: Call) -> RegisterResponse:
    body: RegisterRequest = call.body
    message, session = accounts.register(body.email, body.password, call.address)
    return RegisterResponse(
        message=message, user_id=session.user_id, custom_token=session.custom_token
    )


def login(call: Call) -> LoginResponse:
    body: LoginRequest = call.body
    session = accounts.login(body.email, body.password, call.address)
    return LoginResponse(user_id=session.user_id, custom_token=session.custom_token)


def users(call: Call) -> list[UserOut]:
    return [UserOut(**person) for person in people.list_users()]


def send_message(call: Call) -> SentMessage:
    body: SendMessageRequest = call.body
    assert call.uid is not None
    if body.chat_id is not None:  # any chat you are in (issue 15)
        if body.sender is not None:
            _must_be_caller(call, "sender", body.sender)
        chat = chats.of_member(body.chat_id, call.uid)
        message_id = messaging.send_to(chat.chat_id, call.uid, body.content,
                                       direct=chat.type == "direct", reply_to=body.reply_to)
        return SentMessage(status="ok", message_id=message_id, chat_id=chat.chat_id)
    assert body.sender is not None and body.receiver is not None
    _must_be_caller(call, "sender", body.sender)
    chat_id, message_id = messaging.send(body.sender, body.receiver, body.content,
                                         body.reply_to)
    return SentMessage(status="ok", message_id=message_id, chat_id=chat_id)


def _chat_of_call(call: Call, named: Any) -> chats.Chat:
    """The chat a request names (chat_id, or sender and receiver), as a member."""
    assert call.uid is not None
    if named.chat_id is not None:
        return chats.of_member(named.chat_id, call.uid)
    if call.uid not in (named.sender, named.receiver):
        raise ApiError(403, NOT_YOURSELF.format(field="sender or receiver"))
    if named.sender == named.receiver:
        raise ApiError(400, SAME_USER)
    return chats.of_member(direct_chat_id(named.sender, named.receiver), call.uid)


def get_messages(call: Call) -> list[MessageOut]:
    query: ChatQuery = call.query
    assert call.uid is not None
    chat = _chat_of_call(call, query)
    found = messaging.chat_page(chat.chat_id, query.limit, query.before,
                                messaging.hidden_ids(call.uid, chat.chat_id))
    chats.add_read_by(chat, call.uid, found)
    return [MessageOut(**message) for message in found]


def get_new_messages(call: Call) -> list[str]:
    query: ReceiverQuery = call.query
    _must_be_caller(call, "receiver", query.receiver)
    return messaging.unread_senders(query.receiver)


def mark_read(call: Call) -> StatusOk:
    body: MarkReadRequest = call.body
    assert call.uid is not None
    if body.chat_id is None:
        _must_be_caller(call, "receiver", body.receiver or "")
    chats.mark_read(_chat_of_call(call, body), call.uid)
    return StatusOk(status="ok")


def delete_message(call: Call) -> Deleted:
    assert call.uid is not None
    messaging.delete(call.uid, call.path_args["chat_id"], call.path_args["message_id"])
    return Deleted(status="deleted")


def update_activity(call: Call) -> Updated:
    body: ActivityRequest = call.body
    _must_be_caller(call, "user_id", body.user_id)
    people.heartbeat(body.user_id, body.online)
    return Updated(status="updated")


ROUTES: list[Route] = [
    Route(
        "POST",
        "/register",
        register,
        "Create an account",
        RegisterResponse,
        body=RegisterRequest,
        auth=False,
        errors=(400, 409, 413, 429),
        url_parameters=False,
    ),
    Route(
        "POST",
        "/login",
        login,
        "Sign in",
        LoginResponse,
        body=LoginRequest,
        auth=False,
        errors=(400, 401, 413, 429),
        url_parameters=False,
    ),
    Route("GET", "/users", users, "Everyone who has an account, with presence", list[UserOut]),
    Route(
        "POST",
        "/send_message",
        send_message,
        "Send a message as yourself",
        SentMessage,
        body=SendMessageRequest,
        errors=(400, 403, 404, 413),
    ),
    Route(
        "GET",
        "/get_messages",
        get_messages,
        "A page of a chat, oldest first",
        list[MessageOut],
        query=ChatQuery,
        errors=(400, 403, 404),
    ),
    Route(
        "GET",
        "/get_new_messages",
        get_new_messages,
        "Who sent you unread messages",
        list[str],
        query=ReceiverQuery,
        errors=(400, 403),
    ),
    Route(
        "POST",
        "/mark_read",
        mark_read,
        "Mark a chat read",
        StatusOk,
        body=MarkReadRequest,
        errors=(400, 403, 404, 413),
        documented_in_query=True,
    ),
    Route(
        "DELETE",
        "/delete_message/<chat_id>/<message_id>",
        delete_message,
        "Delete a message you sent",
        Deleted,
        errors=(403, 404),
    ),
    Route(
        "POST",
        "/update_activity",
        update_activity,
        "Presence heartbeat",
        Updated,
        body=ActivityRequest,
        errors=(400, 403, 413),
        documented_in_query=True,
    ),
    *GROUP_ROUTES,
]

ROUTES += action_routes.ROUTES  # edit, forward, react, search (issue 16)
ROUTES += group_avatar_routes.ROUTES  # a group's picture (issue 17)

_document: dict[str, Any] = {}


def _openapi_document(request: Any) -> Any:
    from .http import _json_response

    if not _document:  # generated once per instance: the routes never change at run time
        _document.update(openapi.document(ROUTES))
    return _json_response(_document, 200)


API = Api(ROUTES, {"/openapi.json": _openapi_document})
