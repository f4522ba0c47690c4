"""The stack the functions tests talk to: the emulator suite plus the `api` over real HTTP.

The auth and database emulators run as the real `messenger-emulators start` subprocess with
this repository's database.rules.json. The functions run in the suite's functions host when it
is available; otherwise (and always for in-process trigger tests) the functions-framework app is
served by werkzeug on a free loopback port in a thread: still real HTTP, real firebase-admin.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from tests.support.waiting import wait_for  # noqa: F401  (re-exported for the tests here)

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS = REPO / "functions"
if str(FUNCTIONS) not in sys.path:
    sys.path.insert(0, str(FUNCTIONS))  # as the functions runtime does: main.py's folder
RULES = (REPO / "database.rules.json").read_text(encoding="utf-8")

# Cheap hashing and per-address limits the fuzzer cannot reach (every test comes from
# 127.0.0.1); the per-email limit keeps its production default.
TEST_ENV = {
    "BCRYPT_ROUNDS": "10",
    "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
    "REGISTER_MAX_PER_ADDRESS": "100000",
}
os.environ.update(TEST_ENV)


@dataclass
class Stack:
    suite: Any
    api_url: str  # base of the api function: api_url + "/register"
    in_process: bool

    @property
    def database_url(self) -> str:
        return self.suite.database_url

    @property
    def ns(self) -> str:
        return self.suite.ns

    @property
    def auth_url(self) -> str:
        return self.suite.auth_url


def functions_host_available() -> bool:
    if os.environ.get("MESSENGER_FUNCTIONS_IN_PROCESS") == "1":
        return False
    try:
        import messenger_emulators.functions_host.component  # noqa: F401
    except ImportError:
        return False
    return True


def _reset_firebase_admin() -> None:
    import firebase_admin

    for app in list(firebase_admin._apps.values()):  # noqa: SLF001 - tests re-point the SDK
        firebase_admin.delete_app(app)
    from messenger_functions import backend

    backend._app = None  # noqa: SLF001


@contextmanager
def in_process_env(suite: Any) -> Iterator[None]:
    """Point this process's firebase-admin at the suite (as the functions host would)."""
    saved = dict(os.environ)
    os.environ.update(suite.env)
    os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", suite.auth_host)
    _reset_firebase_admin()
    try:
        yield
    finally:
        _reset_firebase_admin()
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def serve_functions(target: str = "api") -> Iterator[str]:
    """functions-framework's app for `target`, on a free port; yields its base URL."""
    from functions_framework import create_app
    from werkzeug.serving import make_server

    app = create_app(target, str(FUNCTIONS / "main.py"))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(10)


@contextmanager
def running_stack(
    with_functions_host: bool | None = None, env: dict[str, str] | None = None,
    with_storage: bool = False,
) -> Iterator[Stack]:
    """`env` overrides TEST_ENV for the functions (in the host's worker and in-process);
    `with_storage` adds the Storage emulator (under storage.rules)."""
    from tests.support.suite import running_suite

    use_host = functions_host_available() if with_functions_host is None else with_functions_host
    only = ("auth", "database", "functions") if use_host else ("auth", "database")
    extra: dict[str, Any] = {}
    if with_storage:
        only = (*only, "storage")
        extra["storage_rules"] = REPO / "storage.rules"
    functions_env = {**TEST_ENV, **(env or {})}
    saved = dict(os.environ)
    os.environ.update(functions_env)
    try:
        with running_suite(
            only=only, rules=RULES, functions_source=FUNCTIONS, env=functions_env, **extra
        ) as suite:
            with in_process_env(suite):
                if use_host:
                    yield Stack(suite, f"{suite.functions_url}/api", in_process=False)
                else:
                    with serve_functions("api") as url:
                        yield Stack(suite, url, in_process=True)
    finally:
        os.environ.clear()
        os.environ.update(saved)


class User:
    """A registered user: uid, ID token, and helpers for the API and the database REST."""

    def __init__(self, stack: Stack, email: str, password: str, uid: str, id_token: str) -> None:
        self.stack, self.email, self.password = stack, email, password
        self.uid, self.id_token = uid, id_token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.id_token}"}

    def api(self, method: str, route: str, **kwargs: Any) -> requests.Response:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return requests.request(
            method, f"{self.stack.api_url}{route}", headers=headers, timeout=30, **kwargs
        )

    def db(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        params = {"ns": self.stack.ns, "auth": self.id_token, **kwargs.pop("params", {})}
        return requests.request(
            method, f"{self.stack.database_url}/{path}.json", params=params, timeout=30, **kwargs
        )


def exchange_custom_token(stack: Stack, custom_token: str) -> str:
    """The ID token for a custom token, from the Auth emulator (as the client does)."""
    url = (
        f"{stack.auth_url}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken"
        "?key=fake-api-key"
    )
    response = requests.post(
        url, json={"token": custom_token, "returnSecureToken": True}, timeout=30
    )
    response.raise_for_status()
    return response.json()["idToken"]


def register(stack: Stack, email: str, password: str = "correct horse 1") -> User:
    response = requests.post(
        f"{stack.api_url}/register", json={"email": email, "password": password}, timeout=30
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return User(
        stack, email, password, body["user_id"], exchange_custom_token(stack, body["custom_token"])
    )


def admin_get(stack: Stack, path: str) -> Any:
    response = requests.get(
        f"{stack.database_url}/{path}.json",
        params={"ns": stack.ns},
        headers={"Authorization": "Bearer owner"},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def chat_of(uid_a: str, uid_b: str) -> str:
    return "_".join(sorted((uid_a, uid_b)))


def latest_id(entry: Any) -> str | None:
    """The id of the preview an entry shows (messenger_model.previews), or None."""
    from messenger_model.previews import latest_preview

    found = latest_preview(entry)
    return None if found is None else found["id"]


def unread_count(entry: Any) -> int:
    """A userChats entry's unread count, derived as everywhere (messenger_model.unread)."""
    from messenger_model.unread import unread_count as derived

    return derived(entry)


class Triggers:
    """Delivers on_message_written for writes the test just made.

    With the suite's functions host the host delivers them and this does nothing; in-process,
    it calls the trigger's handler with the event the host would have sent.
    """

    def __init__(self, stack: Stack) -> None:
        self.stack = stack

    def created(self, chat: str, message_id: str) -> None:
        if self.stack.in_process:
            from messenger_functions import unread

            value = admin_get(self.stack, f"messages/{chat}/{message_id}")
            unread.handle(f"refs/messages/{chat}/{message_id}", None, value)

    def changed(self, chat: str, message_id: str, before: dict, delta: dict) -> None:
        """An edit or a reaction (a PATCH of the message's children)."""
        if self.stack.in_process:
            from messenger_functions import unread

            unread.handle(f"refs/messages/{chat}/{message_id}", before, delta)

    def deleted(self, chat: str, message_id: str, before: dict) -> None:
        if self.stack.in_process:
            from messenger_functions import unread

            unread.handle(f"refs/messages/{chat}/{message_id}", before, None)
