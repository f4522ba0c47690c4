"""Object finalize and delete events reach storage-triggered functions as CloudEvents
(google.cloud.storage.object.v1.finalized / .deleted), over the real functions host."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from tests.database.tokens import unsigned_token
from tests.support.suite import running_suite

from .support import BUCKET, REPO_RULES

PROJECT = Path(__file__).parent / "projects" / "events"


def _events(suite) -> list[dict]:
    got = requests.get(f"{suite.database_url}/storageEvents.json?ns={suite.ns}", timeout=10)
    return list((got.json() or {}).values())


def _wait(suite, predicate, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = _events(suite)
        if predicate(events):
            return events
        time.sleep(0.1)
    raise AssertionError(f"no such events within {timeout} s: {_events(suite)}")


def test_finalize_and_delete_events_reach_functions() -> None:
    with running_suite(only=("database", "storage", "functions"),
                       rules={"rules": {".read": True, ".write": True}},
                       storage_rules=REPO_RULES, functions_source=PROJECT) as suite:
        name = "chats/alice_bob/alice/photo.png"
        auth = {"Authorization": f"Firebase {unsigned_token('alice')}"}
        base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
        r = requests.post(base, params={"name": name}, data=b"x" * 1234, timeout=10,
                          headers={**auth, "Content-Type": "image/png"})
        assert r.status_code == 200, r.text
        events = _wait(suite, lambda es: any(e["type"].endswith("finalized") for e in es))
        finalized = next(e for e in events if e["type"].endswith("finalized"))
        assert finalized == {
            "type": "google.cloud.storage.object.v1.finalized",
            "source": f"//storage.googleapis.com/projects/_/buckets/{BUCKET}",
            "subject": f"objects/{name}", "name": name, "bucket": BUCKET, "size": "1234",
            "contentType": "image/png", "bytesRead": 1234}
        # a metadata update (by the admin: the repo's rules allow none on chat files)
        patched = requests.patch(f"{base}/{requests.utils.quote(name, safe='')}", timeout=10,
                                 json={"metadata": {"w": "1"}},
                                 headers={"Authorization": "Bearer owner"})
        assert patched.status_code == 200, patched.text
        _wait(suite, lambda es: any(e["type"].endswith("metadataUpdated") for e in es))
        # a refused upload finalizes nothing
        denied = requests.post(base, params={"name": "chats/bob_carol/alice/x.png"},
                               data=b"x", headers=auth, timeout=10)
        assert denied.status_code == 403
        assert requests.delete(f"{base}/{requests.utils.quote(name, safe='')}", headers=auth,
                               timeout=10).status_code == 204
        events = _wait(suite, lambda es: any(e["type"].endswith("deleted") for e in es))
        assert sorted(e["type"].rsplit(".", 1)[1] for e in events) == \
            ["deleted", "finalized", "metadataUpdated"]
        deleted = next(e for e in events if e["type"].endswith("deleted"))
        assert deleted["name"] == name and deleted["size"] == "1234"
        assert "storage trigger onobjectfinalized: finalized (bucket *)" in suite.output


def _manifest(tmp_path, trigger):
    import json

    from messenger_emulators.functions_host.manifest import load_manifest

    (tmp_path / "main.py").write_text("")
    (tmp_path / "functions.json").write_text(json.dumps(
        {"functions": [{"name": "f", "trigger": trigger}]}))
    return load_manifest(tmp_path)


def test_storage_triggers_in_the_manifest(tmp_path) -> None:
    import pytest
    from messenger_emulators.functions_host.manifest import ManifestError

    spec = _manifest(tmp_path, {"storage": {}}).functions[0]
    assert spec.storage is not None and not spec.is_http
    assert spec.storage.event_type == "google.cloud.storage.object.v1.finalized"
    assert spec.storage.matches_bucket("p.appspot.com", "p.appspot.com")
    assert not spec.storage.matches_bucket("other", "p.appspot.com")
    with pytest.raises(ManifestError) as info:
        _manifest(tmp_path, {"storage": {"eventType": "google.cloud.storage.object.v1.archived"}})
    assert _manifest(tmp_path, {"storage": {
        "eventType": "google.cloud.storage.object.v1.metadataUpdated"}}).functions[0].storage
    assert "trigger.storage.eventType must be one of" in str(info.value)
    with pytest.raises(ManifestError) as info:
        _manifest(tmp_path, {"storage": {"bucket": 5}})
    assert "trigger.storage.bucket" in str(info.value)


def test_a_firebase_functions_projects_storage_triggers_are_discovered_and_fire() -> None:
    project = Path(__file__).parent / "projects" / "sdk"
    with running_suite(only=("database", "storage", "functions"),
                       rules={"rules": {".read": True, ".write": True}},
                       storage_rules=REPO_RULES, functions_source=project) as suite:
        base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
        admin = {"Authorization": "Bearer owner"}
        r = requests.post(base, params={"name": "up/one.txt"}, data=b"hello", timeout=10,
                          headers={**admin, "Content-Type": "text/plain"})
        assert r.status_code == 200
        assert requests.delete(f"{base}/up%2Fone.txt", headers=admin, timeout=10).status_code \
            == 204
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            got = requests.get(f"{suite.database_url}/sdkEvents.json?ns={suite.ns}",
                               timeout=10).json() or {}
            if len(got) == 2:
                break
            time.sleep(0.1)
        kinds = sorted(got.values(), key=lambda e: e["kind"])
        assert kinds == [{"kind": "deleted", "name": "up/one.txt"},
                         # int64 as a string, as Eventarc's StorageObjectData (JSON API) has it
                         {"kind": "finalized", "name": "up/one.txt", "size": "5",
                          "bucket": BUCKET, "contentType": "text/plain"}]
