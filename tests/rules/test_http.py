"""End to end: the table's cases through the database emulator's REST API, checking the
status (401 Permission denied) and the data after each write; rules upload errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from messenger_emulators.database import testing as database_testing

from .cases import CASES
from .support import NOW, Case, split


class Server:
    def __init__(self, db: Any) -> None:
        self.db = db
        self.http = requests.Session()

    def url(self, path: str) -> str:
        return f"{self.db.url}/{'/'.join(split(path))}.json"

    def params(self, auth: Any = "admin", **extra: str) -> dict[str, str]:
        params = {"ns": self.db.namespace, **extra}
        if auth == "admin":
            params["auth"] = "owner"
        elif auth is not None:
            # The admin speaking as a user: the rules see exactly this `auth` variable.
            params["auth"] = "owner"
            params["auth_variable_override"] = json.dumps(auth)
        return params

    def set_rules(self, rules: dict | str) -> requests.Response:
        body = rules if isinstance(rules, str) else json.dumps({"rules": rules})
        return self.http.put(f"{self.db.url}/.settings/rules.json", params=self.params(),
                             data=body.encode())

    def put(self, path: str, value: Any, auth: Any = "admin") -> requests.Response:
        return self.http.put(self.url(path), params=self.params(auth), json=value)

    def get(self, path: str = "/", auth: Any = "admin") -> requests.Response:
        return self.http.get(self.url(path), params=self.params(auth))


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    db = database_testing.run_in_thread()
    try:
        yield Server(db)
    finally:
        db.stop()


def over_rest(case: Case) -> bool:
    # Query cases need .indexOn over REST and are covered separately below.
    return case.query is None


def with_server_time(value: Any) -> Any:
    """The case's `now` becomes a ServerValue timestamp, resolved by the database."""
    if value == NOW and type(value) is int:
        return {".sv": "timestamp"}
    if isinstance(value, dict):
        return {k: with_server_time(v) for k, v in value.items()}
    return value


def comparable(value: Any, now_window: tuple[int, int]) -> Any:
    """Plain-read form: priorities stripped, server times replaced by a marker."""
    if isinstance(value, dict):
        if ".value" in value:
            return comparable(value[".value"], now_window)
        out = {k: comparable(v, now_window) for k, v in value.items() if k != ".priority"}
        return out or None
    if value == NOW or (type(value) is int and now_window[0] <= value <= now_window[1]):
        return "<now>"
    return value


HTTP_CASES = [c for c in CASES if over_rest(c)]


@pytest.mark.parametrize("case", HTTP_CASES, ids=[c.name for c in HTTP_CASES])
def test_case_over_rest(server: Server, case: Case) -> None:
    assert server.set_rules({".read": True, ".write": True}).status_code == 200
    seeded = (server.put("/", case.data) if case.data is not None
              else server.http.delete(server.url("/"), params=server.params()))
    assert seeded.status_code == 200, seeded.text
    assert server.set_rules(case.rules).status_code == 200, case.rules
    before_ms = int(time.time() * 1000)
    http = server.http
    url, params = server.url(case.path), server.params(case.auth)
    if case.op == "read":
        response = http.get(url, params=params)
    elif case.op == "set" and case.value is None:
        response = http.delete(url, params=params)
    elif case.op == "set":
        response = http.put(url, params=params, json=with_server_time(case.value))
    else:
        response = http.patch(url, params=params, json=with_server_time(case.value))
    window = (before_ms, int(time.time() * 1000))
    if case.allowed:
        assert response.status_code == 200, response.text
    else:
        assert response.status_code == 401, response.text
        assert response.json() == {"error": "Permission denied"}
    if case.op != "read":
        after = server.get("/").json()
        expected = case.new_root() if case.allowed else case.data
        assert comparable(after, window) == comparable(expected, window)


def test_query_rules_over_rest(server: Server) -> None:
    rules = {"items": {".indexOn": ["owner"],
                       ".read": "query.orderByChild == 'owner' && query.equalTo == auth.uid"}}
    assert server.set_rules({".write": True}).status_code == 200
    server.put("/items", {"i1": {"owner": "bob"}, "i2": {"owner": "eve"}})
    assert server.set_rules(rules).status_code == 200
    bob = {"uid": "bob", "token": {"sub": "bob"}}
    url = server.url("/items")
    mine = server.http.get(url, params=server.params(bob, orderBy='"owner"', equalTo='"bob"'))
    assert mine.status_code == 200, mine.text
    assert mine.json() == {"i1": {"owner": "bob"}}
    theirs = server.http.get(url, params=server.params(bob, orderBy='"owner"',
                                                       equalTo='"eve"'))
    assert theirs.status_code == 401
    assert server.get("/items", auth=bob).status_code == 401


def test_bad_rules_upload_is_400_with_the_message(server: Server) -> None:
    response = server.set_rules({"a": {".read": "newData.exists()"}})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error.startswith("/rules/a/.read:") and "newData" in error
    response = server.set_rules('{"rules": {".read": true')
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]


def test_rules_source_round_trips_with_comments(server: Server) -> None:
    text = '{\n  // members only\n  "rules": {".read": "auth != null"}\n}'
    assert server.set_rules(text).status_code == 200
    got = server.http.get(f"{server.db.url}/.settings/rules.json", params=server.params())
    assert got.text == text
    assert server.get("/x", auth=None).status_code == 401
    assert server.get("/x", auth={"uid": "u"}).status_code == 200
