"""`POST /forward_message` of a message with a picture or a file (issue 16).

A file is readable by its own chat's members only (storage.rules), so a forward cannot reuse
the original's object: the `api` copies it server-side (Cloud Storage's rewrite, with
google-cloud-storage as the thumbnail function uses it; the Storage emulator implements it)
to a new object of the forwarder's under the target chat's prefix, named after the new
message, as the app's own upload would be. The copy is made before the message is
written, so a message never names a missing object; a copy whose message then fails to be
written stays unnamed (as an app upload whose message failed). The copy gets its own
download token, and its finalize event makes its thumbnail as for any upload.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from messenger_model import attachments

from .errors import FILE_GONE, FILE_NOT_OF_CHAT, STORAGE_UNAVAILABLE, ApiError
from .storage_objects import default_bucket

log = logging.getLogger(__name__)
RETRY_S = 15.0
COPY_TIMEOUT_S = 30.0  # one call; Cloud Storage answers a large copy in several calls
_FIELDS = ("name", "size", "contentType", "width", "height")


def copy_attachment(att: Any, from_chat: str, to_chat: str, uid: str,
                    message_id: str) -> dict[str, Any]:
    """The value of the forward's `attachment`: the original's object copied to `to_chat`
    as `uid`'s. ApiError: 400 an object outside its chat, 404 it is gone, 503 Storage down."""
    path = att.get("path") if isinstance(att, dict) else None
    if not isinstance(path, str) or attachments.chat_of(path) != from_chat:
        raise ApiError(400, FILE_NOT_OF_CHAT)
    name = att.get("name") if isinstance(att.get("name"), str) else "file"
    target_path = attachments.object_path(to_chat, uid, message_id, name,
                                          attachments.new_capability())
    import requests
    from google.api_core import exceptions
    from google.auth.exceptions import GoogleAuthError
    from google.cloud.storage.retry import DEFAULT_RETRY

    # Create-only (the name is new), so a retry is safe; bounded so a Storage outage is a
    # 503 within the request's time, not a hang.
    RETRY = DEFAULT_RETRY.with_timeout(RETRY_S)  # noqa: N806

    try:
        bucket = default_bucket()
        source, target = bucket.blob(path), bucket.blob(target_path)
        target.metadata = {"firebaseStorageDownloadTokens": str(uuid.uuid4())}  # its own link
        token = None
        while True:  # Cloud Storage may take several calls for a large object
            token, _done, _total = target.rewrite(source, token=token, if_generation_match=0,
                                                  retry=RETRY, timeout=COPY_TIMEOUT_S)
            if token is None:
                break
    except exceptions.NotFound as exc:
        raise ApiError(404, FILE_GONE) from exc
    except (exceptions.GoogleAPIError, GoogleAuthError, requests.RequestException) as exc:
        log.warning("copying %s for a forward failed: %s", path, exc)
        raise ApiError(503, STORAGE_UNAVAILABLE) from exc
    value = {key: att[key] for key in _FIELDS if key in att}
    value["path"] = target_path
    if att.get("thumb"):
        value["thumb"] = attachments.thumb_path(target_path)
    return value
