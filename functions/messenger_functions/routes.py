"""The `api` function's routes: the original design's REST API, identity from the ID token."""

from __future__ import annotations

from typing import Any

from . import accounts, action_routes, messaging, openapi, people
from .errors import NOT_YOURSELF, ApiError
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
    _must_be_caller(call, "sender", body.sender)
    chat, message_id = messaging.send(body.sender, body.receiver, body.content, body.reply_to)
    return SentMessage(status="ok", message_id=message_id, chat_id=chat)


def get_messages(call: Call) -> list[MessageOut]:
    query: ChatQuery = call.query
    if call.uid not in (query.sender, query.receiver):
        raise ApiError(403, NOT_YOURSELF.format(field="sender or receiver"))
    found = messaging.page(query.sender, query.receiver, query.limit, query.before)
    return [MessageOut(**message) for message in found]


def get_new_messages(call: Call) -> list[str]:
    query: ReceiverQuery = call.query
    _must_be_caller(call, "receiver", query.receiver)
    return messaging.unread_senders(query.receiver)


def mark_read(call: Call) -> StatusOk:
    body: MarkReadRequest = call.body
    _must_be_caller(call, "receiver", body.receiver)
    messaging.mark_read(body.receiver, body.sender)
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
        errors=(400, 403),
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
        errors=(400, 403, 413),
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
]

ROUTES += action_routes.ROUTES  # edit, forward, react, search (issue 16)

_document: dict[str, Any] = {}


def _openapi_document(request: Any) -> Any:
    from .http import _json_response

    if not _document:  # generated once per instance: the routes never change at run time
        _document.update(openapi.document(ROUTES))
    return _json_response(_document, 200)


API = Api(ROUTES, {"/openapi.json": _openapi_document})
