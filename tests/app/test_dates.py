"""Dates in a chat: a separator above each day's first message (Today, Yesterday, a weekday,
a full date with the year when it is not this year), the full date and time on hover, all in
the UI's language."""

from __future__ import annotations

import time

from messenger_desktop import i18n
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.views.bubble_delegate import HEADER_H
from messenger_desktop.views.text import day_label, full_time, list_time
from PySide6.QtCore import QEvent, QPoint
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def _noon(year: int, month: int, day: int) -> float:
    return time.mktime((year, month, day, 12, 0, 0, 0, 0, -1))


def test_day_labels_in_both_languages(qapp) -> None:
    now = _noon(2026, 11, 29)  # a Sunday
    days = [now, now - 86400, _noon(2026, 11, 26), _noon(2026, 11, 9), _noon(2025, 11, 29)]
    try:
        i18n.install("en")
        assert [day_label(t * 1000, now) for t in days] == [
            "Today", "Yesterday", "Thursday", "9 November", "29 November 2025"]
        assert full_time(_noon(2025, 11, 29) * 1000) == "Saturday, 29 November 2025, 12:00"
        # The list: last year's message is not "29 Nov", which would read as this year's.
        assert list_time(_noon(2025, 11, 29) * 1000, now) == "11/29/25"
        i18n.install("ru")
        assert [day_label(t * 1000, now) for t in days] == [
            "Сегодня", "Вчера", "Четверг", "9 ноября", "29 ноября 2025"]
        assert full_time(_noon(2025, 11, 29) * 1000) == "Суббота, 29 ноября 2025, 12:00"
        assert list_time(_noon(2025, 11, 29) * 1000, now) == "29.11.2025"
    finally:
        i18n.install("en")


def test_separators_and_hover_in_a_real_chat(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("dates"), name="dates")
    me = app.client.uid
    peer = _peer(admin, "Dated")
    chat = direct_chat_id(me, peer)
    now = time.time()
    today = time.localtime(now)
    midnight = time.mktime((today.tm_year, today.tm_mon, today.tm_mday, 0, 0, 0, 0, 0, -1))
    last_year = time.mktime((today.tm_year - 1, today.tm_mon, min(today.tm_mday, 28), 9, 30,
                             0, 0, 0, -1))
    stamps = {  # push-id-like keys in time order; ts written by the admin (the past)
        "-a1": last_year, "-a2": last_year + 60, "-b1": midnight - 12 * 3600,
        "-c1": midnight + 1, "-c2": midnight + 361,
    }
    # "-c2" comes 6 minutes after "-c1", so it is never grouped with it (one sender within
    # 5 minutes shares one name), whatever the time the test runs at: at now - 1 it was
    # grouped in the first minutes after midnight, and its row was shorter.
    # Read up to now (all of these are older): no "Unread messages" divider in the way.
    admin.put(f"userChats/{me}/{chat}", {"readAt": {".sv": "timestamp"}})
    admin.put(f"messages/{chat}", {k: {"sender": peer, "text": f"at {k}", "ts": int(t * 1000)}
                                   for k, t in stamps.items()})
    harness.until(lambda: app.client.chats.row_for_uid(peer) is not None, what="listed")
    app.open_person(peer)
    model = app.client.current.model
    harness.until(lambda: model.rowCount() == 5, what="history")
    view = app.window.messenger.chat.list
    app.window.resize(1000, 900)
    harness.until(lambda: view.isVisible(), what="list shown")
    heads = [view.bubbles.headers(model.index(r))[0] for r in range(5)]
    full_last_year = time.strftime("%Y", time.localtime(last_year))
    assert heads[0].endswith(full_last_year) and heads[0] != "Today"
    assert heads[1:] == ["", "Yesterday", "Today", ""]
    # The separators take room in the layout: a row with one is HEADER_H taller.
    h = [view.visualRect(model.index(r)).height() for r in range(5)]
    assert h[0] - h[1] == HEADER_H and h[3] - h[4] == HEADER_H

    # Hovering a bubble: its full date and time; hovering beside it: nothing.
    view.scrollToTop()
    index = model.index(0)
    bubble = view.bubbles.bubble_at(view.visualRect(index), index, view.font())
    QToolTip.hideText()
    for pos, expected in ((bubble.center(), full_time(last_year * 1000)),
                          (QPoint(view.viewport().width() - 5, bubble.center().y()), "")):
        event = QHelpEvent(QEvent.Type.ToolTip, pos, view.viewport().mapToGlobal(pos))
        QApplication.sendEvent(view.viewport(), event)
        harness.until(lambda e=expected: (QToolTip.text() if QToolTip.isVisible() else "") == e,
                      3, f"tooltip {expected!r}")
    assert full_last_year in full_time(last_year * 1000)
