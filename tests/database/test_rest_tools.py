"""REST parameters that Firebase's own tools send (firebase-tools src/database/listRemote.ts,
removeRemote.ts, commands/database-*.ts): startAfter / endBefore, shallow with a key window,
PATCH null as a delete, disableTriggers, HEAD."""

import json
import time
from pathlib import Path

import pytest
import requests
from messenger_emulators.database import messages as msg

from tests.support.suite import running_suite


def err(r) -> str:
    return r.json()["error"]


SCORES = {"a": 1, "b": 2, "c": 2, "d": 3, "e": 5}


def test_start_after_and_end_before_exclude_their_bound(rest):
    rest.put("s", SCORES)
    index = {"rules": {".read": True, ".write": True, "s": {".indexOn": ".value"}}}
    assert rest.request("PUT", ".settings/rules", data=json.dumps(index), admin=True).ok

    def keys(**params):
        r = rest.get("s", params=params)
        assert r.status_code == 200, r.text
        return sorted(r.json())

    by_value = {"orderBy": '"$value"'}
    assert keys(**by_value, startAfter="2") == ["d", "e"]
    assert keys(**by_value, startAt="2") == ["b", "c", "d", "e"]
    assert keys(**by_value, endBefore="3") == ["a", "b", "c"]
    assert keys(**by_value, startAfter="1", endBefore="5") == ["b", "c", "d"]
    assert keys(**by_value, startAfter="1", limitToFirst="1") == ["b"]
    by_key = {"orderBy": '"$key"'}
    assert keys(**by_key, startAfter='"b"') == ["c", "d", "e"]
    assert keys(**by_key, endBefore='"b"') == ["a"]
    r = rest.get("s", params={**by_key, "startAt": '"a"', "startAfter": '"b"'})
    assert r.status_code == 400 and err(r) == msg.BOUND_TWICE.format(a="startAt", b="startAfter")
    r = rest.get("s", params={"startAfter": '"b"'})  # not shallow: orderBy is still required
    assert r.status_code == 400 and err(r) == msg.ORDER_BY_REQUIRED
    # a write with a query parameter is refused, the new ones too
    assert rest.put("s", 1, params={"startAfter": '"a"'}).status_code == 400


def test_shallow_lists_a_window_of_keys_as_firebase_tools_pages_children(rest):
    rest.put("big", {f"k{i:02d}": {"deep": {"x": i}} for i in range(10)})
    # exactly listRemote.ts's request: no orderBy, a bare key for startAfter
    first = rest.get("big", params={"shallow": "true", "limitToFirst": "3"})
    assert first.json() == {"k00": True, "k01": True, "k02": True}
    page = rest.get("big", params={"shallow": "true", "limitToFirst": "3",
                                   "startAfter": "k02", "timeout": "500ms"})
    assert page.json() == {"k03": True, "k04": True, "k05": True}
    last = rest.get("big", params={"shallow": "true", "limitToFirst": "3", "startAfter": "k08"})
    assert last.json() == {"k09": True}
    # quoted keys and an explicit order work too; numeric-looking keys stay keys
    rest.put("nums", {"1": "a", "2": "b", "10": "c"})
    assert rest.get("nums", params={"shallow": "true", "limitToFirst": "5",
                                    "startAfter": "2"}).json() == {"10": "c"}
    assert rest.get("big", params={"shallow": "true", "orderBy": '"$key"',
                                   "startAfter": '"k07"'}).json() == {"k08": True, "k09": True}
    r = rest.get("big", params={"shallow": "true", "format": "export"})
    assert r.status_code == 400 and err(r) == msg.SHALLOW_MIXED


def test_patch_null_deletes_as_database_remove_sends_it(rest):
    rest.put("gone", {"a": {"b": 1}, "keep": 2})
    params = {"print": "silent", "writeSizeLimit": "tiny", "disableTriggers": "true"}
    r = rest.request("PATCH", "gone/a", params=params, data="null")
    assert r.status_code == 204
    assert rest.get("gone").json() == {"keep": 2}
    r = rest.request("PATCH", "gone", params=params, data=json.dumps({"keep": None}))
    assert r.status_code == 204 and rest.get("gone").json() is None
    r = rest.request("PATCH", "x", data="null")
    assert r.status_code == 200 and r.json() is None
    assert rest.request("PATCH", "x", data="5").status_code == 400  # still not an object


def test_head_answers_the_headers_of_get_without_a_body(rest):
    rest.put("h", {"v": "hello"})
    got = rest.get("h", headers={"X-Firebase-ETag": "true"})
    head = rest.request("HEAD", "h", headers={"X-Firebase-ETag": "true"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Length"] == str(len(got.content))
    assert head.headers["ETag"] == got.headers["ETag"]
    assert rest.request("HEAD", "h", params={"orderBy": "nope"}).status_code == 400


@pytest.fixture(scope="module")
def suite_with_triggers(tmp_path_factory):
    from tests.functions_host.conftest import PROJECTS

    record_dir = tmp_path_factory.mktemp("records")
    with running_suite(functions_source=PROJECTS / "basic",
                       env={"RECORD_DIR": str(record_dir)}) as s:
        s.record_dir = record_dir
        yield s


def test_disable_triggers_suppresses_function_triggers_for_that_write(suite_with_triggers):
    s = suite_with_triggers
    base = f"{s.database_url}/messages/c1"
    owner = {"Authorization": "Bearer owner"}
    for key in ("quiet", "quiet2"):
        r = requests.put(f"{base}/{key}.json", params={"ns": s.ns, "disableTriggers": "true"},
                         json={"text": key}, headers=owner, timeout=10)
        assert r.status_code == 200
    r = requests.patch(f"{base}.json", params={"ns": s.ns, "disableTriggers": "true"},
                       json={"quiet3": {"text": "q"}}, headers=owner, timeout=10)
    assert r.status_code == 200
    requests.put(f"{base}/loud.json", params={"ns": s.ns, "disableTriggers": "false"},
                 json={"text": "loud"}, headers=owner, timeout=10).raise_for_status()
    record = Path(s.record_dir) / "written-messages.jsonl"
    deadline = time.monotonic() + 30
    while not record.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # the suppressed writes came first: they would have been delivered by now
    subjects = [json.loads(line)["attributes"]["subject"]
                for line in record.read_text().splitlines()]
    assert subjects == ["refs/messages/c1/loud"]
    # streams still see every write
    assert sorted(requests.get(f"{base}.json", params={"ns": s.ns}, timeout=5).json()) == \
        ["loud", "quiet", "quiet2", "quiet3"]


def test_the_hub_switches_the_functions_triggers_off_and_on(suite_with_triggers):
    """What @firebase/rules-unit-testing's withFunctionTriggersDisabled sends to the hub."""
    s = suite_with_triggers
    hub = next(line.split()[2] for line in s.output.splitlines()
               if line.startswith("Emulator hub"))
    base = f"{s.database_url}/messages/c2"
    record = Path(s.record_dir) / "written-messages.jsonl"

    def subjects() -> list[str]:
        lines = record.read_text().splitlines() if record.exists() else []
        return [json.loads(x)["attributes"]["subject"] for x in lines
                if "/c2/" in json.loads(x)["attributes"]["subject"]]

    off = requests.put(f"{hub}/functions/disableBackgroundTriggers", timeout=10)
    assert off.json() == {"enabled": False}
    requests.put(f"{base}/while-off.json", params={"ns": s.ns}, json={"t": 1},
                 timeout=10).raise_for_status()
    on = requests.put(f"{hub}/functions/enableBackgroundTriggers", timeout=10)
    assert on.json() == {"enabled": True}
    requests.put(f"{base}/while-on.json", params={"ns": s.ns}, json={"t": 2},
                 timeout=10).raise_for_status()
    deadline = time.monotonic() + 30
    while "refs/messages/c2/while-on" not in subjects() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert subjects() == ["refs/messages/c2/while-on"]
    refused = requests.put(f"{hub}/functions/disableBackgroundTriggers", timeout=10,
                           headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
