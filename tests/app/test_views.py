"""Views without a server: bubbles, links, selectable text, the sign-in form's own checks."""

from __future__ import annotations

from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.views.chat_view import MessageList
from messenger_desktop.views.login import LoginPage
from messenger_desktop.views.text import to_html
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTextBrowser


def test_links_become_anchors_and_nothing_else_is_html() -> None:
    html = to_html("<b>hi</b> see https://example.com/a?b=1&c=2, ok", "#00f")
    assert "&lt;b&gt;hi&lt;/b&gt;" in html  # what the user typed is text, never markup
    assert 'href="https://example.com/a?b=1&amp;c=2"' in html
    assert html.endswith(", ok")  # the trailing comma is not part of the link
    assert 'href="http://www.example.org"' in to_html("www.example.org", "#00f")


def _view(qtbot, messages: list[Message]) -> tuple[MessageList, MessageListModel]:
    model = MessageListModel("me")
    model.prepend_page(messages)
    view = MessageList()
    qtbot.addWidget(view)
    view.resize(600, 400)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def test_own_bubbles_right_others_left_and_link_hit(qtbot) -> None:
    msgs = [
        Message("a", "you", "hello there", 1000.0),
        Message("b", "me", "look: https://example.com/page", 2000.0),
    ]
    view, model = _view(qtbot, msgs)
    theirs = view.bubbles.bubble_rect(view.visualRect(model.index(0)), msgs[0], False, view.font())
    mine = view.bubbles.bubble_rect(view.visualRect(model.index(1)), msgs[1], True, view.font())
    middle = view.viewport().width() // 2
    assert theirs.right() < middle < mine.right()
    assert mine.left() > theirs.left()
    # Somewhere on the link text the view finds the anchor; elsewhere it does not.
    rect = view.visualRect(model.index(1))
    hits = {
        view.bubbles.anchor_at(rect, model.index(1), QPoint(x, y), view.font())
        for x in range(mine.left(), mine.right(), 3)
        for y in range(mine.top(), mine.bottom(), 3)
    }
    assert "https://example.com/page" in hits and "" in hits


def test_double_click_opens_selectable_text(qtbot) -> None:
    view, model = _view(qtbot, [Message("a", "you", "copy part of this", 1000.0)])
    center = view.visualRect(model.index(0)).topLeft() + QPoint(40, 15)
    # A real double-click: press, release, then the double-click event.
    QTest.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    QTest.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    QTest.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    editor = view.indexWidget(model.index(0))
    qtbot.waitUntil(lambda: view.findChild(QTextBrowser) is not None, timeout=2000)
    browser = view.findChild(QTextBrowser)
    assert browser.toPlainText() == "copy part of this"
    assert browser.isReadOnly()
    assert editor is None or editor is browser


def test_form_checks_before_calling_the_server(qtbot) -> None:
    page = LoginPage()
    qtbot.addWidget(page)
    sent: list = []
    page.submitted.connect(lambda *a: sent.append(a))
    page.email.setText("not-an-email")
    page.password.setText("whatever")
    page.submit.click()
    assert not sent and "email" in page.error.text().lower()
    page.email.setText("a@example.com")
    page.password.setText("")
    page.password.returnPressed.emit()
    assert not sent and "password" in page.error.text().lower()
    page.password.setText("long enough")
    page.email.returnPressed.emit()
    assert sent == [("login", "a@example.com", "long enough", True)]
    page.set_busy(True)
    assert not page.submit.isEnabled() and not page.email.isEnabled()
    assert page.email.text() == "a@example.com"  # nothing typed is lost


def test_too_long_message_is_explained_and_kept(qtbot) -> None:
    from messenger_desktop.views.chat_view import ChatView
    from messenger_desktop.views.composer import MAX_LENGTH

    view = ChatView()
    qtbot.addWidget(view)
    view.show()
    text = "x" * (MAX_LENGTH + 1)
    view.input.setPlainText(text)
    assert not view.send_button.isEnabled()
    assert view.notice.isVisible() and str(MAX_LENGTH + 1) in view.notice.text()
    assert view.input.toPlainText() == text  # nothing typed is lost
    view.input.setPlainText("x" * MAX_LENGTH)
    assert view.send_button.isEnabled() and not view.notice.isVisible()
