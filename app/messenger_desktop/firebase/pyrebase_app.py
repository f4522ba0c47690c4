"""Building the pyrebase4 app, for a real project or for the emulator suite.

The one seam between the app and pyrebase4 (public API only):

- `app_transport()`, a requests transport adapter mounted on the app's pyrebase session (the public
  `Firebase.requests`): every call gets a timeout (pyrebase4 sends without one, so a request
  lost in a network change would hang its worker, and the outbox behind it, forever), and when
  an Auth emulator host is configured (the value FIREBASE_AUTH_EMULATOR_HOST would have), calls
  to Google's Auth hosts go to ``http://HOST:PORT/<google host>/<path>``, where the official
  emulators serve them. Database URLs are left alone.
- `SessionAuth`, pyrebase4's `Auth` whose two calls the app makes (custom-token sign-in and
  token refresh) send through that session: pyrebase4's own methods use the module-level
  `requests.post`, which no adapter reaches. Its other methods are pyrebase4's, unchanged.

Unit tests pass their own transport (any `requests` adapter) instead of `app_transport()`.

pyrebase4 is imported lazily and only off the UI thread: importing it (and the Google client
libraries it pulls in) takes about a second, which would otherwise delay the first window.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any
from urllib.parse import urlsplit

from ..config import ClientConfig

_lock = threading.Lock()
REQUEST_TIMEOUT_S = 20.0

# Google's hosts that the Auth emulator serves behind its /<host>/ prefix.
GOOGLE_AUTH_HOSTS: tuple[str, ...] = (
    "identitytoolkit.googleapis.com",
    "securetoken.googleapis.com",
    "www.googleapis.com",
)


def emulator_url(url: str, emulator_host: str) -> str:
    """``https://<google auth host>/p?q`` -> ``http://<emulator_host>/<google host>/p?q``;
    any other URL as is."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in GOOGLE_AUTH_HOSTS:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"http://{emulator_host}/{parts.hostname}{parts.path}{query}"


def app_transport(auth_emulator_host: str | None = None) -> Any:
    """The app's requests transport adapter: a default timeout, and the Auth emulator when
    `auth_emulator_host` ("HOST:PORT") is given."""
    if auth_emulator_host is not None and ("/" in auth_emulator_host or not auth_emulator_host):
        raise ValueError(f"the Auth emulator host must be HOST:PORT, got {auth_emulator_host!r}")
    return _transport_class()(auth_emulator_host)


@functools.cache
def _transport_class() -> type:
    from requests.adapters import HTTPAdapter  # lazily: ~50 ms off the first window

    class Transport(HTTPAdapter):
        def __init__(self, auth_emulator_host: str | None) -> None:
            self.auth_emulator_host = auth_emulator_host
            super().__init__()

        def send(self, request: Any, stream: bool = False, timeout: Any = None,
                 verify: Any = True, cert: Any = None, proxies: Any = None) -> Any:
            if self.auth_emulator_host:
                request.url = emulator_url(request.url or "", self.auth_emulator_host)
            if timeout is None:
                timeout = REQUEST_TIMEOUT_S  # read at call time: tests shorten it
            return super().send(request, stream=stream, timeout=timeout, verify=verify,
                                cert=cert, proxies=proxies)

    return Transport


@functools.cache
def _firebase_class() -> type:
    """pyrebase4's Firebase whose auth() is `SessionAuth` (built on first use: lazy import)."""
    from pyrebase.pyrebase import Auth, Firebase, raise_detailed_error

    class SessionAuth(Auth):
        """pyrebase4's Auth, sending the app's two calls through the app's session."""

        def post_json(self, url: str, body: dict[str, Any]) -> dict[str, Any]:
            headers = {"content-type": "application/json; charset=UTF-8"}
            answer = self.requests.post(url, headers=headers, data=json.dumps(body))
            raise_detailed_error(answer)  # pyrebase4's HTTPError(err, body), as its own calls
            return answer.json()

        def sign_in_with_custom_token(self, token: str) -> dict[str, Any]:
            return self.post_json(
                "https://www.googleapis.com/identitytoolkit/v3/relyingparty/verifyCustomToken"
                f"?key={self.api_key}",
                {"returnSecureToken": True, "token": token},
            )

        def refresh(self, refresh_token: str) -> dict[str, Any]:
            doc = self.post_json(
                f"https://securetoken.googleapis.com/v1/token?key={self.api_key}",
                {"grantType": "refresh_token", "refreshToken": refresh_token},
            )
            # The same shape pyrebase4's refresh() returns.
            return {"userId": doc["user_id"], "idToken": doc["id_token"],
                    "refreshToken": doc["refresh_token"]}

    class AppFirebase(Firebase):
        def auth(self) -> Any:
            return SessionAuth(self.api_key, self.requests, self.credentials)

    return AppFirebase


def firebase_app(api_key: str, database_url: str, project_id: str = "",
                 auth_emulator_host: str | None = None,
                 transport: Any = None) -> Any:
    """A pyrebase4 `Firebase` app whose every call (database and Auth) goes through
    `transport` (any requests adapter; default: `app_transport(auth_emulator_host)`).
    Blocking: call off the UI thread."""
    with _lock:
        app = _firebase_class()({
            "apiKey": api_key,
            "authDomain": f"{project_id}.firebaseapp.com",
            "databaseURL": database_url,
            "storageBucket": f"{project_id}.appspot.com",
        })
        adapter = transport if transport is not None else app_transport(auth_emulator_host)
        for scheme in ("http://", "https://"):
            app.requests.mount(scheme, adapter)
        return app


def make_app(config: ClientConfig, transport: Any = None) -> Any:
    """The pyrebase4 app for `config` (blocking; call from a worker thread)."""
    emulator_host = config.auth_emulator_host if config.emulator else None
    return firebase_app(config.api_key, config.database_url, config.project_id,
                        emulator_host, transport)


def is_network_error(exc: Exception) -> bool:
    """The request did not get an answer (no connection, a timeout): worth trying again."""
    import requests

    return isinstance(exc, requests.ConnectionError | requests.Timeout)


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
