"""Functions host fixtures: a real database emulator and the host on the same event loop."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from messenger_emulators.functions_host.component import FunctionsEmulator
from messenger_emulators.functions_host.delivery import DeliveryPolicy
from messenger_emulators.suite.options import SuiteOptions

from tests.support.waiting import wait_for  # noqa: F401  (re-exported for the tests here)

PROJECTS = Path(__file__).parent / "projects"
PROJECT = "demo-messenger"
FAST_RETRIES = DeliveryPolicy(max_attempts=4, first_delay=0.05, max_delay=0.2, timeout=10)


class FakeSuite:
    def __init__(self, **emulators: Any) -> None:
        self.emulators = emulators

    def get(self, name: str) -> Any:
        return self.emulators.get(name)


class Host:
    """A running functions host (and database) for one test."""

    def __init__(self, functions: FunctionsEmulator, db: Any, record_dir: Path) -> None:
        self.auth: Any = None
        self.functions = functions
        self.db = db
        self.record_dir = record_dir

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.functions.port}/{PROJECT}/us-central1"

    def run(self, coro: Any, timeout: float = 30) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.db.loop).result(timeout)

    def db_url(self, path: str) -> str:
        return f"{self.db.url}/{path}.json?ns={self.db.namespace}"

    def records(self, name: str) -> list[dict]:
        path = self.record_dir / f"{name}.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]

    def wait_records(self, name: str, count: int, timeout: float = 20) -> list[dict]:
        return wait_for(lambda: (r if len(r := self.records(name)) >= count else None),
                        timeout, f"{count} events in {name}")

    def drain(self, timeout: float = 30) -> None:
        self.run(self.functions.dispatcher.drain(), timeout)

    def wait_ready(self, timeout: float = 30) -> None:
        self.run(self.functions.worker.wait_ready(timeout), timeout + 1)


@contextmanager
def running_host(project: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                 with_database: bool = True, with_auth: bool = False,
                 files: dict[str, str] | None = None, **options: Any) -> Iterator[Host]:
    """Database (optional: auth) and the functions host, all on the database's loop.
    `files`: more files for the project's copy (name -> text), e.g. its .env files."""
    from messenger_emulators.auth.component import AuthEmulator
    from messenger_emulators.database.testing import run_in_thread

    source = tmp_path / "source"
    shutil.copytree(PROJECTS / project, source)
    for name, text in (files or {}).items():
        (source / name).write_text(text)
    record_dir = tmp_path / "records"
    record_dir.mkdir()
    monkeypatch.setenv("RECORD_DIR", str(record_dir))
    db = run_in_thread()
    suite = FakeSuite(database=db.emulator) if with_database else FakeSuite()
    opts = SuiteOptions(ports={"functions": 0, "auth": 0}, functions_source=source,
                        data_dir=tmp_path / "data", **options)
    functions = FunctionsEmulator(opts, suite, policy=dataclasses.replace(FAST_RETRIES))
    host = Host(functions, db, record_dir)
    auth = AuthEmulator(opts, suite) if with_auth else None
    try:
        if auth is not None:
            host.run(auth.start())
            suite.emulators["auth"] = host.auth = auth
        host.run(functions.start())
        yield host
    finally:
        host.run(functions.stop())
        if auth is not None:
            host.run(auth.stop())
        db.stop()


@pytest.fixture
def basic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Host]:
    with running_host("basic", tmp_path, monkeypatch) as host:
        host.wait_ready()
        yield host


def put(host: Host, path: str, value: Any) -> None:
    r = requests.put(host.db_url(path), json=value, timeout=10)
    assert r.status_code == 200, r.text


def patch(host: Host, path: str, value: Any) -> None:
    r = requests.patch(host.db_url(path), json=value, timeout=10)
    assert r.status_code == 200, r.text
