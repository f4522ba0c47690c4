"""The command line as a user runs it: a real subprocess, real sockets, real HTTP."""

import json
import socket
import subprocess
import sys
import time

import requests

from tests.support.suite import FUNCTIONS_SOURCE, free_ports, running_suite

CLI = [sys.executable, "-m", "messenger_emulators.suite.cli"]
TIMEOUT = 60


def cli(*args, cwd, timeout=TIMEOUT):
    return subprocess.run([*CLI, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def config(tmp_path, ports, **extra):
    doc = {"emulators": {name: {"host": "127.0.0.1", "port": port}
                         for name, port in ports.items()},
           "functions": {"source": str(FUNCTIONS_SOURCE)}, **extra}
    path = tmp_path / "firebase.json"
    path.write_text(json.dumps(doc))
    return path


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result
    assert result.stdout.count("All emulators ready") == 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_start_prints_where_each_emulator_listens_then_ready():
    with running_suite(only=("database", "auth")) as suite:
        out = suite.output
        assert f"127.0.0.1:{suite.ports['database']}" in out
        assert f"127.0.0.1:{suite.ports['auth']}" in out
        assert out.index("Database emulator") < out.index("All emulators ready")
        assert requests.get(f"{suite.database_url}/.json?ns={suite.ns}", timeout=5).json() is None
        assert suite.stop() == 0  # SIGTERM: clean stop, status 0
    assert "Shutting down" in suite.output


def test_a_busy_port_is_refused_with_one_clear_line(tmp_path):
    (port,) = free_ports(1)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = cli("start", "--only", "database", "--config",
                     str(config(tmp_path, {"database": port})), cwd=tmp_path)
    assert_one_line_error(result, "database emulator", f"port {port}", "127.0.0.1")


def test_unknown_emulator_in_only_lists_the_available_ones(tmp_path):
    result = cli("start", "--only", "database,firestore", "--config",
                 str(config(tmp_path, {})), cwd=tmp_path)
    assert_one_line_error(result, "'firestore'", "Available emulators: auth, database")


def test_missing_config_and_missing_rules(tmp_path):
    # --only database alone starts on defaults (test_firebase_tools_start.py); all three
    # need the file, as firebase-tools' functions emulator does
    assert_one_line_error(cli("start", cwd=tmp_path), "could not locate firebase.json")
    path = config(tmp_path, {"database": 0}, database={"rules": "nope.rules.json"})
    assert_one_line_error(cli("start", "--only", "database", "--config", str(path),
                              cwd=tmp_path), "nope.rules.json", "does not exist")


def test_ill_formed_rules_are_one_line(tmp_path):
    (tmp_path / "r.json").write_text('{"rules": {".read": "auth !=="}}')
    path = config(tmp_path, {"database": 0}, database={"rules": "r.json"})
    assert_one_line_error(cli("start", "--only", "database", "--config", str(path),
                              cwd=tmp_path), "r.json")


EXEC_SCRIPT = """
import json, os, sys
import firebase_admin
from firebase_admin import db
firebase_admin.initialize_app()  # no arguments: everything comes from the environment
db.reference("/from-exec").set({"ok": True})
print(json.dumps({k: os.environ.get(k) for k in (
    "FIREBASE_DATABASE_EMULATOR_HOST", "FIREBASE_AUTH_EMULATOR_HOST", "GCLOUD_PROJECT",
    "FIREBASE_CONFIG")}))
print("read back", db.reference("/from-exec/ok").get())
sys.exit(7)
"""


def test_exec_runs_the_command_with_the_emulator_environment(tmp_path):
    db_port, auth_port = free_ports(2)
    (tmp_path / "script.py").write_text(EXEC_SCRIPT)
    path = config(tmp_path, {"database": db_port, "auth": auth_port})
    result = cli("exec", "--only", "database,auth", "--project", "demo-exec", "--config",
                 str(path), "--export-on-exit", str(tmp_path / "exp"),
                 f"{sys.executable} script.py", cwd=tmp_path)
    assert result.returncode == 7, result.stdout + result.stderr
    env = json.loads(next(line for line in result.stdout.splitlines() if line.startswith("{")))
    assert env["FIREBASE_DATABASE_EMULATOR_HOST"] == f"127.0.0.1:{db_port}"
    assert env["FIREBASE_AUTH_EMULATOR_HOST"] == f"127.0.0.1:{auth_port}"
    assert env["GCLOUD_PROJECT"] == "demo-exec"
    assert json.loads(env["FIREBASE_CONFIG"])["projectId"] == "demo-exec"
    assert "read back True" in result.stdout
    # the suite stopped after the script (and exported what the script wrote)
    exported = tmp_path / "exp" / "database_export" / "demo-exec.json"
    assert json.loads(exported.read_text()) == {"from-exec": {"ok": True}}


def test_exec_status_zero_and_shell_syntax(tmp_path):
    path = config(tmp_path, {"database": 0})
    result = cli("exec", "--only", "database", "--config", str(path),
                 "test -n \"$FIREBASE_DATABASE_EMULATOR_HOST\" && echo has-host", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "has-host" in result.stdout


def test_export_on_exit_then_import_round_trip(tmp_path):
    export_dir = tmp_path / "exported"
    locked = {"rules": {".read": False, ".write": False}}  # the export reads as the admin
    with running_suite(only=("database",), rules=locked,
                       extra_args=["--export-on-exit", str(export_dir)]) as s:
        url = f"{s.database_url}/chats/c1.json?ns={s.ns}"
        body = {"title": "hi", "members": {"u1": True}, ".priority": 3}
        owner = {"Authorization": "Bearer owner"}
        assert requests.put(url, json=body, timeout=5).status_code == 401
        assert requests.put(url, json=body, headers=owner, timeout=5).status_code == 200
        assert s.stop() == 0
    metadata = json.loads((export_dir / "firebase-export-metadata.json").read_text())
    assert metadata["database"]["path"] == "database_export"
    assert (export_dir / "database_export" / f"{s.ns}.json").is_file()

    with running_suite(only=("database",), extra_args=["--import", str(export_dir)]) as again:
        got = requests.get(f"{again.database_url}/.json?ns={again.ns}&format=export", timeout=5)
        assert got.json() == {"chats": {"c1": {"title": "hi", "members": {"u1": True},
                                               ".priority": 3}}}


def test_import_of_a_folder_that_is_not_an_export(tmp_path):
    path = config(tmp_path, {"database": 0})
    assert_one_line_error(cli("start", "--only", "database", "--config", str(path),
                              "--import", str(tmp_path), cwd=tmp_path),
                          "firebase-export-metadata.json is missing")


def test_import_refuses_a_path_out_of_the_export_folder(tmp_path):
    """issue 12: `"path": "../outside"` in the metadata must not load the folder next door."""
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "demo-messenger.json").write_text('{"secret": "next door"}')
    export = tmp_path / "export"
    export.mkdir()
    (export / "firebase-export-metadata.json").write_text(
        json.dumps({"version": "13.0.0", "database": {"version": "4.11.2", "path": "../outside"}}))
    path = config(tmp_path, {"database": 0})
    result = cli("start", "--only", "database", "--config", str(path), "--import", str(export),
                 cwd=tmp_path)
    assert_one_line_error(result, "'../outside' leads outside the export folder")
    assert "next door" not in result.stderr + result.stdout


def test_sigterm_during_exec_ends_the_command_and_the_suite(tmp_path):
    import os
    import signal

    path = config(tmp_path, {"database": 0})
    script = (f"{sys.executable} -c \"import os, time; print('child', os.getpid(), flush=True);"
              " time.sleep(60)\"; echo the shell stays the parent")
    process = subprocess.Popen([*CLI, "exec", "--only", "database", "--config", str(path),
                                script], cwd=tmp_path, stdout=subprocess.PIPE, text=True,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        child_pid = None
        for line in process.stdout:
            if line.startswith("child "):
                child_pid = int(line.split()[1])
                break
        assert child_pid is not None
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 128 + signal.SIGTERM
        deadline = time.monotonic() + 5
        while True:  # the command's own process is gone too, not orphaned
            try:
                os.kill(child_pid, 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, "the exec'd command outlived the suite"
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_rules_trace_logs_each_decision():
    rules = {"rules": {".read": True, "locked": {".write": False}}}
    with running_suite(only=("database",), rules=rules, extra_args=["--rules-trace"]) as s:
        r = requests.put(f"{s.database_url}/locked/x.json?ns={s.ns}", json=1, timeout=5)
        assert r.status_code == 401
        deadline = time.monotonic() + 5
        while "denied" not in s.output:
            assert time.monotonic() < deadline, s.output
            time.sleep(0.05)
        assert "/locked/x" in s.output
