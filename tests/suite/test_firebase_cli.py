"""Google's own CLI against the suite: `firebase database:set/get/update/push/import/remove`
from npm's firebase-tools, run unchanged (FIREBASE_DATABASE_EMULATOR_HOST, --project).

firebase-tools is installed once into `.cache/firebase-tools/` (git-ignored; ~300 MB, a few
minutes); the module is skipped, saying why, when npm is missing or its registry unreachable.
What the CLI needs to run offline against an emulator (found by running it, 15.x):
- a credential, although emulator requests carry `Bearer owner`: its database commands call
  requireAuth first. Any `--token` does (the refresh fails offline; that is only logged).
- `--instance NAME`: else it asks Google's management API for the default instance.
- FIREBASE_DATABASE_EMULATOR_HOST as `localhost:PORT`: offline, the CLI builds a URL from the
  bare variable, and Node's URL parser refuses `127.0.0.1:PORT` (no scheme).
- `database:remove` warns that it "does not support running against the Database Emulator"
  and asks to continue even with -f; it then does target the emulator. We answer "y".
"""

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import requests
from messenger_emulators.database import messages as msg

from tests.support.suite import running_suite

pytestmark = pytest.mark.slow  # the first run installs firebase-tools; each command takes ~6 s

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "firebase-tools"
FIREBASE = CACHE / "node_modules" / ".bin" / "firebase"
VERSION = "15"
PROJECT = "demo-cli"


@pytest.fixture(scope="module")
def firebase_cli() -> Path:
    if FIREBASE.exists():
        return FIREBASE
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is not installed: cannot install firebase-tools")
    ping = subprocess.run([npm, "ping"], capture_output=True, text=True, timeout=60)
    if ping.returncode != 0:
        pytest.skip(f"the npm registry is unreachable ({ping.stderr.strip()[-200:]}): "
                    "cannot install firebase-tools")
    CACHE.mkdir(parents=True, exist_ok=True)
    install = subprocess.run(
        [npm, "install", "--no-audit", "--no-fund", "--loglevel=error", "--prefix", str(CACHE),
         f"firebase-tools@{VERSION}"], capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0 and FIREBASE.exists(), install.stderr[-2000:]
    return FIREBASE


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    from tests.functions_host.conftest import PROJECTS

    record_dir = tmp_path_factory.mktemp("records")
    with running_suite(only=("database", "functions"), project_id=PROJECT,
                       functions_source=PROJECTS / "basic",
                       env={"RECORD_DIR": str(record_dir)}) as s:
        s.record_dir = record_dir
        yield s


def run(cli: Path, suite, *args, answer: str | None = None, cwd=None) -> str:
    env = {**os.environ, "FIREBASE_DATABASE_EMULATOR_HOST": f"localhost:{suite.ports['database']}",
           "NO_COLOR": "1"}
    result = subprocess.run(
        [str(cli), *args, "--project", PROJECT, "--instance", PROJECT, "--token", "offline"],
        input=answer, capture_output=True, text=True, timeout=180, env=env, cwd=cwd)
    assert result.returncode == 0, f"firebase {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def read(suite, path: str):
    return requests.get(f"{suite.database_url}/{path.strip('/')}.json",
                        params={"ns": PROJECT}, timeout=10).json()


def triggered(suite) -> list[str]:
    record = Path(suite.record_dir) / "written-messages.jsonl"
    if not record.exists():
        return []
    return [json.loads(line)["attributes"]["subject"]
            for line in record.read_text().splitlines()]


def test_set_get_update_push_remove_and_import(firebase_cli, suite, tmp_path):
    data = tmp_path / "data.json"
    data.write_text(json.dumps({"a": {"b": 1}, "c": 2}))
    assert "Data persisted successfully" in run(firebase_cli, suite, "database:set", "/cli",
                                                str(data), "-f")
    got = run(firebase_cli, suite, "database:get", "/cli")
    assert json.loads(got.strip().splitlines()[-1]) == {"a": {"b": 1}, "c": 2}
    update = tmp_path / "update.json"
    update.write_text(json.dumps({"c": 3, "d/e": 4}))
    run(firebase_cli, suite, "database:update", "/cli", str(update), "-f")
    assert read(suite, "cli") == {"a": {"b": 1}, "c": 3, "d": {"e": 4}}
    shallow = run(firebase_cli, suite, "database:get", "/cli", "--shallow")
    assert json.loads(shallow.strip().splitlines()[-1]) == {"a": True, "c": 3, "d": True}
    run(firebase_cli, suite, "database:push", "/cli/list", str(data))
    (pushed,) = read(suite, "cli/list").values()
    assert pushed == {"a": {"b": 1}, "c": 2}

    # import: chunked writes (1 KB chunks here) with disableTriggers (its default)
    big = {"rows": {f"r{i:03d}": {"text": "x" * 60, "n": i} for i in range(300)}}
    assert len(json.dumps(big)) > 2 * msg.WRITE_SIZE_LIMITS["tiny"]  # remove must page below
    source = tmp_path / "import.json"
    source.write_text(json.dumps(big))
    run(firebase_cli, suite, "database:import", "/imported", str(source), "-f",
        "--chunk-size", "1")
    assert read(suite, "imported") == big

    # remove: a PATCH null with writeSizeLimit=tiny; past 10 KB the CLI lists the children
    # (shallow=true&limitToFirst=N&startAfter=KEY) and deletes them in chunks
    out = run(firebase_cli, suite, "database:remove", "/imported", "-f", answer="y\n")
    assert "Data removed successfully" in out
    assert read(suite, "imported") is None
    run(firebase_cli, suite, "database:remove", "/cli/a", "-f", answer="y\n")
    assert "a" not in read(suite, "cli")


def test_disable_triggers_from_the_cli_suppresses_the_function_trigger(firebase_cli, suite,
                                                                       tmp_path):
    message = tmp_path / "m.json"
    message.write_text(json.dumps({"text": "hello", "sender": "cli"}))
    run(firebase_cli, suite, "database:set", "/messages/c9/quiet", str(message), "-f",
        "--disable-triggers")
    update = _write(tmp_path / "u.json", {"quiet2/text": "q"})
    run(firebase_cli, suite, "database:update", "/messages/c9", str(update), "-f",
        "--disable-triggers")
    run(firebase_cli, suite, "database:set", "/messages/c9/loud", str(message), "-f")
    deadline = time.monotonic() + 30
    while "refs/messages/c9/loud" not in triggered(suite) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert [s for s in triggered(suite) if s.startswith("refs/messages/c9/")] == \
        ["refs/messages/c9/loud"]
    assert sorted(read(suite, "messages/c9")) == ["loud", "quiet", "quiet2"]


def _write(path: Path, doc) -> Path:
    path.write_text(json.dumps(doc))
    return path


def test_emulators_export_finds_the_suite_through_the_hub(firebase_cli, suite, tmp_path):
    """`firebase emulators:export DIR` reads the hub's locator file ($TMPDIR/hub-PROJECT.json)
    and asks the hub to export (POST /_admin/export)."""
    requests.put(f"{suite.database_url}/exported.json", params={"ns": PROJECT}, json={"x": 1},
                 timeout=10).raise_for_status()
    target = tmp_path / "snapshot"
    result = subprocess.run([str(firebase_cli), "emulators:export", str(target), "--project",
                             PROJECT, "--force"], capture_output=True, text=True, timeout=180,
                            env={**os.environ, "NO_COLOR": "1"}, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Found running emulator hub" in result.stdout
    saved = json.loads((target / "database_export" / f"{PROJECT}.json").read_text())
    assert saved["exported"] == {"x": 1}
    assert json.loads((target / "firebase-export-metadata.json").read_text())["database"]
