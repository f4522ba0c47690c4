"""HTTP functions through the host: routing, path suffixes, bodies, failures, restarts."""

from __future__ import annotations

import json

import requests

from .conftest import PROJECT, wait_for


def test_path_suffix_and_query_reach_the_function(basic) -> None:
    r = requests.post(f"{basic.url}/api/users/42/profile?x=1&y=%20two", data="hello",
                      timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["method"] == "POST"
    assert body["path"] == "/users/42/profile"
    assert body["query"] == "x=1&y=%20two" and body["args"] == {"x": "1", "y": " two"}
    assert body["body"] == "hello"


def test_bare_function_url_is_root_path(basic) -> None:
    for url in (f"{basic.url}/api", f"{basic.url}/api/"):
        assert requests.get(url, timeout=10).json()["path"] == "/"


def test_worker_environment(basic) -> None:
    env = requests.get(f"{basic.url}/api", timeout=10).json()["env"]
    assert env["GCLOUD_PROJECT"] == PROJECT
    db_host = f"127.0.0.1:{basic.db.port}"
    assert env["FIREBASE_DATABASE_EMULATOR_HOST"] == db_host
    assert json.loads(env["FIREBASE_CONFIG"]) == {
        "projectId": PROJECT, "databaseURL": f"http://{db_host}?ns={PROJECT}"}


def test_function_reads_database_with_firebase_admin(basic) -> None:
    requests.put(basic.db_url("greeting"), json={"text": "hi"}, timeout=10)
    r = requests.get(f"{basic.url}/api/db?key=greeting", timeout=10)
    assert r.status_code == 200 and r.json() == {"text": "hi"}


def test_streamed_response_passes_through(basic) -> None:
    r = requests.get(f"{basic.url}/api/stream", timeout=10)
    assert r.text == "chunk0\nchunk1\nchunk2\n"


def test_raising_function_gives_500_and_host_survives(basic) -> None:
    r = requests.get(f"{basic.url}/boom", timeout=10)
    assert r.status_code == 500
    assert requests.get(f"{basic.url}/api/after", timeout=10).json()["path"] == "/after"


def test_crashed_worker_is_restarted(basic) -> None:
    first_pid = basic.functions.worker.pid
    try:
        requests.get(f"{basic.url}/crash", timeout=10)
    except requests.ConnectionError:
        pass  # the worker died mid-request: either a 503 or a dropped connection is honest
    wait_for(lambda: basic.functions.worker.pid not in (None, first_pid), 20, "a new worker")
    r = requests.get(f"{basic.url}/api/again", timeout=30)
    assert r.status_code == 200 and r.json()["path"] == "/again"


def test_unknown_function_project_and_region(basic) -> None:
    r = requests.get(f"{basic.url}/nope/x", timeout=10)
    assert r.status_code == 404 and "api" in r.json()["error"]
    r = requests.get(f"{basic.url}/onmessagewritten", timeout=10)
    assert r.status_code == 404  # triggers are not HTTP functions
    base = basic.url.rsplit("/", 2)[0]
    r = requests.get(f"{base}/other-project/us-central1/api", timeout=10)
    assert r.status_code == 404 and "other-project" in r.json()["error"]


def test_function_logs_are_prefixed(basic, capfd) -> None:
    requests.get(f"{basic.url}/api/logme", timeout=10)
    seen: list[str] = []

    def logged() -> bool:
        seen.append(capfd.readouterr().out)
        return "[api] api called with GET /logme\n" in "".join(seen)
    wait_for(logged, 10, "the prefixed log line")
