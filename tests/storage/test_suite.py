"""Storage inside the suite: secure mode (signed tokens only), the hub's listing, exec's
variables, a broken storage.rules at start, concurrent uploads of one name."""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys

import requests

from tests.database.tokens import unsigned_token
from tests.support.suite import SuiteFailed, free_ports, running_suite

from .support import BUCKET, REPO_RULES

IDT = "identitytoolkit.googleapis.com/v1"


def _sign_up(suite, email: str) -> tuple[str, str]:
    r = requests.post(f"http://{suite.auth_host}/{IDT}/accounts:signUp?key=k", timeout=10,
                      json={"email": email, "password": "secret12", "returnSecureToken": True})
    r.raise_for_status()
    return r.json()["localId"], r.json()["idToken"]


def test_secure_mode_takes_only_tokens_the_auth_emulator_signed() -> None:
    with running_suite(only=("auth", "storage"), storage_rules=REPO_RULES,
                       extra_args=["--secure"]) as suite:
        a_uid, a_token = _sign_up(suite, "ann@example.com")
        b_uid, _ = _sign_up(suite, "bob@example.com")
        chat = "_".join(sorted([a_uid, b_uid]))
        name = f"chats/{chat}/{a_uid}/x.png"
        base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
        signed = requests.post(base, params={"name": name}, data=b"x", timeout=10,
                               headers={"Authorization": f"Firebase {a_token}"})
        assert signed.status_code == 200, signed.text
        forged = requests.post(base, params={"name": f"chats/{chat}/{a_uid}/y.png"}, data=b"x",
                               timeout=10,
                               headers={"Authorization": f"Firebase {unsigned_token(a_uid)}"})
        assert forged.status_code == 401
        # the admin, from this machine, still works; the JSON API is the admin's
        listing = requests.get(f"{suite.storage_url}/storage/v1/b/{BUCKET}/o", timeout=10)
        assert listing.status_code == 200 and [i["name"] for i in listing.json()["items"]] == \
            [name]


def test_the_hub_lists_storage_and_exec_sets_its_variables(tmp_path) -> None:
    with running_suite(only=("storage",), storage_rules=REPO_RULES) as suite:
        hub_port = int(suite.output.split("FIREBASE_EMULATOR_HUB=127.0.0.1:")[1].split(")")[0])
        listed = requests.get(f"http://127.0.0.1:{hub_port}/emulators", timeout=10).json()
        assert listed["storage"]["port"] == suite.ports["storage"]
    port = free_ports(1)[0]
    (tmp_path / "storage.rules").write_text(REPO_RULES.read_text())
    (tmp_path / "firebase.json").write_text(json.dumps({
        "storage": {"rules": "storage.rules"},
        "emulators": {"storage": {"port": port}, "hub": {"port": 0}}}))
    script = ("import json, os; print(json.dumps({k: os.environ.get(k) for k in ("
              "'FIREBASE_STORAGE_EMULATOR_HOST', 'STORAGE_EMULATOR_HOST', 'FIREBASE_CONFIG')}))")
    result = subprocess.run(
        [sys.executable, "-m", "messenger_emulators.suite.cli", "exec", "--only", "storage",
         "--project", "demo-exec", f"{sys.executable} -c \"{script}\""],
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    env = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert env["FIREBASE_STORAGE_EMULATOR_HOST"] == f"127.0.0.1:{port}"
    assert env["STORAGE_EMULATOR_HOST"] == f"http://127.0.0.1:{port}"
    assert json.loads(env["FIREBASE_CONFIG"])["storageBucket"] == "demo-exec.appspot.com"


def test_a_broken_storage_rules_file_stops_the_start_naming_the_line() -> None:
    broken = "rules_version = '2';\nservice firebase.storage {\n  match /b/{bucket}/o {\n" \
             "    allow read: if request.auth.uid == ;\n  }\n}\n"
    try:
        with running_suite(only=("storage",), storage_rules=broken):
            raise AssertionError("the suite started with broken storage rules")
    except SuiteFailed as exc:
        text = str(exc)
        assert "Invalid storage rules in" in text and "line 4, column" in text, text
        assert "expected an expression" in text
        assert "Traceback" not in text


def test_concurrent_uploads_of_one_name_leave_one_whole_object(suite) -> None:
    name = "race/same.bin"
    url = f"{suite.storage_url}/v0/b/{BUCKET}/o"
    bodies = [bytes([i]) * 200_000 for i in range(8)]

    def send(body: bytes) -> requests.Response:
        return requests.post(url, params={"name": name}, data=body, timeout=30,
                             headers={"Authorization": "Bearer owner"})

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, bodies))
    assert all(a.status_code == 200 for a in answers)
    generations = sorted(int(a.json()["generation"]) for a in answers)
    assert len(set(generations)) == len(generations)       # each upload its own generation
    final = requests.get(f"{url}/race%2Fsame.bin", params={"alt": "media"},
                         headers={"Authorization": "Bearer owner"}, timeout=10)
    assert final.content in bodies                          # one of them, whole
    meta = requests.get(f"{url}/race%2Fsame.bin", headers={"Authorization": "Bearer owner"},
                        timeout=10).json()
    assert int(meta["generation"]) == generations[-1]


def test_edits_to_storage_rules_apply_while_running() -> None:
    import time

    closed = "rules_version = '2';\nservice firebase.storage {\n match /b/{bucket}/o {\n }\n}\n"
    opened = closed.replace(" }\n}", "  match /{all=**} { allow read; }\n }\n}")
    with running_suite(only=("storage",), storage_rules=closed) as suite:
        url = f"{suite.storage_url}/v0/b/{BUCKET}/o/public%2Fx"
        requests.post(f"{suite.storage_url}/v0/b/{BUCKET}/o", params={"name": "public/x"},
                      data=b"x", headers={"Authorization": "Bearer owner"}, timeout=10)
        assert requests.get(url, timeout=10).status_code == 403
        rules_file = suite.workdir / "storage.rules"

        def status_soon(want: int) -> int:
            deadline = time.monotonic() + 10
            while True:
                got = requests.get(url, timeout=10).status_code
                if got == want or time.monotonic() > deadline:
                    return got
                time.sleep(0.05)

        rules_file.write_text(opened)
        assert status_soon(200) == 200
        rules_file.write_text(opened.replace("allow read;", "allow read: if ;"))
        time.sleep(1.0)
        assert requests.get(url, timeout=10).status_code == 200   # the old rules stay
        assert "Failed to update storage rules" in suite.output
        rules_file.write_text(closed)
        assert status_soon(403) == 403
