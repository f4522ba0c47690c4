"""Opening a chat with unread messages lands on the first of them, under an "Unread messages"
divider (reading back past the newest page when needed); a round button shows how many
messages are below and takes you to the newest."""

from __future__ import annotations

import time

from messenger_desktop.chat_session import PAGE_SIZE
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_model.limits import UNREAD_IDS_CAP
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def test_opening_lands_on_the_first_unread_message(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("reader"), name="reader")
    app.window.resize(1000, 700)
    me = app.client.uid
    peer = _peer(admin, "Chatty")
    chat = direct_chat_id(me, peer)
    read, unread = 40, PAGE_SIZE + 20  # more unread than one page: it must read back
    base = int(time.time() * 1000) - (read + unread) * 1000
    ids = [new_push_id(base + i * 1000) for i in range(read + unread)]
    # Read up to just before the unread ones, then the history as an import would write it.
    admin.put(f"userChats/{me}/{chat}", {
        "readAt": base + (read - 1) * 1000,
        "unreadIds": {ids[i]: base + i * 1000 for i in range(read + unread)},
    })
    # Seeded without the trigger: it would add these ids again and prune to the newest
    # UNREAD_IDS_CAP only on some messages, racing with the entry seeded above.
    admin.put(f"messages/{chat}", {
        mid: {"sender": peer, "text": f"message {i}", "ts": base + i * 1000}
        for i, mid in enumerate(ids)
    }, triggers=False)
    chats = app.client.chats
    harness.until(lambda: (chats.row_for_uid(peer) or None)
                  and chats.row_for_uid(peer).unread == unread, 20, what="unread badge")
    first_unread = ids[read]
    assert app.client.first_unread(chat) == first_unread

    app.open_person(peer)
    session = app.client.current
    view = app.window.messenger.chat
    model = session.model
    harness.until(lambda: model.row_of(first_unread) >= 0, 20, what="read back to it")
    assert model.rowCount() >= unread + 1  # the newest page and the one before it
    row = model.row_of(first_unread)
    index = model.index(row)
    assert view.list.bubbles.headers(index)[1] == "Unread messages"
    assert all(not view.list.bubbles.headers(model.index(r))[1]
               for r in range(model.rowCount()) if r != row)
    # It is the top row on screen (its divider included), and the rest are below.
    harness.until(lambda: abs(view.list.visualRect(index).top()) <= 2, what="landed")
    harness.until(lambda: view.to_bottom.isVisible()
                  and view.to_bottom.count == view.rows_below() > 0, what="button shown")
    below = view.rows_below()
    assert below < unread
    harness.until(lambda: chats.row_for_uid(peer).unread == 0 or not app.window.isActiveWindow(),
                  what="marked read (when the window has the focus)")

    # A new message while reading: no jump; the count grows.
    admin.put(f"messages/{chat}/{new_push_id()}", {"sender": peer, "text": "one more",
                                                    "ts": {".sv": "timestamp"}})
    harness.until(lambda: view.to_bottom.count == below + 1, what="count grows")
    assert abs(view.list.visualRect(index).top()) <= 2

    # The button takes you to the newest message and goes away.
    QTest.mouseClick(view.to_bottom, Qt.MouseButton.LeftButton)
    harness.until(lambda: view.list.is_at_bottom() and not view.to_bottom.isVisible(),
                  what="at the newest")
    # Scrolling up brings it back; the divider stays until another chat is opened.
    bar = view.list.verticalScrollBar()
    bar.setValue(bar.maximum() - 600)
    harness.until(lambda: view.to_bottom.isVisible() and view.to_bottom.count > 0,
                  what="button back")
    assert view.list.bubbles.unread_from == first_unread

    # Without unread messages a chat opens at the newest message, without a divider.
    other = _peer(admin, "Quiet")
    harness.until(lambda: chats.row_for_uid(other) is not None, what="listed")
    admin.put(f"messages/{direct_chat_id(me, other)}", {
        new_push_id(base + i): {"sender": me, "text": f"mine {i}", "ts": base + i}
        for i in range(30)})
    app.open_person(other)
    harness.until(lambda: app.client.current.model.rowCount() == 30, what="opened")
    harness.until(lambda: view.list.is_at_bottom(), what="at the bottom")
    assert view.list.bubbles.unread_from == "" and not view.to_bottom.isVisible()


def test_more_unread_than_the_kept_ids_lands_on_the_true_first(harness: Harness,
                                                               suite) -> None:
    """The trigger keeps only the newest UNREAD_IDS_CAP unread ids; the read position still
    finds the first unread message, pages back."""
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("behind"), name="behind")
    app.window.resize(1000, 700)
    me = app.client.uid
    peer = _peer(admin, "Flood")
    chat = direct_chat_id(me, peer)
    read, unread = 10, UNREAD_IDS_CAP + 30
    base = int(time.time() * 1000) - (read + unread) * 1000
    ids = [new_push_id(base + i * 1000) for i in range(read + unread)]
    admin.put(f"userChats/{me}/{chat}", {
        "readAt": base + (read - 1) * 1000,
        "unreadIds": {ids[i]: base + i * 1000 for i in range(len(ids) - UNREAD_IDS_CAP,
                                                             len(ids))},
    })
    # Seeded without the trigger: it would add these ids again and prune to the newest
    # UNREAD_IDS_CAP only on some messages, racing with the entry seeded above.
    admin.put(f"messages/{chat}", {
        mid: {"sender": peer, "text": f"flood {i}", "ts": base + i * 1000}
        for i, mid in enumerate(ids)
    }, triggers=False)
    chats = app.client.chats
    harness.until(lambda: (chats.row_for_uid(peer) or None)
                  and chats.row_for_uid(peer).unread >= UNREAD_IDS_CAP - 1, 20, what="99+")
    guess = app.client.first_unread(chat)
    assert guess != ids[read]  # the ids alone no longer reach back to it
    app.open_person(peer)
    session = app.client.current
    view = app.window.messenger.chat
    harness.until(lambda: session.unread_from == ids[read] and not session.loading
                  and view.list.bubbles.unread_from == ids[read], 20, what="found it")
    index = session.model.index(session.model.row_of(ids[read]))
    assert view.list.bubbles.headers(index)[1] == "Unread messages"
    harness.until(lambda: abs(view.list.visualRect(index).top()) <= 2, what="landed")
