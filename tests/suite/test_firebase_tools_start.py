"""Starting the suite the way firebase-tools starts: its config search, .firebaserc aliases,
--import/--export-on-exit rules, the hub, rules hot reload, and the Admin SDK's own CI command.
Every run is the real CLI in a subprocess; texts are firebase-tools' (src/emulator/
commandUtils.ts, requireConfig.ts, hub.ts, databaseEmulator.ts)."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.suite import free_ports, running_suite

CLI = [sys.executable, "-m", "messenger_emulators.suite.cli"]
UPSTREAM = Path(__file__).resolve().parents[1] / "upstream"
# What a script run by `exec` prints: where it found everything.
SHOW = (sys.executable + " -c \"import os, json; print('ENV', json.dumps({k: os.environ.get(k) "
        "for k in ('GCLOUD_PROJECT', 'FIREBASE_DATABASE_EMULATOR_HOST', "
        "'FIREBASE_EMULATOR_HUB')}))\"")


def cli(*args, cwd, timeout=60, env=None):
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL,
                          env={**os.environ, **(env or {})})


def shown(result) -> dict:
    line = next(x for x in result.stdout.splitlines() if x.startswith("ENV "))
    return json.loads(line[4:])


def write_config(folder: Path, **doc) -> Path:
    ports = doc.pop("ports", {})
    doc.setdefault("emulators", {})
    for name, port in ports.items():
        doc["emulators"][name] = {"host": "127.0.0.1", "port": port}
    path = folder / "firebase.json"
    path.write_text(json.dumps(doc))
    return path


def needs_default_port() -> None:
    """Without firebase.json the database takes its default port, 9000: another suite on this
    machine may hold it."""
    import socket

    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", 9000))
        except OSError:
            pytest.skip("port 9000 (the database's default, used without firebase.json) is "
                        "held by another process")


def test_without_firebase_json_only_database_starts_on_defaults_with_the_cli_warning(tmp_path):
    needs_default_port()
    result = cli("exec", "--only", "database", "--project", "fake-project-id", SHOW,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Could not find config (firebase.json) so using defaults." in result.stdout
    env = shown(result)
    assert env["GCLOUD_PROJECT"] == "fake-project-id"
    assert env["FIREBASE_DATABASE_EMULATOR_HOST"] == "127.0.0.1:9000"


def test_without_firebase_json_functions_are_refused_as_the_cli_does(tmp_path):
    for args in ((), ("--only", "database,functions")):
        result = cli("start", *args, cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr.strip() == ("Error: Not in a Firebase project directory "
                                         "(could not locate firebase.json)")


def test_a_missing_config_option_is_named(tmp_path):
    result = cli("start", "--only", "database", "--config", "nope.json", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: Could not load config file nope.json."


def test_firebase_json_and_firebaserc_are_found_in_a_parent_folder(tmp_path):
    (port,) = free_ports(1)
    write_config(tmp_path, ports={"database": port, "hub": 0})
    (tmp_path / ".firebaserc").write_text(json.dumps(
        {"projects": {"default": "demo-main", "staging": "demo-staging"}}))
    deep = tmp_path / "src" / "pkg"
    deep.mkdir(parents=True)
    result = cli("exec", "--only", "database", SHOW, cwd=deep)
    assert result.returncode == 0, result.stderr
    assert "Could not find config" not in result.stdout
    env = shown(result)
    assert env["FIREBASE_DATABASE_EMULATOR_HOST"] == f"127.0.0.1:{port}"
    assert env["GCLOUD_PROJECT"] == "demo-main"  # the alias named default
    staging = cli("exec", "--only", "database", "--project", "staging", SHOW, cwd=deep)
    assert shown(staging)["GCLOUD_PROJECT"] == "demo-staging"
    other = cli("exec", "--only", "database", "--project", "demo-other", SHOW, cwd=deep)
    assert shown(other)["GCLOUD_PROJECT"] == "demo-other"  # not an alias: an id


def test_a_single_alias_is_the_default_project(tmp_path):
    write_config(tmp_path, ports={"database": free_ports(1)[0], "hub": 0})
    (tmp_path / ".firebaserc").write_text(json.dumps({"projects": {"dev": "demo-only"}}))
    result = cli("exec", "--only", "database", SHOW, cwd=tmp_path)
    assert shown(result)["GCLOUD_PROJECT"] == "demo-only"


def test_an_invalid_project_id_is_refused(tmp_path):
    result = cli("start", "--only", "database", "--project", "Bad_Project", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip() == "Error: Invalid project id: Bad_Project."


def test_first_run_with_import_and_export_on_exit_starts_empty_then_exports_there(tmp_path):
    (port,) = free_ports(1)
    write_config(tmp_path, ports={"database": port, "hub": 0})
    put = (f"{sys.executable} -c \"import requests; requests.put('http://127.0.0.1:{port}/a.json"
           f"?ns=demo-messenger', json={{'b': 1}}, timeout=5).raise_for_status()\"")
    first = cli("exec", put, "--only", "database", "--import", "./data", "--export-on-exit",
                cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    exported = tmp_path / "data" / "database_export" / "demo-messenger.json"
    assert json.loads(exported.read_text()) == {"a": {"b": 1}}
    get = (f"{sys.executable} -c \"import requests; print('GOT', requests.get('http://127.0.0.1:{port}"
           f"/a/b.json?ns=demo-messenger', timeout=5).json())\"")
    second = cli("exec", get, "--only", "database", "--import", "./data", "--export-on-exit",
                 cwd=tmp_path)
    assert "GOT 1" in second.stdout, second.stdout + second.stderr


@pytest.mark.parametrize("args, message", [
    (("--export-on-exit", "."), '"--export-on-exit" must not point to the current directory '
                                "or parents. Please choose a new/dedicated directory for exports."),
    (("--export-on-exit", ".."), "must not point to the current directory or parents"),
    (("--export-on-exit",), '"--export-on-exit" must be used with "--import [dir]" or provide a '
                            'dir directly to "--export-on-exit [dir]"'),
    (("--import", "./missing"), 'Directory "'),
    (("--import", "./missing", "--export-on-exit", "./elsewhere"), '/missing" does not exist.'),
    (("--import", "data.txt"), "is not a folder"),
])
def test_what_the_cli_refuses_is_refused(tmp_path, args, message):
    (tmp_path / "data.txt").write_text("not an export")
    result = cli("start", "--only", "database", *args, cwd=tmp_path)
    assert result.returncode == 1
    assert message in result.stderr, result.stderr
    assert "All emulators ready" not in result.stdout


def test_the_hub_lists_running_emulators_in_firebase_tools_format(tmp_path):
    with running_suite(only=("database", "auth")) as suite:
        hub = next(line for line in suite.output.splitlines() if line.startswith("Emulator hub"))
        origin = hub.split()[2]
        listed = requests.get(f"{origin}/emulators", timeout=5).json()
        assert set(listed) == {"database", "auth", "hub"}
        assert listed["database"] == {
            "name": "database", "host": "127.0.0.1", "port": suite.ports["database"],
            "listen": [{"address": "127.0.0.1", "family": "IPv4",
                        "port": suite.ports["database"]}]}
        assert listed["auth"]["port"] == suite.ports["auth"]
        locator = requests.get(origin, timeout=5).json()
        assert locator["origins"] == [origin] and locator["port"] == listed["hub"]["port"]
        # what `firebase emulators:export DIR` asks the hub for
        requests.put(f"{suite.database_url}/x.json?ns={suite.ns}", json=7, timeout=5)
        answer = requests.post(f"{origin}/_admin/export", timeout=30,
                               json={"path": str(tmp_path / "exp"), "initiatedBy": "test"})
        assert answer.json() == {"message": "OK"}
        saved = tmp_path / "exp" / "database_export" / f"{suite.ns}.json"
        assert json.loads(saved.read_text()) == {"x": 7}


def test_the_hub_port_comes_from_firebase_json_and_a_busy_one_is_refused(tmp_path):
    import socket

    db_port, hub_port = free_ports(2)
    write_config(tmp_path, ports={"database": db_port, "hub": hub_port})
    result = cli("exec", "--only", "database", SHOW, cwd=tmp_path)
    assert shown(result)["FIREBASE_EMULATOR_HUB"] == f"127.0.0.1:{hub_port}"
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", hub_port))
        squatter.listen()
        busy = cli("start", "--only", "database", cwd=tmp_path)
    assert busy.returncode == 1
    assert f"Could not start the emulator hub: port {hub_port}" in busy.stderr


def _wait_for(check, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_editing_the_rules_file_reloads_the_rules_and_a_bad_edit_keeps_the_old_ones():
    closed = {"rules": {".read": False, ".write": False}}
    with running_suite(only=("database",), rules=closed) as suite:
        url = f"{suite.database_url}/doc.json?ns={suite.ns}"
        assert requests.get(url, timeout=5).status_code == 401
        rules_file = suite.workdir / "database.rules.json"
        rules_file.write_text(json.dumps({"rules": {".read": True, ".write": False}}))
        assert _wait_for(lambda: requests.get(url, timeout=5).status_code == 200)
        assert _wait_for(lambda: "Rules updated." in suite.output)
        assert "Change detected, updating rules for" in suite.output
        rules_file.write_text('{"rules": {".read": "auth !=="}}')
        assert _wait_for(lambda: "Failed to update rules" in suite.output)
        assert requests.get(url, timeout=5).status_code == 200  # the old rules still hold
        assert "database.rules.json" in suite.output.split("Failed to update rules")[-2]


@pytest.mark.slow  # ~35 s: one upstream test waits for a stream to close (a keep-alive)
def test_the_admin_sdks_own_ci_command_from_a_folder_without_firebase_json(tmp_path):
    """firebase-admin-python's CI: `firebase emulators:exec --only database --project
    fake-project-id 'pytest integration/test_db.py'`, its test file unchanged."""
    needs_default_port()
    project = tmp_path / "firebase-admin-python"
    shutil.copytree(UPSTREAM / "firebase-admin-python", project)
    result = cli("exec", "--only", "database", "--project", "fake-project-id",
                 f"{sys.executable} -m pytest -q -p no:cacheprovider integration/test_db.py",
                 cwd=project, timeout=240)
    assert "Could not find config (firebase.json) so using defaults." in result.stdout
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
