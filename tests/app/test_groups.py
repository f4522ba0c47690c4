"""Group chats in the app, between real clients on the real suite: the group's row, header,
bubbles with sender names, system lines, "read by N", the typing line with several typers,
and removal closing the chat.

The group is set up here as the `api` function sets one up (one admin multi-path update of
`chats/{groupId}`, the members' `userChats` entries and the system message); its messages go
through the real rules and the real group trigger. test_group_dialogs.py drives the dialogs
through the real API.
"""

from __future__ import annotations

import uuid
from typing import Any

from messenger_desktop.models.chat_list import Roles
from messenger_desktop.models.receipts import READ, SENT
from messenger_model.chats import new_group_id
from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin


def make_group(admin: Admin, name: str, owner: str, members: list[str]) -> str:
    """A group as POST /create_group writes it (one update)."""
    chat_id = new_group_id()
    now = {".sv": "timestamp"}
    roles = {owner: "owner", **dict.fromkeys(members, "member")}
    changes = {
        f"chats/{chat_id}": {"type": "group", "name": name, "createdAt": now,
                             "createdBy": owner, "members": roles,
                             "joinedAt": dict.fromkeys(roles, now)},
        f"messages/{chat_id}/-A{uuid.uuid4().hex[:18]}": {
            "sender": owner, "text": f"created the group {name}", "ts": now,
            "system": {"kind": "created", "actor": owner,
                       "users": dict.fromkeys(members, True), "name": name}},
    }
    for uid in roles:
        changes[f"userChats/{uid}/{chat_id}"] = {"group": {"name": name}, "readAt": now}
    admin.patch("", changes)
    return chat_id


def _peer(admin: Admin, name: str) -> str:
    # uids are [A-Za-z0-9-]: the display name may be anything
    uid = f"p{''.join(c for c in name if c.isascii() and c.isalnum())}-{uuid.uuid4().hex[:10]}"
    admin.put(f"users/{uid}", {"email": f"{uid}@example.com", "displayName": name,
                               "createdAt": 1})
    return uid


def _texts(app) -> list[str]:
    model = app.client.current.model
    return [model.message(r).text for r in range(model.rowCount())]


def _msg(app, text: str):
    model = app.client.current.model
    return next((model.message(r) for r in range(model.rowCount())
                 if model.message(r).text == text), None)


def _set_name(harness: Harness, app, name: str) -> None:
    harness.run(app.client.set_display_name(name))


def anna_and_boris(harness: Harness, suite) -> tuple[Admin, Any, Any]:
    """The admin and two signed-in apps named анна and борис: most group tests start so."""
    config = config_for(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    _set_name(harness, anna, "анна")
    _set_name(harness, boris, "борис")
    return Admin(suite), anna, boris


def test_a_group_in_the_list_header_bubbles_receipts_typing(harness: Harness, suite) -> None:
    admin, anna, boris = anna_and_boris(harness, suite)
    a, b = anna.client.uid, boris.client.uid
    vera, gleb = _peer(admin, "вера"), _peer(admin, "глеб")
    harness.until(lambda: anna.client.chats.row_for_uid(b) is not None
                  and anna.client.chats.row_for_uid(b).title == "борис", what="names known")
    harness.until(lambda: anna.client.chats.row_for_uid(gleb) is not None, what="глеб known")
    harness.until(lambda: boris.client.chats.row_for_uid(a) is not None
                  and boris.client.chats.row_for_uid(a).title == "анна", what="boris knows")

    shown: list[tuple[str, str, str]] = []
    anna.notifier.notify = lambda chat, title, text: shown.append((chat, title, text))
    group = make_group(admin, "Team", a, [b, vera, gleb])
    chats = anna.client.chats
    harness.until(lambda: chats.row_for_chat(group) is not None, what="the group's row")
    row = chats.row_for_chat(group)
    assert row.is_group and row.title == "Team" and row.uid == group
    assert chats.index_for_uid(group).data(Roles.IsGroup)

    # Boris writes in the group (rules: a member, as himself; the real trigger fans it out).
    harness.until(lambda: boris.client.chats.row_for_chat(group) is not None, what="b's row")
    boris.open_person(group)
    boris.client.current.send("привет всем")
    harness.until(lambda: chats.row_for_chat(group).unread == 1, what="anna's unread")
    idx = chats.index_for_uid(group)
    assert idx.data(Roles.Preview) == "борис: привет всем"  # the sender's name first
    assert anna.window.windowTitle().startswith("(1)")
    # Notified once, with the group's name and who said it (the creation line is not).
    harness.until(lambda: shown, what="notification")
    assert shown == [(group, "Team", "борис: привет всем")]

    # Anna opens it: name, member count, Members button, system line, named bubble.
    anna.open_person(group)
    view = anna.window.messenger.chat
    harness.until(lambda: _texts(anna)[-1:] == ["привет всем"], what="history")
    harness.until(lambda: view.subtitle.text() == "4 members", what="member count")
    assert view.title.text() == "Team"
    assert view.members_button.isVisibleTo(view)
    created = anna.client.current.model.message(0)
    assert created.system is not None and created.system.kind == "created"
    assert anna.client.live.system_text(created) == "анна created the group “Team”"
    bubbles = view.list.bubbles
    model = anna.client.current.model
    hi_row = model.row_of(_msg(anna, "привет всем").id)
    # Boris's bubble starts with his name: taller than the same text without one, and moved
    # right to leave room for his avatar.
    index = model.index(hi_row)
    rect = view.list.visualRect(index)
    named = bubbles.bubble_at(rect, index, view.list.font())
    text = bubbles.text_rect(rect, index, view.list.font())
    assert text.top() - named.top() > 20 and named.left() > 40
    # The system line is not a bubble: no selection editor, no menu.
    sys_index = model.index(0)
    assert bubbles.bubble_at(view.list.visualRect(sys_index), sys_index,
                             view.list.font()).isEmpty()
    assert view.message_menu(sys_index) is None
    view.list.viewport().grab()  # paints names, avatars, the system line

    # Read receipts in a group: "read by N", the names on hover.
    anna.client.current.send("кто прочитал?")
    harness.until(lambda: (_msg(anna, "кто прочитал?") or None)
                  and anna.client.live.mark(_msg(anna, "кто прочитал?")).state == SENT,
                  what="sent")
    mine = _msg(anna, "кто прочитал?")
    # Boris reads it: by hand, or by looking at it if his window is the active one.
    harness.until(lambda: boris.client.chats.row_for_chat(group).unread >= 1
                  or anna.client.live.mark(mine).readers == (b,), what="b unread or read")
    harness.run(boris.client.mark_read(group))
    harness.until(lambda: anna.client.live.mark(mine).readers == (b,), what="read by boris")
    assert bubbles._meta(mine).startswith("read by 1 · ")
    admin.put(f"receipts/{group}/{vera}", {".sv": "timestamp"})
    harness.until(lambda: len(anna.client.live.mark(mine).readers) == 2, what="read by 2")
    assert anna.client.live.mark(mine).state == READ
    assert bubbles._meta(mine).startswith("read by 2 · ")
    from messenger_desktop.views.bubble_marks import readers_tooltip
    assert readers_tooltip(anna.client.live.mark(mine), anna.client.live) in (
        "Read by: борис, вера", "Read by: вера, борис")

    # Typing: one, two, three people.
    QTest.keyClicks(boris.window.messenger.chat.input, "p")
    harness.until(lambda: view.typing_text == "борис is typing…", 5, "one typer")
    admin.put(f"typing/{group}/{vera}", {".sv": "timestamp"})
    harness.until(lambda: view.typing_text in ("борис and вера are typing…",
                                               "вера and борис are typing…"), 5, "two")
    admin.put(f"typing/{group}/{gleb}", {".sv": "timestamp"})
    harness.until(lambda: view.typing_text == "3 people are typing…", 5, "three")
    assert view.subtitle.text() == "3 people are typing…"
    boris.window.messenger.chat.input.clear()
    boris.close_chat()  # leaving the chat deletes his entry
    harness.until(lambda: "борис" not in view.typing_text and view.typing_text, 5, "two left")
    # The crashed-client entries die by themselves; then the member count is back.
    harness.until(lambda: view.typing_text == "", 9, "stale ones gone")
    assert view.subtitle.text() == "4 members"

    # Anna is removed (as POST /remove_member does it): the row goes, the chat closes.
    admin.patch("", {f"chats/{group}/members/{a}": None, f"chats/{group}/joinedAt/{a}": None,
                     f"userChats/{a}/{group}": None, f"receipts/{group}/{a}": None})
    harness.until(lambda: chats.row_for_chat(group) is None, what="row gone")
    harness.until(lambda: anna.client.current is None, what="chat closed")
    assert anna.window.messenger.right.currentWidget() is anna.window.messenger.placeholder


def test_hover_shows_readers_as_plain_text(harness: Harness, suite) -> None:
    config = config_for(suite)
    admin = Admin(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    evil = _peer(admin, "<b>bold</b>")
    harness.until(lambda: anna.client.chats.row_for_uid(evil) is not None, what="listed")
    group = make_group(admin, "<i>x</i>", anna.client.uid, [evil])
    harness.until(lambda: anna.client.chats.row_for_chat(group) is not None, what="row")
    assert anna.client.chats.row_for_chat(group).title == "<i>x</i>"
    anna.open_person(group)
    anna.client.current.send("hi")
    harness.until(lambda: (_msg(anna, "hi") or None) and not _msg(anna, "hi").pending,
                  what="sent")
    admin.put(f"receipts/{group}/{evil}", {".sv": "timestamp"})
    harness.until(lambda: anna.client.live.mark(_msg(anna, "hi")).state == READ, what="read")
    view = anna.window.messenger.chat
    assert view.title.text() == "<i>x</i>"
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    index = anna.client.current.model.index(anna.client.current.model.row_of(
        _msg(anna, "hi").id))
    bubble = view.list.bubbles.bubble_at(view.list.visualRect(index), index, view.list.font())
    pos = QPoint(bubble.center())
    QApplication.sendEvent(view.list.viewport(), QHelpEvent(
        QEvent.Type.ToolTip, pos, view.list.viewport().mapToGlobal(pos)))
    harness.until(QToolTip.isVisible, 3, "tooltip")
    assert "&lt;b&gt;bold&lt;/b&gt;" in QToolTip.text()


def test_group_receipt_and_typing_texts_in_russian(qapp) -> None:
    from messenger_desktop import i18n
    from messenger_desktop.models.group import SystemEvent, member_count, system_text
    from messenger_desktop.models.presence import Status, describe
    from messenger_desktop.models.receipts import Mark
    from messenger_desktop.models.typing import typing_line
    from messenger_desktop.views.bubble_marks import mark_text

    names = {"a": "анна", "b": "борис", "c": "вера"}.__getitem__
    try:
        i18n.install("ru")
        assert typing_line(["анна"]) == "анна печатает…"
        assert typing_line(["анна", "борис"]) == "анна и борис печатают…"
        assert typing_line(["a", "b", "c"]) == "3 человека печатают…"
        assert typing_line(list("abcdefgh")) == "8 человек печатают…"
        assert [member_count(n) for n in (1, 2, 5, 21)] == [
            "1 участник", "2 участника", "5 участников", "21 участник"]
        assert mark_text(Mark("read", ("b", "c")), True) == "прочитали: 2"
        assert mark_text(Mark("read", ("b",)), False) == ""  # one-to-one: only ✓✓
        added = SystemEvent("added", "a", ("b", "c"))
        assert system_text(added, names) == "анна добавляет: борис и вера"
        assert system_text(SystemEvent("left", "b", ("b",)), names) == "борис покидает группу"
        assert system_text(SystemEvent("role", "a", ("b",), role="admin"), names) == \
            "анна назначает администратора: борис"
        # Plural forms survive a refresh of the translations (models/plurals.py says why).
        now = 10**13
        assert describe(Status(False, now - 3 * 60_000), now) == "был(а) 3 минуты назад"
        assert describe(Status(False, now - 21 * 60_000), now) == "был(а) 21 минуту назад"
        assert describe(Status(False, now - 5 * 3_600_000), now) == "был(а) 5 часов назад"
    finally:
        i18n.install("en")
    assert typing_line(["a", "b", "c"]) == "3 people are typing…"
    assert system_text(SystemEvent("added", "a", ("b", "c")), names) == "анна added борис and вера"
    assert system_text(SystemEvent("renamed", "a", (), "Team"), names) == \
        "анна renamed the group to “Team”"
    assert system_text(SystemEvent("owner", "a", ("c",)), names) == "вера is now the owner"
    assert system_text(SystemEvent("role", "a", ("b",), role="admin"), names) == \
        "анна made борис an admin"
    assert system_text(SystemEvent("role", "a", ("b",), role="member"), names) == \
        "анна removed борис from admins"
    assert system_text(SystemEvent("unknown-kind", "a", ()), names, "fallback") == "fallback"


def test_the_chat_list_shows_a_group_event_in_words_and_names(harness: Harness, suite) -> None:
    """The newest message of a group is an event: its row says it with display names, in the
    language in use, not the API's English fallback text (the preview carries `system`)."""
    from messenger_desktop import i18n

    config = config_for(suite)
    admin = Admin(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    _set_name(harness, anna, "анна")
    vera = _peer(admin, "вера")
    harness.until(lambda: anna.client.chats.row_for_uid(vera) is not None, what="вера known")
    group = make_group(admin, "Team", anna.client.uid, [vera])
    chats = anna.client.chats
    harness.until(lambda: chats.row_for_chat(group) is not None
                  and chats.row_for_chat(group).preview_system is not None, what="the event")
    index = chats.index_for_uid(group)
    assert index.data(Roles.Preview) == "анна created the group “Team”"
    assert index.data(Roles.PreviewSystem) and not index.data(Roles.PreviewOwn)
    # someone else's event, naming people by today's names
    admin.patch("", {f"messages/{group}/-B{uuid.uuid4().hex[:18]}": {
        "sender": vera, "text": "x renamed the group to Crew", "ts": {".sv": "timestamp"},
        "system": {"kind": "renamed", "actor": vera, "name": "Crew"}}})
    harness.until(lambda: "Crew" in str(chats.index_for_uid(group).data(Roles.Preview)),
                  what="the rename's preview")
    assert chats.index_for_uid(group).data(Roles.Preview) == "вера renamed the group to “Crew”"
    try:
        i18n.install("ru")
        assert chats.index_for_uid(group).data(Roles.Preview) == \
            "вера переименовывает группу в «Crew»"
    finally:
        i18n.install("en")
    anna.window.messenger.sidebar.list.viewport().grab()  # paints the italic line


def test_a_removed_member_s_open_chat_closes_on_the_streams_cancel(harness: Harness,
                                                                   suite) -> None:
    """The open group's messages stream ends with `cancel` when I stop being a member: the
    chat closes and says why, even while my chat-list entry is still there; and through
    the real API's removal (entry and membership in one update) it says the same."""
    config = config_for(suite)
    admin = Admin(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    a, b = anna.client.uid, boris.client.uid
    page = anna.window.messenger
    gone = "You are no longer a member of this group"

    # 1. Only the membership goes (the entry stays): nothing but the cancel can tell.
    first = make_group(admin, "One", b, [a])
    harness.until(lambda: anna.client.chats.row_for_chat(first) is not None, what="row")
    anna.open_person(first)
    harness.until(lambda: anna.client.current is not None
                  and anna.client.current.model.rowCount() > 0, what="chat open")
    admin.patch("", {f"chats/{first}/members/{a}": None, f"chats/{first}/joinedAt/{a}": None})
    harness.until(lambda: anna.client.current is None, 10, "closed by the cancel")
    assert page.right.currentWidget() is page.placeholder and page.placeholder.text() == gone
    assert anna.client.chats.row_for_chat(first) is not None  # the entry was not touched

    # 2. The real API's removal while the chat is open.
    second = harness.run(boris.groups.api.create_group("Two", [a]))
    harness.until(lambda: anna.client.chats.row_for_chat(second) is not None, what="row 2")
    anna.open_person(second)
    assert page.right.currentWidget() is page.chat
    harness.until(lambda: anna.client.current.model.rowCount() > 0, what="chat 2 open")
    harness.run(boris.groups.api.remove_member(second, a))
    harness.until(lambda: anna.client.current is None, 10, "closed by the removal")
    harness.until(lambda: anna.client.chats.row_for_chat(second) is None, what="row 2 gone")
    assert page.right.currentWidget() is page.placeholder and page.placeholder.text() == gone
    # the next time no chat is open, the usual text is back
    harness.until(lambda: anna.client.chats.row_for_uid(b) is not None, what="boris listed")
    anna.open_person(b)
    anna.close_chat()
    assert page.placeholder.text() == "Choose a person on the left to start chatting."


def test_a_click_on_read_by_lists_the_readers_and_when(harness: Harness, suite) -> None:
    """"read by N" opens a popup on a click too (not only on hover): the readers' names, and
    the time each read it when the app saw that receipt written (a receipt found already
    moved, in the first snapshot, says only that it was read)."""
    from messenger_desktop.views.bubble_delegate import PAD_X, PAD_Y
    from messenger_desktop.views.text import clock_time
    from PySide6.QtCore import Qt

    admin, anna, boris = anna_and_boris(harness, suite)
    a, b = anna.client.uid, boris.client.uid
    vera = _peer(admin, "вера")
    harness.until(lambda: anna.client.chats.row_for_uid(b) is not None
                  and anna.client.chats.row_for_uid(b).title == "борис", what="names")
    harness.until(lambda: anna.client.chats.row_for_uid(vera) is not None, what="вера")
    group = make_group(admin, "Team", a, [b, vera])
    harness.until(lambda: anna.client.chats.row_for_chat(group) is not None, what="row")
    anna.open_person(group)
    anna.client.current.send("кто прочитал?")
    harness.until(lambda: (_msg(anna, "кто прочитал?") or None)
                  and anna.client.live.mark(_msg(anna, "кто прочитал?")).state == SENT,
                  what="sent")
    # вера had read it before anna's app looked: anna reopens the chat after вера's receipt
    admin.put(f"receipts/{group}/{vera}", {".sv": "timestamp"})
    anna.close_chat()
    anna.open_person(group)
    harness.until(lambda: (_msg(anna, "кто прочитал?") or None) and len(
        anna.client.live.mark(_msg(anna, "кто прочитал?")).readers) == 1, what="read by вера")
    # борис reads it while anna watches: that mark-read's time is when he read it
    harness.until(lambda: boris.client.chats.row_for_chat(group) is not None, what="b's row")
    harness.run(boris.client.mark_read(group))
    mine = _msg(anna, "кто прочитал?")
    harness.until(lambda: len(anna.client.live.mark(mine).readers) == 2, what="read by 2")
    boris_at = admin.get(f"receipts/{group}/{b}")

    view = anna.window.messenger.chat
    model = anna.client.current.model
    index = model.index(model.row_of(mine.id))
    view.list.scrollTo(index)
    bubble = view.list.bubbles.bubble_at(view.list.visualRect(index), index, view.list.font())
    QTest.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(
        bubble.right() - PAD_X - 40, bubble.bottom() - PAD_Y - 6))
    popup = view.message_actions.readers_popup
    harness.until(lambda: popup is not None and popup.isVisible(), 3, "the popup")
    assert popup.texts() == [f"борис · read {clock_time(boris_at)}", "вера"]
    popup.close()
    # a click on the text of the bubble is no "read by" click
    view.message_actions.readers_popup = None
    QTest.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(bubble.left() + PAD_X + 4, bubble.top() + PAD_Y + 6))
    assert view.message_actions.readers_popup is None
