"""Shared helpers of the reliability tests: signed-in users, admin reads, polling.

Users sign in as the desktop client does after the `api` function's password check: a custom
token (firebase-admin) exchanged at the Auth emulator for an ID token + refresh token; the
bcrypt step is the functions' business and is covered in tests/functions.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import requests

from bench.load.signin import User, sign_in
from tests.support.waiting import wait_for  # noqa: F401  (re-exported for the tests here)

REPO = Path(__file__).resolve().parents[2]
REPO_RULES = (REPO / "database.rules.json").read_text(encoding="utf-8")
PROJECTS = Path(__file__).resolve().parent / "projects"
ADMIN = {"Authorization": "Bearer owner"}
TIMEOUT = 30


def users(suite: Any, count: int, prefix: str = "rel") -> list[User]:
    return asyncio.run(sign_in(count, suite.auth_url, suite.auth_host, suite.project_id,
                               prefix=prefix))


def chat_of(a: User, b: User) -> str:
    return "_".join(sorted((a.uid, b.uid)))


def refresh(suite: Any, user: User) -> User:
    """A fresh ID token from the user's refresh token (securetoken, as pyrebase4 does)."""
    r = requests.post(f"{suite.auth_url}/securetoken.googleapis.com/v1/token?key=any",
                      data={"grant_type": "refresh_token", "refresh_token": user.refresh_token},
                      timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    body = r.json()
    return User(user.uid, body["id_token"], body["refresh_token"])


def admin_get(suite: Any, path: str = "") -> Any:
    r = requests.get(f"{suite.database_url}/{path}.json", params={"ns": suite.ns},
                     headers=ADMIN, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    return r.json()


def post_message(suite: Any, session: requests.Session, user: User, chat: str, text: str,
                 timeout: float = TIMEOUT) -> requests.Response:
    """The desktop client's send: POST messages/{chat} with a server timestamp, under rules."""
    return session.post(f"{suite.database_url}/messages/{chat}.json",
                        params={"ns": suite.ns, "auth": user.id_token},
                        json={"sender": user.uid, "text": text, "ts": {".sv": "timestamp"}},
                        timeout=timeout)


class TimedStream:
    """An SSE reader thread that stamps each event with its arrival (time.monotonic())."""

    def __init__(self, url: str, params: dict[str, str]) -> None:
        import threading

        self.events: list[tuple[float, str, Any]] = []
        self.closed = threading.Event()
        self.response = requests.get(url, params=params, stream=True, timeout=(5, 60),
                                     headers={"Accept": "text/event-stream"})
        assert self.response.status_code == 200, self.response.text
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        import json

        event = None
        try:
            for line in self.response.iter_lines(chunk_size=None, decode_unicode=True):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event is not None:
                    self.events.append((time.monotonic(), event, json.loads(line[6:])))
                    event = None
        except Exception:  # closed under us
            pass
        self.closed.set()

    def kinds(self) -> list[str]:
        return [kind for _, kind, _ in self.events]

    def close(self) -> None:
        hang_up(self.response)


def hang_up(response: requests.Response) -> None:
    """Close a streaming response at once. requests' own close() waits for the reading
    thread's blocked recv (up to its read timeout): shut the socket down under it first."""
    import socket

    try:
        sock = response.raw._fp.fp.raw._sock  # noqa: SLF001 - http.client's socket
        sock.shutdown(socket.SHUT_RDWR)
    except (AttributeError, OSError):
        pass
    response.close()
