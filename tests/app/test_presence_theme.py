"""Presence (heartbeat, online dot, last seen), notifications, theme and language switching."""

from __future__ import annotations

from messenger_desktop.models.chat_list import Roles
from messenger_desktop.models.presence import ServerClock, Status, describe, is_online
from messenger_desktop.views.theme import Theme
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from .conftest import Harness, config_for, unique_email


def test_presence_rules() -> None:
    clock = ServerClock()
    now = clock.now_ms()
    assert is_online(Status(True, now - 10_000), now)
    assert not is_online(Status(True, now - 61_000), now)  # heartbeats stopped: a crash
    assert not is_online(Status(False, now - 1_000), now)
    assert describe(Status(False, now - 5 * 60_000 - 1), now) == "last seen 5 min ago"
    assert describe(Status(True, now - 90 * 60_000), now) == "last seen 1 h ago"
    assert describe(None, now) == "offline"


def test_presence_goes_online_and_offline(harness: Harness, suite) -> None:
    config = config_for(suite)
    watcher = harness.signed_in(config, unique_email("watcher"), name="watcher")
    other = harness.signed_in(config, unique_email("other"), name="other", heartbeat_s=0.5)
    uid = other.client.uid
    chats = watcher.client.chats
    harness.until(lambda: chats.index_for_uid(uid).isValid(), what="other listed")
    harness.until(lambda: chats.index_for_uid(uid).data(Roles.Online), what="online dot")
    assert chats.index_for_uid(uid).data(Roles.PresenceText) == "online"
    first = chats.status(uid).last_seen
    harness.until(lambda: chats.status(uid).last_seen > first, what="heartbeat advances")

    harness.run(other.shutdown())  # quitting marks offline
    harness.until(lambda: not chats.index_for_uid(uid).data(Roles.Online), what="offline")
    assert chats.index_for_uid(uid).data(Roles.PresenceText) == "last seen just now"


def test_notification_for_chat_not_in_view(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    harness.until(lambda: bob.client.chats.row_for_uid(alice.client.uid) is not None)
    shown: list[tuple[str, str, str]] = []
    bob.notifier.notify = lambda chat, sender, text: shown.append((chat, sender, text))
    alice.open_person(bob.client.uid)
    alice.client.current.send("ping from alice")
    harness.until(lambda: shown, what="notification")
    chat_id, sender, text = shown[0]
    assert chat_id == alice.client.current.chat_id
    assert sender.startswith("alice") and text == "ping from alice"
    # Clicking it opens that chat.
    bob.notifier.chat_requested.emit(chat_id)
    assert bob.client.current is not None and bob.client.current.chat_id == chat_id
    harness.until(lambda: bob.client.current.model.rowCount() == 1, what="chat opened")


def test_theme_switch_is_applied_and_remembered(harness: Harness, suite) -> None:
    app = harness.client(config_for(suite), name="themed")
    harness.run(app.start())
    app.set_theme("dark")
    window_color = QApplication.palette().color(QPalette.ColorRole.Window)
    assert window_color.lightness() < 60 and Theme.current().name == "dark"
    assert "#14171c" in QApplication.instance().styleSheet()
    app.set_theme("light")
    assert QApplication.palette().color(QPalette.ColorRole.Window).lightness() > 200
    app.set_theme("dark")
    again = harness.client(config_for(suite), folder=harness.tmp / "themed")
    assert again.settings.theme == "dark"
    app.set_theme("system")


def test_language_switch_to_russian(harness: Harness, suite) -> None:
    app = harness.client(config_for(suite), name="lang")
    harness.run(app.start())
    login = app.window.login
    assert login.submit.text() == "Sign in"
    app.set_language("ru")  # LanguageChange events are posted: let Qt deliver them
    harness.until(lambda: login.submit.text() == "Войти", 3, what="Russian texts")
    assert login.switch.text() == "Создать"
    assert app.window.messenger.sidebar.search.placeholderText() == "Люди и сообщения"
    assert app.settings.language == "ru"
    app.set_language("en")
    harness.until(lambda: login.submit.text() == "Sign in", 3, what="English again")
