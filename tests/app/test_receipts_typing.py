"""Read receipts, the "Send read receipts" switch and typing indicators, between real clients
on the real suite (real rules: receipts/{chat}/{uid}, typing/{chat}/{uid}, privacy/{uid}).

Marks are read from the open chat's ChatLive, which is what the bubble delegate paints from;
the typing line from the chat header, where it is shown.
"""

from __future__ import annotations

import time

from messenger_desktop.models.receipts import PENDING, READ, SENT
from messenger_desktop.typing_writer import TYPING_IDLE_S
from messenger_model.chats import direct_chat_id
from messenger_model.limits import TYPING_FRESH_MS
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _settle


def _pair(harness: Harness, suite):
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a, b = alice.client.uid, bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None, what="bob listed")
    harness.until(lambda: bob.client.chats.row_for_uid(a) is not None, what="alice listed")
    return alice, bob


def _mine(app, text: str):
    model = app.client.current.model
    for r in range(model.rowCount()):
        msg = model.message(r)
        if msg.text == text:
            return msg
    return None


def _mark(app, text: str):
    msg = _mine(app, text)
    return app.client.live.mark(msg) if msg is not None else None


def _read_now(harness: Harness, app, chat_id: str) -> None:
    """`app` reads the chat (its unread badge counted it first), as opening it does. (If its
    window is the active one, looking at the open chat has read it already.)"""
    harness.until(lambda: (app.client.chats.row_for_chat(chat_id) or None)
                  and (app.client.chats.row_for_chat(chat_id).unread > 0
                       or app._chat_in_view(chat_id)), what="unread counted")
    harness.run(app.client.mark_read(chat_id))


def test_ticks_follow_the_other_persons_receipt(harness: Harness, suite) -> None:
    alice, bob = _pair(harness, suite)
    a, b = alice.client.uid, bob.client.uid
    chat = direct_chat_id(a, b)
    alice.open_person(b)
    bob.open_person(a)
    admin = Admin(suite)

    # Sent: pending (a clock) until the server has it.
    alice.client.current.send("one")
    assert _mark(alice, "one").state == PENDING
    harness.until(lambda: _mark(alice, "one").state == SENT, what="✓ once on the server")
    assert _mark(alice, "one").readers == ()
    # Bob reads: one multi-path PATCH moves his receipt; alice's tick becomes ✓✓.
    _read_now(harness, bob, chat)
    harness.until(lambda: _mark(alice, "one").state == READ, what="✓✓ after bob read")
    assert _mark(alice, "one").readers == (b,)
    assert admin.get(f"receipts/{chat}/{b}") >= _mine(alice, "one").ts
    # A newer message is not covered by the old receipt.
    alice.client.current.send("two")
    harness.until(lambda: (_mark(alice, "two") or None) and _mark(alice, "two").state == SENT,
                  what="two sent")
    assert _mark(alice, "one").state == READ
    # Bob's own messages carry no ✓✓ from his own receipt (only the other's counts).
    bob.client.current.send("from bob")
    harness.until(lambda: (_mark(bob, "from bob") or None)
                  and _mark(bob, "from bob").state == SENT, what="bob's sent")
    # The list paints the marks without error in both themes.
    for theme in ("light", "dark"):
        alice.set_theme(theme)
        alice.window.messenger.chat.list.viewport().grab()


def test_read_receipts_off_sends_none_and_shows_none(harness: Harness, suite) -> None:
    alice, bob = _pair(harness, suite)
    a, b = alice.client.uid, bob.client.uid
    chat = direct_chat_id(a, b)
    admin = Admin(suite)
    alice.open_person(b)
    bob.open_person(a)
    alice.client.current.send("before")
    _read_now(harness, bob, chat)
    harness.until(lambda: (_mark(alice, "before") or None)
                  and _mark(alice, "before").state == READ, what="read before")

    # Bob switches receipts off in his profile dialog.
    bob.open_profile()
    dialog = bob.profile_dialog
    assert dialog is not None and dialog.read_receipts.isChecked()
    dialog.read_receipts.setChecked(False)
    dialog.buttons.accepted.emit()
    harness.until(lambda: bob.profile_dialog is None, what="dialog closed")
    assert admin.get(f"privacy/{b}") == {"readReceipts": False}
    assert not bob.client.read_receipts
    # His receipts are gone (from every chat he is in): alice sees no read state from him.
    harness.until(lambda: admin.get(f"receipts/{chat}/{b}") is None, what="receipt deleted")
    harness.until(lambda: _mark(alice, "before").state == SENT, what="back to ✓")

    # He reads a new message: no receipt is written, alice's stays ✓.
    alice.client.current.send("after")
    _read_now(harness, bob, chat)
    harness.until(lambda: bob.client.chats.row_for_chat(chat).unread == 0, what="bob read")
    assert admin.get(f"receipts/{chat}/{b}") is None
    # And he is shown none: alice reads his message (her receipts are on), he keeps ✓.
    bob.client.current.send("bob's")
    _read_now(harness, alice, chat)
    harness.until(lambda: isinstance(admin.get(f"receipts/{chat}/{a}"), int), what="a's receipt")
    harness.until(lambda: bob.client.live.book.receipts.get(a) is not None, what="streamed")
    assert _mark(bob, "bob's").state == SENT
    assert alice.client.live.mark(_mine(alice, "after")).state == SENT
    # The rules refuse his receipt while the switch is off (another client of his, say).
    harness.run(_refused(bob, f"receipts/{chat}/{b}"))

    # Back on: the next mark-read writes it again, and he sees alice's.
    bob.open_profile()
    bob.profile_dialog.read_receipts.setChecked(True)
    bob.profile_dialog.buttons.accepted.emit()
    harness.until(lambda: bob.client.read_receipts, what="on again")
    harness.until(lambda: _mark(bob, "bob's").state == READ, what="bob sees alice's ✓✓")
    alice.client.current.send("again")
    _read_now(harness, bob, chat)
    harness.until(lambda: _mark(alice, "again").state == READ, what="receipt again")


def _typing(app) -> str:
    return app.window.messenger.chat.typing_text


def test_typing_line_appears_goes_on_send_and_after_a_pause(harness: Harness, suite) -> None:
    alice, bob = _pair(harness, suite)
    a, b = alice.client.uid, bob.client.uid
    chat = direct_chat_id(a, b)
    alice.open_person(b)
    bob.open_person(a)
    view = bob.window.messenger.chat
    header = alice.window.messenger.chat
    harness.until(lambda: alice.client.live is not None and header.subtitle.text(), what="open")
    bob_name = alice.client.name_of(b)
    assert bob_name and _typing(alice) == ""

    # First keystroke: bob's writer puts at once (not after a pause) and alice's header says
    # so. How fast is bench.client_typing's figure (target 300 ms); a loaded machine is slow.
    writer = bob.client.live.writer
    QTest.keyClicks(view.input, "h")
    assert [op for op, _ in writer.writes] == ["put"]
    harness.until(lambda: _typing(alice) == f"{bob_name} is typing…", 10, "typing shown")
    assert header.subtitle.text() == _typing(alice)
    # Nothing runs while it shows but one single-shot expiry, due when the entry goes stale
    # (both read in alice's clock at the same moment, so load does not move it).
    watch = alice.client.live.typing
    assert watch.timer_active and watch._timer.isSingleShot()
    due = watch._entries[b] + TYPING_FRESH_MS - watch.clock.now_ms()
    assert abs(watch._timer.remainingTime() - due) < 500, (watch._timer.remainingTime(), due)

    # Sending: bob's writer deletes the entry at once (not after its idle wait), and alice's
    # line goes (the delete, or the message arriving), not by the entry going stale.
    QTest.keyClicks(view.input, "ello")
    QTest.keyClick(view.input, Qt.Key.Key_Return)
    assert [op for op, _ in writer.writes][-1] == "delete"
    assert not writer._idle.isActive()
    harness.until(lambda: _typing(alice) == "", 10, "typing gone after send")
    assert b not in watch._entries, "it only went stale"  # staleness keeps the entry
    harness.until(lambda: Admin(suite).get(f"typing/{chat}/{b}") is None, what="entry deleted")
    assert header.subtitle.text() != "" and "typing" not in header.subtitle.text()

    # A pause: the writer deletes after 4 s without a keystroke (never before: a coarse timer
    # fires at most 5 % early), and that delete, not staleness, takes alice's line away.
    # The writer reads the put's time before it starts the idle timer, so the gap is timed
    # from no later than Qt's own start; 2 ms allow for Qt's whole-millisecond deadlines
    # (200 coarse 4 s timers here, each timed from just before its start: earliest 3.7996 s).
    # (A CI run once failed at 3.799993 s, when the put was stamped after the timer started.)
    last_key = time.monotonic()
    QTest.keyClicks(view.input, "x")
    harness.until(lambda: _typing(alice) != "", 10, "typing again")
    harness.until(lambda: _typing(alice) == "", 10, "typing gone after a pause")
    assert b not in watch._entries, "it only went stale"  # staleness keeps the entry
    ops = writer.writes[-2:]
    assert [op for op, _ in ops] == ["put", "delete"], writer.writes
    assert ops[1][1] - ops[0][1] >= TYPING_IDLE_S * 0.95 - 0.002, ops
    assert time.monotonic() - last_key >= TYPING_IDLE_S * 0.95


def test_typing_writes_at_most_every_3_s_and_stale_entries_die(harness: Harness, suite) -> None:
    alice, bob = _pair(harness, suite)
    a, b = alice.client.uid, bob.client.uid
    chat = direct_chat_id(a, b)
    alice.open_person(b)
    bob.open_person(a)
    view = bob.window.messenger.chat
    harness.until(lambda: alice.client.live is not None, what="open")

    # 7 s of steady typing: puts at 0, 3 and 6 s, the line never drops.
    writer = bob.client.live.writer
    end = time.monotonic() + 7.0
    dropped = False
    while time.monotonic() < end:
        QTest.keyClicks(view.input, "a")
        _settle(harness, 0.2)
        if writer.writes and time.monotonic() - writer.writes[0][1] > 1.0:
            dropped = dropped or _typing(alice) == ""
    puts = [t for op, t in writer.writes if op == "put"]
    assert len(puts) == 3, writer.writes
    assert all(later - earlier >= 3.0 for earlier, later in zip(puts, puts[1:], strict=False))
    assert not dropped

    # Leaving the chat deletes the entry.
    bob.close_chat()
    harness.until(lambda: _typing(alice) == "", 3, "gone when bob leaves the chat")

    # A crashed client's entry (never deleted) dies by itself after 6 s.
    # (Timed from before the write, so a slow stream cannot shorten what is measured.)
    admin = Admin(suite)
    written = time.monotonic()
    admin.put(f"typing/{chat}/{b}", {".sv": "timestamp"})
    harness.until(lambda: _typing(alice) != "", 5, "stale entry shown")
    harness.until(lambda: _typing(alice) == "", 12, "stale entry gone")
    assert 5.0 < time.monotonic() - written < 10.0
    assert admin.get(f"typing/{chat}/{b}") is not None  # still there: the reader ignored it

    # The rules: nobody writes another person's typing state, or in a chat not theirs.
    harness.run(_refused(alice, f"typing/{chat}/{b}"))
    harness.run(_refused(alice, f"typing/{direct_chat_id(b, 'zzz-stranger')}/{a}"))


async def _refused(app, path: str) -> None:
    from messenger_desktop.errors import PermissionDenied

    try:
        await app.client.db.put(path, {".sv": "timestamp"})
    except PermissionDenied:
        return
    raise AssertionError(f"{path} was accepted")


class _TimerCount(QObject):
    """Counts the timer events that reach one app's window or its open chat's live state
    (their widgets, timers and helpers), through an event filter on the application."""

    def __init__(self, roots: list[QObject]) -> None:
        super().__init__()
        self.roots = roots
        self.count = 0

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Timer:
            node = obj
            while node is not None:
                if any(node is root for root in self.roots):
                    self.count += 1
                    break
                node = node.parent()
        return False


def _timer_events(harness: Harness, app, seconds: float) -> int:
    counter = _TimerCount([app.window, app.client.live])
    qapp = QCoreApplication.instance()
    qapp.installEventFilter(counter)
    try:
        _settle(harness, seconds)
    finally:
        qapp.removeEventFilter(counter)
    return counter.count


def test_a_showing_typing_line_runs_no_timers(harness: Harness, suite) -> None:
    """No animation: with the line up, Alice's window and chat get no more timer events than
    without it (a 60 fps animation would add ~120 in 2 s)."""
    alice, bob = _pair(harness, suite)
    a, b = alice.client.uid, bob.client.uid
    chat = direct_chat_id(a, b)
    alice.open_person(b)
    harness.until(lambda: alice.client.live is not None, what="open")
    _settle(harness, 1.0)
    quiet = _timer_events(harness, alice, 2.0)
    Admin(suite).put(f"typing/{chat}/{b}", {".sv": "timestamp"})  # shows for 6 s
    harness.until(lambda: _typing(alice) != "", 3, "shown")
    showing = _timer_events(harness, alice, 2.0)
    assert _typing(alice) != ""  # still up while it was measured
    assert showing <= quiet + 5, (quiet, showing)
