"""Stopping, restarting and sharing a data folder, as a user would with Ctrl-C and --data."""

import json
import signal

import pytest
import requests

from tests.support.suite import SuiteFailed, running_suite


def put(suite, path, value):
    response = requests.put(f"{suite.database_url}/{path}.json?ns={suite.ns}", json=value,
                            timeout=10)
    assert response.status_code == 200, response.text


def get(suite, path=""):
    return requests.get(f"{suite.database_url}/{path}.json?ns={suite.ns}", timeout=10).json()


def test_ctrl_c_stops_cleanly_and_data_survives_a_clean_restart(tmp_path):
    data = tmp_path / "data"
    with running_suite(only=("database",), data_dir=data) as suite:
        put(suite, "users/u1", {"name": "Ann"})
        put(suite, "users/u2", {"name": "Bob"})
        requests.delete(f"{suite.database_url}/users/u2.json?ns={suite.ns}", timeout=10)
        suite.process.send_signal(signal.SIGINT)
        assert suite.process.wait(15) == 0
        # close() folded the log into the snapshot: nothing left to replay
        assert (data / "snapshot.json").is_file()
        assert not list(data.glob("log-*.jrnl"))
        suite.restart()
        assert get(suite) == {"users": {"u1": {"name": "Ann"}}}


def test_a_data_folder_in_use_is_refused(tmp_path):
    data = tmp_path / "data"
    with running_suite(only=("database",), data_dir=data) as first:
        with pytest.raises(SuiteFailed) as info:
            with running_suite(only=("database",), data_dir=data):
                pass
        message = str(info.value)
        assert "is in use by another emulator suite" in message
        assert f"process {first.pid}" in message
        assert "Traceback" not in message


def test_export_on_exit_without_a_folder_reuses_the_import_folder(tmp_path):
    folder = tmp_path / "seed"
    with running_suite(only=("database",), extra_args=["--export-on-exit", str(folder)]) as s:
        put(s, "a", 1)
    with running_suite(only=("database",),
                       extra_args=["--import", str(folder), "--export-on-exit"]) as s:
        assert get(s) == {"a": 1}
        put(s, "b", 2)
    exported = json.loads((folder / "database_export" / "demo-messenger.json").read_text())
    assert exported == {"a": 1, "b": 2}


def test_other_namespaces_are_exported_too(tmp_path):
    folder = tmp_path / "exp"
    with running_suite(only=("database",), extra_args=["--export-on-exit", str(folder)]) as s:
        requests.put(f"{s.database_url}/x.json?ns=demo-other", json=5, timeout=10)
        put(s, "y", 6)
    files = sorted(p.name for p in (folder / "database_export").iterdir())
    assert files == ["demo-messenger.json", "demo-other.json"]


def test_import_into_a_data_folder_is_durable(tmp_path):
    folder, data = tmp_path / "exp", tmp_path / "data"
    with running_suite(only=("database",), extra_args=["--export-on-exit", str(folder)]) as s:
        put(s, "seed", {"v": 1})
    with running_suite(only=("database",), data_dir=data,
                       extra_args=["--import", str(folder)]) as s:
        put(s, "later", True)
        s.kill()
        s.wait_port_free()
        s.args = [a for a in s.args if a not in ("--import", str(folder))]  # plain restart
        s.start()
        assert get(s) == {"seed": {"v": 1}, "later": True}


ORPHAN_SCRIPT = """
import os, subprocess, sys
config = sys.argv[1]
child = subprocess.Popen(
    [sys.executable, "-m", "messenger_emulators.suite.cli", "start", "--only", "database",
     "--config", config],
    env={**os.environ, "MESSENGER_EMULATORS_EXIT_WITH_PARENT": "1"},
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT if sys.argv[2] == "merged" else None,
    text=True, start_new_session=True)
for line in child.stdout:
    if "All emulators ready" in line:
        break
print(child.pid, flush=True)
os._exit(0)  # the test runner dies without cleaning up
"""


@pytest.mark.parametrize("stderr", ["own", "merged"])
def test_a_suite_whose_parent_dies_stops_on_its_own(tmp_path, stderr):
    """Also when its stderr went to the dead parent's pipe, as tests/support/suite.py and the
    benchmarks start it: saying why it stops must not fail (a broken pipe) before stopping."""
    import os
    import subprocess
    import sys
    import time

    (tmp_path / "firebase.json").write_text('{"emulators": {"database": {"port": 0}}}')
    result = subprocess.run([sys.executable, "-c", ORPHAN_SCRIPT, str(tmp_path / "firebase.json"),
                             stderr], capture_output=True, text=True, timeout=60)
    pid = int(result.stdout.split()[0])
    deadline = time.monotonic() + 15
    try:
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            assert time.monotonic() < deadline, "the orphaned suite kept running"
            time.sleep(0.1)
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
