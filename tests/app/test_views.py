"""Views without a server: bubbles, links, selectable text, the sign-in form's own checks."""

from __future__ import annotations

from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.views.chat_view import MessageList
from messenger_desktop.views.login import LoginPage
from messenger_desktop.views.text import to_html
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QTextBrowser


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


def _drag(widget, button, start: QPoint, end: QPoint) -> None:
    """A real press, moves with the button held, and a release."""
    QTest.mousePress(widget, button, pos=start)
    steps = 6
    for i in range(1, steps + 1):
        p = start + (end - start) * (i / steps)
        QApplication.sendEvent(widget, QMouseEvent(
            QEvent.Type.MouseMove, QPointF(p), QPointF(widget.mapToGlobal(p)),
            Qt.MouseButton.NoButton, button, Qt.KeyboardModifier.NoModifier))
    QTest.mouseRelease(widget, button, pos=end)


def test_first_drag_selects_part_of_a_message(qtbot) -> None:
    text = "select a part of this message"
    view, model = _view(qtbot, [Message("a", "you", text, 1000.0)])
    index = model.index(0)
    bubble = view.bubbles.bubble_at(view.visualRect(index), index, view.font())
    y = bubble.top() + 8 + 6  # on the first line of text
    start, end = QPoint(bubble.left() + 12 + 2, y), QPoint(bubble.left() + 12 + 60, y)
    _drag(view.viewport(), Qt.MouseButton.LeftButton, start, end)  # the very first drag
    browser = view.findChild(QTextBrowser)
    assert browser is not None and browser.isReadOnly()
    assert browser.toPlainText() == text
    chosen = browser.textCursor().selectedText()
    assert chosen and text.startswith(chosen) and chosen != text, chosen
    # A second drag from elsewhere selects anew (it does not drag the selected text away).
    _drag(browser.viewport(), Qt.MouseButton.LeftButton,
          browser.viewport().mapFrom(view.viewport(), end + QPoint(10, 0)),
          browser.viewport().mapFrom(view.viewport(), end + QPoint(60, 0)))
    again = browser.textCursor().selectedText()
    assert again and again != chosen and again in text
    assert browser.toPlainText() == text  # nothing moved


def test_a_press_on_a_link_opens_it_not_the_text(qtbot) -> None:
    view, model = _view(qtbot, [Message("a", "you", "https://example.com/page", 1000.0)])
    index = model.index(0)
    bubble = view.bubbles.bubble_at(view.visualRect(index), index, view.font())
    opened: list[str] = []
    view.link_activated.connect(opened.append)
    on_link = QPoint(bubble.left() + 12 + 10, bubble.top() + 8 + 6)
    assert view.bubbles.anchor_at(view.visualRect(index), index, on_link, view.font())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=on_link)
    assert opened == ["https://example.com/page"]
    assert view.findChild(QTextBrowser) is None


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


def test_pending_messages_stay_in_the_order_they_were_written(qtbot) -> None:
    # A pending message's ts is the local estimate of server time, which the next observed
    # round trip can move backwards (a test once saw two files attached together as b, a).
    from messenger_model.push_ids import new_push_id

    model = MessageListModel("me")
    first, second = new_push_id(), new_push_id()
    model.upsert(Message(first, "me", "a.txt", 5000.0, pending=True))
    model.upsert(Message(second, "me", "b.txt", 4990.0, pending=True))  # the clock stepped back
    model.upsert(Message("-confirmed", "you", "hi", 6000.0))
    assert model.ids() == ["-confirmed", first, second]
    # confirmed, a message takes its place by the server's time
    model.upsert(Message(first, "me", "a.txt", 5500.0))
    assert model.ids() == [first, "-confirmed", second]
    assert model.row_of(second) == 2
