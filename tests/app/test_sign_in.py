"""Register, log in, inline errors, stay signed in, sign out: against the real suite."""

from __future__ import annotations

import stat

from messenger_desktop.store.tokens import FileTokenStore

from .conftest import Harness, config_for, unique_email


def test_register_then_login_and_errors(harness: Harness, suite) -> None:
    config = config_for(suite)
    email = unique_email("alice")
    app = harness.signed_in(config, email)
    assert app.client is not None and app.client.uid
    assert app.window.pages.currentWidget() is app.window.messenger
    harness.run(app.sign_out())
    assert app.window.pages.currentWidget() is app.window.login

    login = app.window.login
    # Registering the same email again: the API's sentence, shown inline, input kept.
    login.set_mode("register")
    login.email.setText(email)
    login.password.setText("another password")
    login.submit.click()
    harness.until(lambda: login.error.isVisible(), what="email taken error")
    assert "already exists" in login.error.text()
    assert login.email.text() == email and login.password.text() == "another password"

    # Wrong password.
    login.set_mode("login")
    login.password.setText("wrong password!")
    login.password.returnPressed.emit()  # Enter submits
    harness.until(lambda: login.error.isVisible(), what="wrong password error")
    assert login.error.text() == "Wrong email or password."
    assert not login.retry.isVisible()

    # Right password.
    login.password.setText("correct horse battery")
    login.submit.click()
    harness.until(lambda: app.client is not None, what="login")


def test_password_rules_and_reveal(harness: Harness, suite) -> None:
    app = harness.client(config_for(suite))
    harness.run(app.start())
    login = app.window.login
    login.set_mode("register")
    login.email.setText(unique_email())
    login.password.setText("short")
    login.submit.click()
    harness.until(lambda: login.error.isVisible(), what="password rule error")
    assert "at least" in login.error.text()
    assert login.password.echoMode() == login.password.EchoMode.Password
    login.reveal.click()
    assert login.password.echoMode() == login.password.EchoMode.Normal


def test_unreachable_server_offers_retry(harness: Harness, suite) -> None:
    from messenger_desktop.config import emulator_config

    from tests.support.suite import free_ports

    dead = free_ports(3)
    config = emulator_config(ports=dict(zip(("database", "auth", "functions"), dead,
                                            strict=True)))
    app = harness.client(config)
    harness.run(app.start())
    login = app.window.login
    login.email.setText(unique_email())
    login.password.setText("whatever password")
    login.submit.click()
    harness.until(lambda: login.error.isVisible(), what="unreachable error")
    assert "reach the server" in login.error.text()
    assert login.retry.isVisible()
    assert login.email.text() and login.password.text() == "whatever password"


def test_stay_signed_in_resumes_silently(harness: Harness, suite, tmp_path) -> None:
    config = config_for(suite)
    folder = tmp_path / "persistent"
    app = harness.signed_in(config, folder=folder)
    uid = app.client.uid
    harness.until(lambda: list(folder.glob("session-*.json")), what="token saved")
    token_file = next(folder.glob("session-*.json"))
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    harness.run(app.shutdown())

    again = harness.client(config, folder=folder)
    harness.run(again.start())  # no form: the remembered refresh token signs in
    harness.until(lambda: again.client is not None, what="silent sign-in")
    assert again.client.uid == uid
    harness.run(again.sign_out())
    assert FileTokenStore(folder).load(again.account) is None
