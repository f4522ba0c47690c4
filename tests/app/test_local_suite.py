"""The bundled suite while the app runs: one data folder for everyone, restarted when the
suite this app started dies, waited for (and said so) when it is someone else's, and the
"Connecting…" banner and presence right again within a second or two of the way back."""

from __future__ import annotations

import time
from pathlib import Path

import requests
from messenger_desktop.application import Application
from messenger_desktop.config import emulator_config
from messenger_desktop.firebase.emulator import EmulatorLauncher, port_open
from messenger_desktop.models.chat_list import Roles
from messenger_desktop.store.settings import Settings
from messenger_desktop.store.tokens import FileTokenStore
from PySide6.QtCore import QSettings

from tests.support.suite import free_ports, running_suite

from .conftest import RULES, Harness, config_for, unique_email
from .test_launcher import _firebase_json


def _ports() -> dict[str, int]:
    return dict(zip(("database", "auth", "functions"), free_ports(3), strict=True))


def _app_with_launcher(harness: Harness, root: Path, launcher: EmulatorLauncher,
                       name: str) -> Application:
    """The real Application as `messenger` builds it for the bundled suite."""
    folder = root / "profiles" / name
    folder.mkdir(parents=True)
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    config = emulator_config(ports=launcher.ports)
    app = Application(config, settings, FileTokenStore(folder), folder, launcher=launcher,
                      heartbeat_s=20.0)
    harness.apps.append(app)
    return app


def _sign_in(harness: Harness, app: Application, email: str) -> None:
    harness.run(app.start(), 90)  # starts (or finds) the suite first
    login = app.window.login
    harness.until(login.submit.isEnabled, 60, what="form ready")
    login.set_mode("register")
    login.email.setText(email)
    login.password.setText("correct horse battery")
    login.submit.click()
    harness.until(lambda: app.client is not None, 30, what="sign-in")


def _banner(app: Application) -> str:
    banner = app.window.messenger.banner
    return banner.text() if banner.isVisibleTo(app.window) else ""


def _messages(ports: dict[str, int], chat: str) -> dict:
    r = requests.get(f"http://127.0.0.1:{ports['database']}/messages/{chat}.json",
                     params={"auth": "owner", "ns": "demo-messenger"}, timeout=10)
    r.raise_for_status()
    return r.json() or {}


def test_every_instance_shares_one_suite_folder(harness: Harness, tmp_path) -> None:
    """A second instance (another profile) reuses the running suite, and when it has to
    start one itself it starts it on the same folder: the first person's chats are there."""
    ports = _ports()
    config = _firebase_json(tmp_path, ports)
    root = tmp_path / "home"
    first = EmulatorLauncher(root, config, ports=ports)
    second = EmulatorLauncher(root, config, ports=ports)  # same OS user, another profile
    assert harness.run(first.ensure_running(), 90) is True
    assert harness.run(second.ensure_running()) is False  # reused, not its own empty one
    requests.put(f"http://127.0.0.1:{ports['database']}/messages/a_b/m1.json",
                 params={"auth": "owner", "ns": "demo-messenger"},
                 json={"sender": "a", "text": "kept", "ts": 1}, timeout=10).raise_for_status()
    first.stop()  # the first person quits: their app stops the suite it started
    assert harness.run(second.check()) == "restart"  # its starter is gone: take over
    assert harness.run(second.ensure_running(), 90) is True
    try:
        assert _messages(ports, "a_b")["m1"]["text"] == "kept"
        assert second.suite_dir == first.suite_dir == root / "emulator-data"
    finally:
        second.stop()


def test_restarts_the_suite_it_started_and_says_so(harness: Harness, tmp_path) -> None:
    ports = _ports()
    root = tmp_path / "home"
    launcher = EmulatorLauncher(root, _firebase_json(tmp_path, ports), ports=ports)
    app = _app_with_launcher(harness, root, launcher, "alice")
    try:
        _sign_in(harness, app, unique_email("alice"))
        first_pid = launcher.process.pid
        launcher.process.kill()  # the suite dies under the app
        harness.until(lambda: "Restarting" in _banner(app), 15, what="restart banner")
        harness.until(lambda: app.client.hub.connected and not _banner(app), 60,
                      what="back, banner gone")
        assert launcher.process is not None and launcher.process.pid != first_pid
        assert harness.run(port_open("127.0.0.1", ports["database"]))
    finally:
        harness.run(app.shutdown(), 30)
    assert not harness.run(port_open("127.0.0.1", ports["database"]))  # stopped on quit


def test_signing_in_restarts_the_suite_it_started(harness: Harness, tmp_path) -> None:
    """Not signed in yet, and the suite the app started has died: signing in starts it
    again instead of answering "can't reach the server"."""
    ports = _ports()
    root = tmp_path / "home"
    launcher = EmulatorLauncher(root, _firebase_json(tmp_path, ports), ports=ports)
    app = _app_with_launcher(harness, root, launcher, "alice")
    try:
        harness.run(app.start(), 90)
        harness.until(app.window.login.submit.isEnabled, 60, what="form ready")
        launcher.process.kill()
        launcher.process.wait()
        login = app.window.login
        login.set_mode("register")
        login.email.setText(unique_email("alice"))
        login.password.setText("correct horse battery")
        login.submit.click()
        harness.until(lambda: app.client is not None, 90, what="signed in on a new suite")
    finally:
        harness.run(app.shutdown(), 30)


def test_waits_for_a_suite_someone_else_started(harness: Harness, tmp_path) -> None:
    """`make emulators` on the shared folder, after an earlier app run left its (stopped)
    owner record there: the suite is not the app's to restart."""
    root = tmp_path / "home"
    (root / "emulator-data").mkdir(parents=True)
    (root / "emulators-owner.json").write_text(
        '{"pid": 999999999, "running": false, "suite_pid": 999999998}')
    with running_suite(rules=RULES, data_dir=root / "emulator-data") as suite:
        launcher = EmulatorLauncher(root, suite.config_path, ports=suite.ports)
        app = _app_with_launcher(harness, root, launcher, "alice")
        _sign_in(harness, app, unique_email("alice"))
        assert launcher.process is None  # found running: not ours
        suite.kill()
        suite.wait_port_free()
        harness.until(lambda: "Waiting for the local servers" in _banner(app), 15,
                      what="waiting banner")
        harness.qtbot.wait(2500)
        assert not harness.run(port_open("127.0.0.1", suite.ports["database"]))  # not ours
        suite.restart()
        harness.until(lambda: app.client.hub.connected and not _banner(app), 30,
                      what="back, banner gone")


def test_banner_and_presence_right_after_a_reconnect(harness: Harness, tmp_path) -> None:
    """After an outage long enough for the streams' backoff to reach its longest step, the
    banner goes within 1 s of the first request that gets through, and the others see me
    online again at once (not at my next heartbeat, up to 20 s later)."""
    with running_suite(rules=RULES, data_dir=tmp_path / "data") as suite:
        config = config_for(suite)
        alice = harness.signed_in(config, unique_email("alice"), name="alice")
        bob = harness.signed_in(config, unique_email("bob"), name="bob")
        uid = alice.client.uid
        chats = bob.client.chats
        harness.until(lambda: chats.index_for_uid(uid).isValid()
                      and chats.index_for_uid(uid).data(Roles.Online), what="alice online")
        suite.kill()
        suite.wait_port_free()
        harness.until(lambda: _banner(alice), 10, what="Connecting banner")
        harness.qtbot.wait(13_000)  # backoff: 0.2, 0.4, ... 6.4, then 8 s steps (+-50 %)
        suite.restart()
        restarted = time.time() * 1000
        harness.run(alice.client.db.get(f"users/{uid}"), 20)  # the first answer
        answered = time.monotonic()
        harness.until(lambda: not _banner(alice), 1.0, what="banner gone within 1 s")
        assert time.monotonic() - answered <= 1.0
        # Once Bob is back too, he sees Alice's heartbeat sent on her reconnect, not the one
        # from before the outage.
        harness.run(bob.client.db.get(f"users/{bob.client.uid}"), 20)
        harness.until(lambda: chats.status(uid) is not None
                      and chats.status(uid).last_seen >= restarted, 3,
                      what="alice's heartbeat after the reconnect")
        assert chats.index_for_uid(uid).data(Roles.Online)
