"""Routes of the message actions and search (issue 16), appended to routes.ROUTES."""

from __future__ import annotations

import logging

from . import actions, search
from .action_models import (
    Edited,
    EditRequest,
    Forwarded,
    ForwardRequest,
    ReactRequest,
    SearchHit,
    SearchQuery,
)
from .http import Call, Route
from .models import StatusOk

log = logging.getLogger(__name__)


def edit_message(call: Call) -> Edited:
    assert call.uid is not None
    body: EditRequest = call.body
    actions.edit(call.uid, call.path_args["chat_id"], call.path_args["message_id"], body.content)
    return Edited(status="edited")


def forward_message(call: Call) -> Forwarded:
    assert call.uid is not None
    body: ForwardRequest = call.body
    message_id = actions.forward(call.uid, body.from_chat_id, body.message_id, body.to_chat_id)
    return Forwarded(message_id=message_id, chat_id=body.to_chat_id)


def react(call: Call) -> StatusOk:
    assert call.uid is not None
    body: ReactRequest = call.body
    actions.react(call.uid, call.path_args["chat_id"], call.path_args["message_id"], body.emoji)
    return StatusOk(status="ok")


def search_messages(call: Call) -> list[SearchHit]:
    assert call.uid is not None
    query: SearchQuery = call.query
    hits, scanned = search.search(call.uid, query.q, query.chat_id, query.limit, query.before)
    log.info("search scanned %d messages for %d hits", scanned, len(hits))
    return [SearchHit(**hit) for hit in hits]


ROUTES: list[Route] = [
    Route(
        "POST",
        "/edit_message/<chat_id>/<message_id>",
        edit_message,
        "Edit a message you sent",
        Edited,
        body=EditRequest,
        errors=(400, 403, 404, 413),
    ),
    Route(
        "POST",
        "/forward_message",
        forward_message,
        "Forward a message of one of your chats to another (its picture or file is copied "
        "into the target chat; 404 if that file was deleted, 503 if storage is down)",
        Forwarded,
        body=ForwardRequest,
        errors=(400, 403, 404, 413, 503),
    ),
    Route(
        "POST",
        "/react/<chat_id>/<message_id>",
        react,
        "Set or remove your reaction to a message",
        StatusOk,
        body=ReactRequest,
        errors=(400, 403, 404, 413),
    ),
    Route(
        "GET",
        "/search",
        search_messages,
        "Your messages containing a text, newest first, a page at a time (`before`: the last "
        "hit so far; scans your chats: slow)",
        list[SearchHit],
        query=SearchQuery,
        errors=(400, 403, 404),
    ),
]
