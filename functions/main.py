"""Cloud Functions entry points (2nd gen, functions-framework). Declared in functions.json.

Imports stay light (a cold start pays for them): the API's route table, its Pydantic models and
firebase-admin load on the first request.
"""

from __future__ import annotations

import logging
from typing import Any

import functions_framework
from messenger_functions import redaction

redaction.install()  # tokens, passwords and Authorization headers never reach the logs
log = logging.getLogger("messenger_functions")


@functions_framework.http
def api(request: Any) -> Any:
    """HTTPS function: every route of the REST API (docs/functions.md)."""
    from messenger_functions.routes import API

    return API(request)


@functions_framework.cloud_event
def on_message_written(cloud_event: Any) -> None:
    """google.firebase.database.ref.v1.written on /messages/{chatId}/{messageId}."""
    from messenger_functions import unread

    data = cloud_event.data if isinstance(cloud_event.data, dict) else {}
    subject = cloud_event.get("subject") or ""
    outcome = unread.handle(subject, data.get("data"), data.get("delta"))
    log.info("on_message_written %s: %s", subject, outcome)


@functions_framework.cloud_event
def on_object_finalized(cloud_event: Any) -> None:
    """google.cloud.storage.object.v1.finalized: a thumbnail of a chat picture."""
    from messenger_functions import thumbnails

    outcome = thumbnails.handle(cloud_event.data)
    log.info("on_object_finalized %s: %s", cloud_event.get("subject") or "", outcome)


@functions_framework.cloud_event
def on_object_deleted(cloud_event: Any) -> None:
    """google.cloud.storage.object.v1.deleted: a deleted picture's thumbnail goes too."""
    from messenger_functions import thumbnails

    outcome = thumbnails.handle_deleted(cloud_event.data)
    log.info("on_object_deleted %s: %s", cloud_event.get("subject") or "", outcome)
