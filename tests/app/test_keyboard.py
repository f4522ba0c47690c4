"""The keyboard: Ctrl+K jumps to a chat, Esc clears the search then closes the chat, the
Menu key / Shift+F10 open the current message's menu (copy, delete), and the current row of
either list is visibly marked."""

from __future__ import annotations

from messenger_desktop.models.chat_list import ChatListModel, direct_chat_id
from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.models.presence import ServerClock
from messenger_desktop.views.bubble_delegate import BubbleDelegate
from messenger_desktop.views.chat_list_delegate import ChatListDelegate
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox, QStyle, QStyleOptionViewItem, QWidget

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def _render(delegate, index, focused: bool) -> QImage:
    image = QImage(500, 120, QImage.Format.Format_ARGB32)
    image.fill(0)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 500, 120)
    option.font = QWidget().font()
    option.state = QStyle.StateFlag.State_Enabled | (
        QStyle.StateFlag.State_HasFocus if focused else QStyle.StateFlag.State_None)
    painter = QPainter(image)
    delegate.paint(painter, option, index)
    painter.end()
    return image


def test_the_current_row_is_visibly_marked(qapp) -> None:
    chats = ChatListModel("me", ServerClock())
    chats.set_user("bob", {"email": "bob@example.com", "displayName": "Bob"})
    assert _render(ChatListDelegate(), chats.index(0), True) != _render(
        ChatListDelegate(), chats.index(0), False)
    messages = MessageListModel("me")
    messages.prepend_page([Message("a", "you", "hello", 1000.0)])
    assert _render(BubbleDelegate(), messages.index(0), True) != _render(
        BubbleDelegate(), messages.index(0), False)


def test_keyboard_paths(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("keys"), name="keys")
    me = app.client.uid
    peer = _peer(admin, "Keyboardy")
    chat = direct_chat_id(me, peer)
    admin.put(f"messages/{chat}", {
        "-k1": {"sender": peer, "text": "theirs", "ts": 1_000},
        "-k2": {"sender": me, "text": "mine to copy", "ts": 2_000},
    })
    harness.until(lambda: app.client.chats.row_for_uid(peer) is not None, what="listed")
    window = app.window
    window.activateWindow()
    harness.until(window.isActiveWindow, what="active window")
    side = window.messenger.sidebar

    # Ctrl+K, a few letters, Enter: the chat is open.
    QTest.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert side.search.hasFocus()
    QTest.keyClicks(side.search, "keyboardy")
    QTest.keyClick(side.search, Qt.Key.Key_Down)  # into the list, on the first found
    assert side.list.hasFocus() and side.list.currentIndex().row() == 0
    side.search.setFocus()
    QTest.keyClick(side.search, Qt.Key.Key_Return)
    harness.until(lambda: app.client.current is not None
                  and app.client.current.other_uid == peer, what="chat opened")
    view = window.messenger.chat

    # Esc: the search first, then the chat (what was typed stays as its draft).
    assert side.search.text() == "keyboardy"
    QTest.keyClicks(view.input, "unsent words")
    QTest.keyClick(view.input, Qt.Key.Key_Escape)
    assert side.search.text() == "" and app.client.current is not None
    QTest.keyClick(view.input, Qt.Key.Key_Escape)
    assert app.client.current is None
    assert window.messenger.right.currentWidget() is window.messenger.placeholder
    app.open_person(peer)
    assert view.input.toPlainText() == "unsent words"

    # The message menu from the keyboard: the newest message is current.
    model = app.client.current.model
    harness.until(lambda: model.rowCount() == 2, what="messages")
    view.list.setFocus()
    assert view.list.currentIndex().row() == 1
    QTest.keyClick(view.list, Qt.Key.Key_Menu)
    menu = view.menu
    assert menu is not None and menu.isVisible()
    assert [a.text() for a in menu.actions()] == [
        "Reply", "Edit", "Forward…", "React", "Copy text", "Delete for me", "Delete for everyone"]
    menu.actions()[4].trigger()
    assert QGuiApplication.clipboard().text() == "mine to copy"
    menu.close()
    QTest.keyClick(view.list, Qt.Key.Key_Up)
    QTest.keyClick(view.list, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    # not mine: no edit, no delete for everyone
    assert [a.text() for a in view.menu.actions()] == [
        "Reply", "Forward…", "React", "Copy text", "Delete for me"]
    view.menu.close()
    QTest.keyClick(view.list, Qt.Key.Key_Down)
    QTest.keyClick(view.list, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    view.menu.actions()[-1].trigger()  # Delete for everyone…
    box = view.confirm
    assert box is not None and box.isVisible()
    box.button(QMessageBox.StandardButton.Yes).click()
    harness.until(lambda: admin.get(f"messages/{chat}/-k2") is None, what="deleted")
    harness.until(lambda: model.rowCount() == 1, what="gone from the view")
