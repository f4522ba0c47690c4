"""Point pyrebase4 (or any requests session) at the Auth emulator.

pyrebase4 calls Google's hosts (``https://www.googleapis.com/identitytoolkit/v3/...``,
``https://securetoken.googleapis.com/v1/token``) and has no emulator switch. The official
emulators expect those calls at ``http://HOST:9099/<google host>/<path>``; the transport adapter
here rewrites them so, leaving every other URL (the database's) untouched.

Note: pyrebase4's ``Auth`` methods call the module-level ``requests.post`` rather than the
session they are given, so mounting an adapter on ``firebase.requests`` alone does not reach
them. ``attach`` therefore also gives the instance an ``auth()`` whose methods send through the
adapted session. Nothing global is patched: other Firebase instances keep talking to Google.

    firebase = pyrebase.initialize_app(config)
    attach(firebase, "127.0.0.1:9099")          # FIREBASE_AUTH_EMULATOR_HOST's value
    user = firebase.auth().sign_in_with_custom_token(token)
"""

from __future__ import annotations

import types
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

# Google's hosts that the Auth emulator serves (behind its /<host>/ prefix).
GOOGLE_AUTH_HOSTS: tuple[str, ...] = (
    "identitytoolkit.googleapis.com",
    "securetoken.googleapis.com",
    "www.googleapis.com",
)


def emulator_url(url: str, emulator_host: str,
                 hosts: tuple[str, ...] = GOOGLE_AUTH_HOSTS) -> str:
    """``https://<google host>/p?q`` -> ``http://<emulator_host>/<google host>/p?q``; else as is."""
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in hosts:
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"http://{emulator_host}/{parts.hostname}{parts.path}{query}"


class EmulatorAdapter(HTTPAdapter):
    """A transport adapter that sends Google Auth API calls to the Auth emulator."""

    def __init__(self, emulator_host: str, hosts: tuple[str, ...] = GOOGLE_AUTH_HOSTS,
                 **kwargs: Any) -> None:
        if "//" in emulator_host or not emulator_host:
            raise ValueError(f"emulator_host must be HOST:PORT, got {emulator_host!r}")
        self.emulator_host = emulator_host
        self.hosts = hosts
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        request.url = emulator_url(request.url or "", self.emulator_host, self.hosts)
        return super().send(request, **kwargs)


def mount(session: requests.Session, emulator_host: str) -> requests.Session:
    """Route the session's calls to Google's Auth hosts to the emulator; returns the session."""
    adapter = EmulatorAdapter(emulator_host)
    for host in GOOGLE_AUTH_HOSTS:
        session.mount(f"https://{host}/", adapter)
    return session


def emulator_session(emulator_host: str) -> requests.Session:
    return mount(requests.Session(), emulator_host)


class _SessionAsRequestsModule:
    """Looks like the ``requests`` module to pyrebase's code, but sends through one session."""

    def __init__(self, session: requests.Session) -> None:
        self._session = session

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return self._session.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.post(url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.put(url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.patch(url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self._session.delete(url, **kwargs)

    def __getattr__(self, name: str) -> Any:  # requests.exceptions, requests.Session, ...
        return getattr(requests, name)


def _session_bound(cls: type, session: requests.Session) -> type:
    """A subclass of ``cls`` whose methods see ``requests`` as the given session."""
    module = __import__(cls.__module__, fromlist=["_"])
    namespace = dict(vars(module))
    namespace["requests"] = _SessionAsRequestsModule(session)
    methods = {
        name: types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__,
                                 fn.__closure__)
        for name, fn in vars(cls).items() if isinstance(fn, types.FunctionType)
    }
    return type(f"Emulator{cls.__name__}", (cls,), methods)


def attach(firebase: Any, emulator_host: str) -> Any:
    """Make a pyrebase4 ``Firebase`` app use the Auth emulator at ``emulator_host``.

    Mounts the adapter on ``firebase.requests`` (the database client's session) and replaces the
    instance's ``auth()`` by one whose calls go through that session. Returns ``firebase``.
    """
    mount(firebase.requests, emulator_host)
    return auth_through_session(firebase)


def auth_through_session(firebase: Any) -> Any:
    """Make ``firebase.auth()`` send through ``firebase.requests`` instead of the module-level
    ``requests`` pyrebase4 uses, so whatever the session carries (the emulator adapter, a
    default timeout) applies to sign-in and token refresh too. Returns ``firebase``."""
    from pyrebase.pyrebase import Auth

    auth_cls = _session_bound(Auth, firebase.requests)

    def auth() -> Any:
        return auth_cls(firebase.api_key, firebase.requests, firebase.credentials)

    firebase.auth = auth
    return firebase
