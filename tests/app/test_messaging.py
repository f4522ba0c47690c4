"""Two real clients talking through the real suite: live messages, unread, read, delete."""

from __future__ import annotations

from messenger_desktop.models.chat_list import Roles as ChatRoles
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email


def _texts(app) -> list[str]:
    session = app.client.current
    if session is None:
        return []
    model = session.model
    return [model.message(r).text for r in range(model.rowCount())]


def _row(app, uid):
    return app.client.chats.row_for_uid(uid)


def test_two_clients_exchange_messages_live(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a_uid, b_uid = alice.client.uid, bob.client.uid

    # Each sees the other in the list (users stream).
    harness.until(lambda: _row(alice, b_uid) is not None, what="bob in alice's list")
    harness.until(lambda: _row(bob, a_uid) is not None, what="alice in bob's list")

    alice.open_person(b_uid)
    view = alice.window.messenger.chat
    assert not view.send_button.isEnabled()  # empty input cannot be sent
    view.input.setPlainText("   ")
    assert not view.send_button.isEnabled()
    view.input.setPlainText("Hello Bob!")
    harness.do(lambda: QTest.keyClick(view.input, Qt.Key.Key_Return,
                                      Qt.KeyboardModifier.ShiftModifier))
    assert view.input.toPlainText().count("\n") == 1  # Shift+Enter: a new line, not sent
    view.input.setPlainText("Hello Bob! see https://example.com")
    harness.do(lambda: QTest.keyClick(view.input, Qt.Key.Key_Return))  # Enter sends
    assert view.input.toPlainText() == ""
    harness.until(lambda: _texts(alice) == ["Hello Bob! see https://example.com"])
    harness.until(lambda: not alice.client.current.model.message(0).pending, what="confirmed")

    # Bob has not opened the chat: unread badge, preview, total in the title.
    # (the unread id and the preview are two writes of the trigger: either may show first)
    harness.until(lambda: (_row(bob, a_uid) or None) and _row(bob, a_uid).unread == 1
                  and _row(bob, a_uid).preview.startswith("Hello Bob!"),
                  what="bob's unread badge and preview")
    assert bob.window.windowTitle().startswith("(1)")
    idx = bob.client.chats.index_for_uid(a_uid)
    assert idx.data(ChatRoles.Unread) == 1

    # Bob opens it: history shown, counter reset on the server, badge gone.
    bob.window.activateWindow()  # looking at it: the window has the focus
    harness.until(lambda: bob.window.isActiveWindow(), what="bob's window active")
    bob.open_person(a_uid)
    harness.until(lambda: _texts(bob) == ["Hello Bob! see https://example.com"])
    harness.until(lambda: _row(bob, a_uid).unread == 0, what="unread reset")
    harness.until(lambda: not bob.window.windowTitle().startswith("("), what="title reset")

    # Bob answers; Alice sees it live, in order.
    bob.client.current.send("Hi Alice")
    harness.until(lambda: _texts(alice)[-1:] == ["Hi Alice"], what="reply at alice")
    assert _texts(alice) == ["Hello Bob! see https://example.com", "Hi Alice"]
    own = [alice.client.current.model.index(r).data() for r in range(2)]
    assert own == _texts(alice)

    # Alice deletes her message: gone on both sides, live.
    first_id = alice.client.current.model.message(0).id
    harness.run(alice.client.current.delete(first_id))
    harness.until(lambda: _texts(bob) == ["Hi Alice"], what="delete reaches bob")
    assert _texts(alice) == ["Hi Alice"]


def test_list_orders_by_activity_and_search(harness: Harness, suite) -> None:
    config = config_for(suite)
    me = harness.signed_in(config, unique_email("me"), name="me")
    carol_email = unique_email("carol")
    carol = harness.signed_in(config, carol_email, name="carol")
    dave = harness.signed_in(config, unique_email("dave"), name="dave")
    for other in (carol, dave):
        harness.until(lambda o=other: _row(me, o.client.uid) is not None)

    def top_uid() -> str:
        proxy = me.window.messenger.sidebar.proxy
        return proxy.index(0, 0).data(ChatRoles.Uid)

    carol.open_person(me.client.uid)
    carol.client.current.send("from carol")
    # Carol may be on top by name alone: wait for her message itself, or Dave's could be
    # written first.
    harness.until(lambda: top_uid() == carol.client.uid
                  and _row(me, carol.client.uid).preview == "from carol", what="carol on top")
    dave.open_person(me.client.uid)
    dave.client.current.send("from dave")
    harness.until(lambda: top_uid() == dave.client.uid, what="dave on top")
    # The unread ids and the preview are two writes of the trigger, in either order.
    harness.until(lambda: me.window.windowTitle().startswith("(2)"), what="two unread chats")

    sidebar = me.window.messenger.sidebar
    # carol's own address: other tests in this session register carols too
    sidebar.search.setText(carol_email.split("@")[0])
    assert sidebar.proxy.rowCount() == 1
    assert sidebar.proxy.index(0, 0).data(ChatRoles.Uid) == carol.client.uid
    sidebar.search.clear()
    assert sidebar.proxy.rowCount() >= 2
