"""The small things: sign-out lands on the sign-in form, the form does not jump when an error
shows, an empty people search says so, and no placeholder is cut off in Russian."""

from __future__ import annotations

from messenger_desktop import i18n
from messenger_desktop.errors import Unreachable
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QWidget

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def _places(page: QWidget, widgets: list[QWidget]) -> list[tuple[int, int]]:
    out = []
    for w in widgets:
        p = w.mapTo(page, QPoint(0, 0))
        out.append((p.x(), p.y()))
    return out


def test_sign_out_lands_on_sign_in_and_errors_do_not_move_the_form(harness: Harness,
                                                                    suite) -> None:
    config = config_for(suite)
    email = unique_email("leaver")
    app = harness.signed_in(config, email, name="leaver")  # registered through the form
    harness.run(app.sign_out())
    login = app.window.login
    assert app.window.pages.currentWidget() is login
    assert login.mode == "login" and login.title.text() == "Welcome back"
    assert login.email.text() == email and not login.name.isVisibleTo(login)

    # A wrong password, answered by the real server: nothing on the form moves.
    app.window.resize(1000, 680)
    harness.until(lambda: login.submit.isVisible(), what="form shown")
    harness.qtbot.wait(100)  # laid out at this size
    watched = [login.email, login.password, login.submit, login.switch]
    before = _places(login, watched)
    login.password.setText("not the password")
    login.submit.click()
    harness.until(lambda: login.error.isVisible(), 20, "error shown")
    assert "Wrong email or password" in login.error.text()
    assert _places(login, watched) == before
    # The longest kind, with its Retry button, in Russian: still in place.
    try:
        i18n.install("ru")
        harness.until(lambda: login.title.text() != "Welcome back", what="Russian")
        harness.qtbot.wait(100)  # the longer Russian texts are laid out
        before = _places(login, watched)
        login.show_error(str(Unreachable()), can_retry=True)
        assert login.retry.isVisible()
        assert _places(login, watched) == before
        assert login.error.height() >= login.error.heightForWidth(login.error.width())
    finally:
        i18n.install("en")


def test_empty_people_search_says_nobody_found(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("seeker"), name="seeker")
    peer = _peer(admin, "Findable")
    harness.until(lambda: app.client.chats.row_for_uid(peer) is not None, what="listed")
    side = app.window.messenger.sidebar
    side.search.setText("no-such-person-xyz")
    assert side.no_people.isVisible() and not side.list.isVisible()
    assert side.no_people.text() == "Nobody found."
    side.search.setText("findable")
    assert side.list.isVisible() and not side.no_people.isVisible()
    assert side.proxy.rowCount() == 1


def _cut_placeholders(root: QWidget) -> list[str]:
    """Placeholders wider than the room their field gives them (padding and border of the
    style sheet, and the clear button, taken off)."""
    cut = []
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        if isinstance(w, QLineEdit) and w.placeholderText():
            room = w.contentsRect().width() - 2 * 8 - 2 - (24 if w.isClearButtonEnabled() else 0)
            need = w.fontMetrics().horizontalAdvance(w.placeholderText())
        elif isinstance(w, QPlainTextEdit) and w.placeholderText():
            room = w.viewport().width() - 2 * int(w.document().documentMargin())
            need = w.fontMetrics().horizontalAdvance(w.placeholderText())
        else:
            continue
        if need > room:
            cut.append(f"{w.objectName()}: {w.placeholderText()!r} needs {need} px, has {room}")
    return cut


def test_no_placeholder_is_cut_off_in_russian(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("narrow"), name="narrow")
    peer = _peer(admin, "Narrow")
    harness.until(lambda: app.client.chats.row_for_uid(peer) is not None, what="listed")
    window = app.window
    try:
        app.set_language("ru")
        window.resize(window.minimumSize())
        app.open_person(peer)
        harness.until(lambda: window.messenger.chat.input.isVisible(), what="chat open")
        harness.until(lambda: window.width() == window.minimumWidth(), what="narrowest")
        harness.until(lambda: window.messenger.chat.input.placeholderText().startswith(
            "Напишите"), what="Russian texts")
        assert _cut_placeholders(window) == []
        side = window.messenger.sidebar  # one-line labels fit, or end in "…" (never cut)
        assert side.me_sub.shown_text() == side.me_sub.text() == "встроенные серверы"
        side.me.setText("Очень длинное имя, которое никак не поместится целиком")
        assert side.me.shown_text().endswith("…")
        assert "целиком" in side.me.toolTip()
        app.open_profile()
        dialog = app.profile_dialog
        harness.until(lambda: dialog.isVisible(), what="profile")
        assert _cut_placeholders(dialog) == []
        dialog.reject()
        harness.run(app.sign_out())
        for mode in ("login", "register"):
            window.login.set_mode(mode)
            assert _cut_placeholders(window) == []
    finally:
        app.set_language("en")
