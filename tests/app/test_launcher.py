"""The client starts the bundled suite when nothing answers, reuses a running one, and stops
only what it started."""

from __future__ import annotations

import json

import requests
from messenger_desktop.firebase.emulator import EmulatorError, EmulatorLauncher, port_open

from tests.support.suite import FUNCTIONS_SOURCE, free_ports

from .conftest import RULES


def _firebase_json(tmp_path, ports: dict[str, int]):
    (tmp_path / "database.rules.json").write_text(RULES)
    config = {
        "database": {"rules": "database.rules.json"},
        "emulators": {name: {"host": "127.0.0.1", "port": port} for name, port in ports.items()},
        "functions": {"source": str(FUNCTIONS_SOURCE)},
    }
    path = tmp_path / "firebase.json"
    path.write_text(json.dumps(config))
    return path


def test_starts_reuses_and_stops(harness, tmp_path) -> None:
    ports = dict(zip(("database", "auth", "functions"), free_ports(3), strict=True))
    config = _firebase_json(tmp_path, ports)
    first = EmulatorLauncher(tmp_path / "data", config, ports=ports)
    assert harness.run(first.ensure_running(), 60) is True  # nothing answered: started
    assert (tmp_path / "data" / "emulator-data").is_dir()  # chats persist between runs
    # Signed tokens only (a web page in the user's browser cannot sign in as anyone).
    info = requests.get(f"http://127.0.0.1:{ports['auth']}/", timeout=10).json()
    assert info["authEmulator"]["secure"] is True
    second = EmulatorLauncher(tmp_path / "data2", config, ports=ports)
    assert harness.run(second.ensure_running()) is False  # already running: reused
    second.stop()  # did not start it: must not stop it
    assert harness.run(port_open("127.0.0.1", ports["database"]))
    first.stop()
    assert not harness.run(port_open("127.0.0.1", ports["database"]))


def test_partly_taken_ports_are_explained(harness, tmp_path) -> None:
    import socket

    ports = dict(zip(("database", "auth", "functions"), free_ports(3), strict=True))
    config = _firebase_json(tmp_path, ports)
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", ports["auth"]))
    squatter.listen()
    try:
        launcher = EmulatorLauncher(tmp_path / "data", config, ports=ports)
        try:
            harness.run(launcher.ensure_running())
        except EmulatorError as exc:
            assert str(ports["auth"]) in str(exc) and "another program" in str(exc)
        else:
            raise AssertionError("a half-taken set of ports must be refused")
        assert launcher.process is None
    finally:
        squatter.close()
