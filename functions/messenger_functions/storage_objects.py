"""The project's default Cloud Storage bucket, for the routes that look at uploaded files
(google-cloud-storage, as the thumbnail function uses it; firebase-admin's `storage.bucket()`
needs a credential the emulator suite does not give)."""

from __future__ import annotations

import logging
from typing import Any

from . import backend
from .errors import STORAGE_UNAVAILABLE, ApiError
from .thumbnails import storage_client

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0


def bucket_name() -> str:
    """The default bucket: FIREBASE_CONFIG's storageBucket (set on Cloud Functions and by
    the emulator suite), else the project's `<project>.appspot.com`."""
    app = backend.app()
    return str(app.options.get("storageBucket") or f"{app.project_id}.appspot.com")


def default_bucket() -> Any:
    return storage_client().bucket(bucket_name())


def exists(path: str) -> bool:
    """Whether an object is stored at `path`; ApiError 503 when Storage cannot say."""
    import requests
    from google.api_core import exceptions
    from google.auth.exceptions import GoogleAuthError

    try:
        return bool(default_bucket().blob(path).exists(timeout=TIMEOUT_S))
    except (exceptions.GoogleAPIError, GoogleAuthError, requests.RequestException) as exc:
        log.warning("looking up %s in Storage failed: %s", path, exc)
        raise ApiError(503, STORAGE_UNAVAILABLE) from exc
