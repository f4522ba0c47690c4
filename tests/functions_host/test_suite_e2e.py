"""The whole suite as a user runs it (`messenger-emulators start` in a subprocess): firebase-admin
mints, pyrebase4 signs in and writes under rules, tokens expire and refresh, streams get
auth_revoked, and a write produces exactly one CloudEvent in the functions worker."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import firebase_admin
import httpx
import pytest
import requests
from firebase_admin import auth as admin_auth
from httpx_sse import connect_sse
from messenger_desktop.firebase.pyrebase_app import firebase_app

from tests.support.suite import running_suite

from .conftest import PROJECTS, wait_for

RULES = {"rules": {
    "users": {"$uid": {".read": "auth != null && auth.uid == $uid",
                       ".write": "auth != null && auth.uid == $uid"}},
    "messages": {".read": True, ".write": "auth != null"},
}}
TTL = 3


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    record_dir = tmp_path_factory.mktemp("records")
    with running_suite(rules=RULES, extra_args=["--id-token-ttl", f"{TTL}s"],
                       functions_source=PROJECTS / "basic",
                       env={"RECORD_DIR": str(record_dir)}) as s:
        s.record_dir = record_dir
        yield s


@pytest.fixture
def custom_token(suite, monkeypatch):
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", suite.auth_host)
    app = firebase_admin.initialize_app(options={"projectId": suite.project_id},
                                        name=uuid.uuid4().hex)

    def make(uid: str) -> str:
        token = admin_auth.create_custom_token(uid, {"team": "blue"}, app=app)
        return token.decode() if isinstance(token, bytes) else token
    yield make
    firebase_admin.delete_app(app)


def pyrebase(suite):
    """pyrebase4 through the desktop app's seam (Auth calls go to the emulator)."""
    return firebase_app("any", suite.database_url, auth_emulator_host=suite.auth_host)


def test_sign_in_write_under_rules_and_refresh_after_expiry(suite, custom_token) -> None:
    firebase = pyrebase(suite)
    user = firebase.auth().sign_in_with_custom_token(custom_token("alice"))
    db = firebase.database()
    db.child("users").child("alice").set({"name": "Alice"}, user["idToken"])
    assert db.child("users").child("alice").get(user["idToken"]).val() == {"name": "Alice"}
    with pytest.raises(requests.HTTPError):  # rules: not bob's to write
        db.child("users").child("bob").set({"name": "x"}, user["idToken"])
    time.sleep(TTL + 0.5)
    with pytest.raises(requests.HTTPError):  # the ID token has expired
        db.child("users").child("alice").get(user["idToken"])
    fresh = firebase.auth().refresh(user["refreshToken"])
    assert fresh["userId"] == "alice"
    assert db.child("users").child("alice").get(fresh["idToken"]).val() == {"name": "Alice"}


def test_stream_gets_auth_revoked_on_expiry_and_works_after_refresh(suite, custom_token) -> None:
    firebase = pyrebase(suite)
    user = firebase.auth().sign_in_with_custom_token(custom_token("carol"))
    url = f"{suite.database_url}/users/carol.json"
    events = []
    with httpx.Client(timeout=httpx.Timeout(10, read=TTL + 10)) as client:
        with connect_sse(client, "GET", url, params={"auth": user["idToken"]}) as source:
            for sse in source.iter_sse():
                events.append(sse.event)
                if sse.event == "auth_revoked":
                    break
        assert events[0] == "put" and events[-1] == "auth_revoked"
        fresh = firebase.auth().refresh(user["refreshToken"])
        firebase.database().child("users").child("carol").set({"n": 1}, fresh["idToken"])
        with connect_sse(client, "GET", url, params={"auth": fresh["idToken"]}) as source:
            first = next(iter(source.iter_sse()))
            assert first.event == "put" and json.loads(first.data)["data"] == {"n": 1}


def test_write_produces_exactly_one_cloud_event(suite, custom_token) -> None:
    firebase = pyrebase(suite)
    user = firebase.auth().sign_in_with_custom_token(custom_token("dave"))
    firebase.database().child("messages").child("c7").child("m1").set(
        {"text": "hi", "sender": "dave"}, user["idToken"])
    record = Path(suite.record_dir) / "written-messages.jsonl"
    wait_for(record.exists, 30, "the trigger's record")
    time.sleep(0.5)  # a duplicate delivery would land within this
    (event,) = [json.loads(line) for line in record.read_text().splitlines()]
    assert event["attributes"]["subject"] == "refs/messages/c7/m1"
    assert event["data"]["data"] is None
    assert event["data"]["delta"] == {"text": "hi", "sender": "dave"}


def test_http_function_through_the_suite(suite) -> None:
    r = requests.get(f"{suite.functions_url}/api/a/b?c=d", timeout=30)
    assert r.status_code == 200 and r.json()["path"] == "/a/b" and r.json()["query"] == "c=d"
    assert r.json()["env"]["FIREBASE_AUTH_EMULATOR_HOST"] == suite.auth_host
