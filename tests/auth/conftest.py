"""Auth emulator fixtures: the component runs in-process on its own event loop thread."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import firebase_admin
import pytest
from firebase_admin import auth as admin_auth
from messenger_emulators.auth.component import AuthEmulator
from messenger_emulators.suite.options import SuiteOptions

PROJECT = "demo-messenger"


class LoopThread:
    """An asyncio loop in a daemon thread, to run aiohttp servers beside blocking clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


@contextmanager
def running_auth(**option_overrides: Any) -> Iterator[AuthEmulator]:
    options = SuiteOptions(ports={"auth": 0}, **option_overrides)
    lt = LoopThread()
    emulator = AuthEmulator(options, None)
    lt.run(emulator.start())
    try:
        yield emulator
    finally:
        lt.run(emulator.stop())
        lt.close()


@pytest.fixture
def auth_emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[AuthEmulator]:
    with running_auth() as emulator:
        monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", f"127.0.0.1:{emulator.port}")
        yield emulator


@pytest.fixture
def admin_app(auth_emulator: AuthEmulator) -> Iterator[firebase_admin.App]:
    """A firebase-admin app that talks to the emulator (FIREBASE_AUTH_EMULATOR_HOST is set)."""
    app = firebase_admin.initialize_app(options={"projectId": PROJECT}, name=uuid.uuid4().hex)
    yield app
    firebase_admin.delete_app(app)


def make_custom_token(app: firebase_admin.App, uid: str, claims: dict | None = None) -> str:
    token = admin_auth.create_custom_token(uid, claims, app=app)
    return token.decode() if isinstance(token, bytes) else token


def pyrebase_app(auth_host: str, database_url: str = "http://127.0.0.1:1") -> Any:
    """pyrebase4 through the desktop app's seam (its transport sends Auth calls to the emulator)."""
    from messenger_desktop.firebase.pyrebase_app import firebase_app

    return firebase_app("fake-api-key", database_url, PROJECT, auth_emulator_host=auth_host)


@pytest.fixture
def tmp_data(tmp_path: Path) -> Path:
    return tmp_path / "data"
