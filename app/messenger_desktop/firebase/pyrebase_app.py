"""Building the pyrebase4 app, for a real project or for the emulator suite.

pyrebase4 is imported lazily and only off the UI thread: importing it (and the Google client
libraries it pulls in) takes about a second, which would otherwise delay the first window.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from ..config import ClientConfig

_lock = threading.Lock()
REQUEST_TIMEOUT_S = 20.0


def make_app(config: ClientConfig) -> Any:
    """A pyrebase4 Firebase app for `config` (blocking; call from a worker thread)."""
    with _lock:
        import pyrebase

        app = pyrebase.initialize_app(
            {
                "apiKey": config.api_key,
                "authDomain": f"{config.project_id}.firebaseapp.com",
                "databaseURL": config.database_url,
                "storageBucket": f"{config.project_id}.appspot.com",
            }
        )
        from messenger_emulators.auth.pyrebase_emulator import attach, auth_through_session

        if config.emulator and config.auth_emulator_host:
            # Rewrites Google's auth hosts to http://HOST:9099/<host>/... for this app only.
            attach(app, config.auth_emulator_host)
        else:
            # pyrebase4's Auth calls the module-level requests.post: route it through the
            # app's session so sign-in and token refresh get the timeout below too.
            auth_through_session(app)
        _default_timeout(app.requests)
        return app


def _default_timeout(session: Any) -> None:
    """pyrebase4 sends without a timeout: a request lost in a network change would hang its
    worker (and the outbox behind it) forever. Give every call through the session one."""
    send = session.request

    def request(method: str, url: str, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT_S)
        return send(method, url, **kwargs)

    session.request = request


def error_status(exc: Exception) -> tuple[int, str]:
    """(HTTP status, server message) from the HTTPError pyrebase4 raises (its args: err, body)."""
    status = 0
    original = exc.args[0] if exc.args else None
    # Not `a or b`: a requests Response is falsy when its status is an error.
    response = getattr(original, "response", None)
    if response is None:
        response = getattr(exc, "response", None)
    if response is not None:
        status = int(getattr(response, "status_code", 0) or 0)
    body = exc.args[1] if len(exc.args) > 1 else ""
    message = str(body)
    try:
        doc = json.loads(body)
        err = doc.get("error")
        message = err.get("message", message) if isinstance(err, dict) else str(err or message)
    except (ValueError, TypeError, AttributeError):
        pass
    return status, message
