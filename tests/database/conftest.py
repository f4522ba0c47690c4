"""Fixtures: one database emulator per test module (background thread, free port), a fresh
namespace per test, and firebase-admin apps bound to that namespace."""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator

import firebase_admin
import pytest
import requests
from messenger_emulators.database.testing import RunningDatabase, run_in_thread

_app_ids = itertools.count()


@pytest.fixture(scope="module")
def db() -> Iterator[RunningDatabase]:
    running = run_in_thread(keepalive_s=0.3)
    yield running
    running.stop()


@pytest.fixture
def ns() -> str:
    return "t" + uuid.uuid4().hex[:12]


class Rest:
    """requests against one namespace; `as_admin` adds the owner token."""

    def __init__(self, base: str, ns: str) -> None:
        self.base, self.ns = base, ns
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return f"{self.base}/{path.strip('/')}.json" if path.strip("/") else f"{self.base}/.json"

    def request(self, method: str, path: str, params: dict | None = None,
                admin: bool = False, **kwargs) -> requests.Response:
        params = {"ns": self.ns, **(params or {})}
        headers = dict(kwargs.pop("headers", {}) or {})
        if admin:
            headers["Authorization"] = "Bearer owner"
        return self.session.request(method, self.url(path), params=params, headers=headers,
                                    timeout=10, **kwargs)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def put(self, path: str, value=None, **kw) -> requests.Response:
        return self.request("PUT", path, json=value, **kw) if "data" not in kw else \
            self.request("PUT", path, **kw)

    def patch(self, path: str, value=None, **kw) -> requests.Response:
        return self.request("PATCH", path, json=value, **kw)

    def post(self, path: str, value=None, **kw) -> requests.Response:
        return self.request("POST", path, json=value, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, **kw)

    def set_rules(self, rules: dict | str) -> None:
        text = rules if isinstance(rules, str) else json.dumps(rules)
        r = self.session.put(f"{self.base}/.settings/rules.json", params={"ns": self.ns},
                             data=text, headers={"Authorization": "Bearer owner"}, timeout=10)
        assert r.status_code == 200, r.text


@pytest.fixture
def rest(db: RunningDatabase, ns: str) -> Iterator[Rest]:
    client = Rest(db.url, ns)
    yield client
    client.session.close()


@pytest.fixture
def admin_app(db: RunningDatabase, ns: str, monkeypatch: pytest.MonkeyPatch):
    """A firebase-admin app on this test's namespace; `make(override=...)` for more."""
    monkeypatch.setenv("FIREBASE_DATABASE_EMULATOR_HOST", db.host)
    apps = []

    def make(**options):
        opts = {"databaseURL": f"http://{db.host}?ns={ns}", "projectId": db.namespace, **options}
        app = firebase_admin.initialize_app(_NoCredential(), opts,
                                            name=f"db-test-{next(_app_ids)}")
        apps.append(app)
        return app

    make.default = make()
    yield make
    for app in apps:
        firebase_admin.delete_app(app)


class _NoCredential(firebase_admin.credentials.Base):
    """The emulator path of firebase-admin never asks for a credential."""

    def get_credential(self):  # pragma: no cover - never called against an emulator
        raise AssertionError("firebase-admin asked for a real credential")

