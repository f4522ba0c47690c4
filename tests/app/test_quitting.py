"""Quitting: the window's close button and Ctrl+Q do what SIGTERM does (offline mark within
2 s for the others, the local suite this app started stopped, no traceback, exit status 0),
and a second start of the same profile is refused (it raises the first window instead).

The end-to-end tests run the real entry point (`messenger_desktop.main.main`) in a
subprocess, driven through its window by tests/app/close_driver.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from messenger_desktop.firebase.emulator import port_open
from messenger_desktop.models.chat_list import Roles
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.support.suite import free_ports

from .conftest import REPO, Harness, config_for, unique_email
from .test_launcher import _firebase_json

OFFLINE_WITHIN_S = 2.0


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MESSENGER_HOME": str(home),
           "MESSENGER_NO_KEYRING": "1", "PYTHONPATH": str(REPO)}
    env.pop("MESSENGER_DATA_DIR", None)
    env.pop("MESSENGER_PROFILE", None)
    return env


def _start_driver(work: Path, cwd: Path, email: str, *args: str) -> subprocess.Popen:
    work.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.app.close_driver", str(work), email, *args],
        cwd=cwd, env=_env(work / "home"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )


def _wait_file(path: Path, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            raise AssertionError(f"the app ended early ({proc.returncode}):\n{err[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            raise AssertionError(f"{path.name} not reached in {timeout} s:\n{err[-3000:]}")
        time.sleep(0.05)


def _finish(proc: subprocess.Popen, timeout: float = 30) -> tuple[int, str]:
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _out, err = proc.communicate()
        raise AssertionError(f"the app did not quit within {timeout} s:\n{err[-3000:]}") from None
    return proc.returncode, err


def test_ctrl_q_quits_and_the_other_sees_last_seen_just_now(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    uid = alice.client.uid
    chats = bob.client.chats
    harness.until(lambda: chats.index_for_uid(uid).isValid()
                  and chats.index_for_uid(uid).data(Roles.Online), what="alice online")
    alice.window.activateWindow()
    harness.until(alice.window.isActiveWindow, 5, what="window active")
    QTest.keyClick(alice.window, Qt.Key.Key_Q, Qt.KeyboardModifier.ControlModifier)
    assert alice.closed.is_set()  # what main() waits for before shutdown()
    t0 = time.monotonic()
    harness.run(alice.shutdown())
    harness.until(lambda: not chats.index_for_uid(uid).data(Roles.Online), OFFLINE_WITHIN_S,
                  what="alice offline")
    assert time.monotonic() - t0 <= OFFLINE_WITHIN_S
    assert chats.index_for_uid(uid).data(Roles.PresenceText) == "last seen just now"


def test_closing_the_window_quits_cleanly_on_a_shared_suite(harness: Harness, suite,
                                                             tmp_path) -> None:
    """The suite here is someone else's (the test's): the app uses it and leaves it running;
    the other person sees the offline mark within 2 s; a second start is refused."""
    config = config_for(suite)
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    email = unique_email("alice")
    work = tmp_path / "alice"
    # Started where the suite's firebase.json is: the app finds its ports there.
    proc = _start_driver(work, suite.config_path.parent, email)
    try:
        _wait_file(work / "ready", proc, 60)
        chats = bob.client.chats

        def alice_index():
            for row in range(chats.rowCount()):
                index = chats.index(row)
                if index.data(Roles.Email) == email:
                    return index
            return None

        harness.until(lambda: alice_index() is not None and alice_index().data(Roles.Online),
                      20, what="bob sees alice online")

        # A second start of the same profile: refused at once, the first one stays.
        second = subprocess.run(
            [sys.executable, "-m", "messenger_desktop.main"], cwd=suite.config_path.parent,
            env=_env(work / "home"), capture_output=True, text=True, timeout=60)
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stderr
        assert proc.poll() is None

        (work / "close").touch()
        t0 = time.monotonic()
        harness.until(lambda: not alice_index().data(Roles.Online), OFFLINE_WITHIN_S + 1,
                      what="alice offline")
        assert time.monotonic() - t0 <= OFFLINE_WITHIN_S + 0.2  # the driver polls every 50 ms
        assert alice_index().data(Roles.PresenceText) == "last seen just now"
        code, err = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert "Traceback" not in err, err
    assert harness.run(port_open("127.0.0.1", suite.ports["database"]))  # not ours: still up


def test_closing_the_window_stops_the_suite_the_app_started(tmp_path) -> None:
    ports = dict(zip(("database", "auth", "functions"), free_ports(3), strict=True))
    project = tmp_path / "project"
    project.mkdir()
    _firebase_json(project, ports)
    work = tmp_path / "alice"
    proc = _start_driver(work, project, unique_email("alice"))
    try:
        _wait_file(work / "ready", proc, 90)  # starts the suite, then registers
        home = work / "home"
        assert (home / "emulator-data" / "LOCK").exists()  # the one suite folder, durable
        (work / "close").touch()
        code, err = _finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, err
    assert "Traceback" not in err, err
    for port in ports.values():
        with socket.socket() as sock:
            sock.settimeout(1)
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still answers"
    owner = (home / "emulators-owner.json").read_text()
    assert '"running": false' in owner


def test_client_signals_after_sign_out_or_the_window_is_gone_do_nothing(harness: Harness,
                                                                        suite) -> None:
    """A client's signals can still be on their way when the app signs out or quits (a
    stream event already read, a picture decoded): they must reach nothing, and never a
    window that Qt has deleted (seen as an exception in Application._on_unread at the end of
    the attachment tests)."""
    from PySide6.QtCore import QCoreApplication, QEvent

    config = config_for(suite)
    app = harness.signed_in(config, unique_email("late"), name="late")
    client = app.client
    harness.run(app.sign_out())
    client.unread_changed.emit(5)  # the old account's count must not reach the login page
    assert "(5)" not in app.window.windowTitle()
    again = harness.signed_in(config, unique_email("gone"), name="gone")
    client = again.client
    harness.run(again.shutdown(), 10)
    harness.apps.remove(again)
    again.window.close()
    again.window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    client.unread_changed.emit(3)
    client.connection_changed.emit(False)
    client.profile_changed.emit()
    client.images.changed.emit("avatars/x/y.jpg")
    client.message_notification.emit("c", "someone", "hi")


def test_a_sign_in_while_signed_in_keeps_the_one_client(harness: Harness, suite,
                                                        tmp_path) -> None:
    """A remembered session resumes at start; a sign-in submitted after that (the hidden
    form, as the attachment tests' restart did) must not start a second client beside it
    (two clients drained one upload queue: test_offline_uploads_... was flaky)."""
    config = config_for(suite)
    email = unique_email("twice")
    first = harness.signed_in(config, email, name="t1", folder=tmp_path / "t")
    harness.run(first.shutdown(), 10)
    again = harness.client(config, name="t2", folder=tmp_path / "t")
    harness.run(again.start())
    client = again.client
    assert client is not None  # resumed
    harness.run(again.submit("login", email, "correct horse battery", True))
    assert again.client is client
