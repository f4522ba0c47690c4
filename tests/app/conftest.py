"""Fixtures for the desktop client's tests: one qasync loop, the real emulator suite, clients.

Every client under test is the real Application (window, session, streams) with its own
settings file, token file and data folder in a temporary directory, talking over real HTTP
to `messenger-emulators` started as a subprocess on free ports.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import qasync
from messenger_desktop.application import Application
from messenger_desktop.config import ClientConfig, emulator_config
from messenger_desktop.main import install_asyncgen_hooks
from messenger_desktop.store.settings import Settings
from messenger_desktop.store.tokens import FileTokenStore
from PySide6.QtCore import QSettings

from tests.support.suite import RunningSuite, running_suite

REPO = Path(__file__).resolve().parents[2]
RULES = (REPO / "database.rules.json").read_text(encoding="utf-8")
_counter = itertools.count()

os.environ.setdefault("MESSENGER_NO_KEYRING", "1")


@pytest.fixture(scope="package")
def loop(qapp) -> Iterator[asyncio.AbstractEventLoop]:
    # "Already running": asyncio work happens whenever Qt processes events, which is what
    # qtbot.waitUntil does, exactly as in the app (qasync drives asyncio from Qt's loop).
    # (Repeated run_until_complete would step tasks outside a running loop at its end.)
    # Package scope: the running loop is withdrawn after tests/app, so other parts' tests
    # (asyncio.run) in the same pytest session are not affected.
    old_hooks = sys.get_asyncgen_hooks()
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="test-firebase")
    loop.set_default_executor(executor)
    yield loop
    for task in asyncio.all_tasks(loop):
        task.cancel()
    deadline = time.monotonic() + 5
    while asyncio.all_tasks(loop) and time.monotonic() < deadline:
        qapp.processEvents()
        time.sleep(0.01)
    qapp.processEvents()
    # already_running made the loop asyncio's running loop on this thread, and asyncio has
    # no public call to withdraw that; qasync's run_forever withdraws it when it ends, so
    # stop the loop and run it once to the end.
    loop.stop()
    loop.run_until_complete(asyncio.sleep(0))
    asyncio.set_event_loop(None)
    sys.set_asyncgen_hooks(*old_hooks)
    executor.shutdown(wait=False, cancel_futures=True)
    # Closed now, while Qt is alive: a stopped loop left to the collector would be closed at
    # interpreter exit, after its Qt signal objects are gone.
    loop.close()


def run(qtbot, coro: Awaitable[Any], timeout: float = 20.0) -> Any:
    """Run a coroutine to its end while Qt (and so asyncio) keeps processing events."""
    future = asyncio.ensure_future(coro)
    try:
        qtbot.waitUntil(future.done, timeout=int(timeout * 1000))
    except Exception:
        future.cancel()
        raise
    return future.result()


def until(qtbot, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> None:
    try:
        qtbot.waitUntil(lambda: bool(predicate()), timeout=int(timeout * 1000))
    except Exception as exc:
        raise AssertionError(f"timed out waiting for {what or predicate}") from exc


def config_for(suite: RunningSuite) -> ClientConfig:
    return emulator_config("127.0.0.1", suite.ports, suite.project_id)


@pytest.fixture(scope="session")
def suite() -> Iterator[RunningSuite]:
    # As `make run` starts it (firebase/emulator.py): secure mode, signed tokens only.
    # Every test registers its people through the form, all from 127.0.0.1: more than the
    # production limit of registrations per address (30 per window) in one session.
    with running_suite(rules=RULES, extra_args=["--secure"], storage_rules=REPO / "storage.rules",
                       env={"REGISTER_MAX_PER_ADDRESS": "10000"}) as s:
        yield s


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}@example.com"


class Harness:
    """Builds real clients in temporary folders and closes them all at the end."""

    def __init__(self, qtbot, tmp: Path) -> None:
        self.qtbot = qtbot
        self.tmp = tmp
        self.apps: list[Application] = []

    def client(self, config: ClientConfig, name: str = "", heartbeat_s: float = 20.0,
               folder: Path | None = None) -> Application:
        folder = folder or self.tmp / (name or f"client{len(self.apps)}")
        folder.mkdir(parents=True, exist_ok=True)
        settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
        app = Application(config, settings, FileTokenStore(folder), folder,
                          launcher=None, heartbeat_s=heartbeat_s)
        self.apps.append(app)
        return app

    def run(self, coro: Awaitable[Any], timeout: float = 20.0) -> Any:
        return run(self.qtbot, coro, timeout)

    def do(self, fn: Callable[[], Any]) -> Any:
        return fn()

    def until(self, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "") -> None:
        until(self.qtbot, predicate, timeout, what)

    def signed_in(self, config: ClientConfig, email: str | None = None, register: bool = True,
                  password: str = "correct horse battery", **kw: Any) -> Application:
        """A started client that registered (or logged in) through the sign-in form."""
        app = self.client(config, **kw)
        self.run(app.start())
        login = app.window.login
        login.set_mode("register" if register else "login")
        login.email.setText(email or unique_email())
        login.password.setText(password)
        login.submit.click()
        self.until(lambda: app.client is not None, 20, "sign-in")
        return app

    def close(self) -> None:
        for app in self.apps:
            try:
                self.run(app.shutdown(), 10)
            except Exception:
                pass
            app.window.close()
            app.window.deleteLater()
        self.apps.clear()


@pytest.fixture
def harness(loop, qtbot, tmp_path) -> Iterator[Harness]:
    h = Harness(qtbot, tmp_path)
    yield h
    h.close()
