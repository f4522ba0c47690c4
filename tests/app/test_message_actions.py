"""Message actions in the real client against the real suite and its rules: edit (Up, Esc,
live at the other side, the preview), reply (the quote, scrolling to an original several pages
back, a deleted original), forward to several chats, reactions (counts, who, toggling),
delete for me on two devices of one account."""

from __future__ import annotations

from messenger_desktop.chat_actions import Quoted
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.models.message_extras import Forwarded
from messenger_desktop.models.messages import Message
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def _pair(harness: Harness, suite):
    config = config_for(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    harness.until(lambda: anna.client.chats.row_for_uid(boris.client.uid) is not None)
    harness.until(lambda: boris.client.chats.row_for_uid(anna.client.uid) is not None)
    return anna, boris


def _texts(app) -> list[str]:
    model = app.client.current.model
    return [model.message(r).text for r in range(model.rowCount())]


def _bubble_point(view, row: int, where: str) -> QPoint:
    """A point inside a part of the bubble of `row` (view coordinates of the list)."""
    lst = view.list
    index = lst.model().index(row, 0)
    lst.scrollTo(index)
    rect = lst.visualRect(index)
    bubbles = lst.bubbles
    text = bubbles.text_rect(rect, index, lst.font())
    if where == "quote":
        return QPoint(text.left() + 20, text.top() - 20)
    if where == "chip":
        bubble = bubbles.bubble_at(rect, index, lst.font())
        parts = bubbles.parts_at(rect, index, lst.font())
        [(_chip, chip_rect)] = bubbles.parts.chip_rects(parts, bubble.left() + 12, text.top())
        return chip_rect.center()
    raise ValueError(where)


def test_edit_my_last_message_live_everywhere(harness: Harness, suite) -> None:
    anna, boris = _pair(harness, suite)
    a_uid, b_uid = anna.client.uid, boris.client.uid
    anna.open_person(b_uid)
    view = anna.window.messenger.chat
    anna.client.current.send("the frist draft")
    harness.until(lambda: not anna.client.current.model.message(0).pending, what="sent")
    boris.open_person(a_uid)
    harness.until(lambda: _texts(boris) == ["the frist draft"], what="at boris")

    # Up in an empty composer: my last message is in it, the bar says so, Esc cancels
    # (the window's Esc would have closed the chat).
    view.input.setFocus()
    QTest.keyClick(view.input, Qt.Key.Key_Up)
    assert view.input.toPlainText() == "the frist draft"
    assert view.message_actions.bar.isVisible() and view.send_button.text() == "Save"
    QTest.keyClick(view.input, Qt.Key.Key_Escape)
    assert not view.message_actions.bar.isVisible() and view.input.toPlainText() == ""
    assert anna.client.current is not None

    # Up again, fix it, Enter: saved with editedAt, shown as edited on both sides.
    view.input.setPlainText("half-typed")  # not empty: Up moves the cursor, nothing else
    QTest.keyClick(view.input, Qt.Key.Key_Up)
    assert not view.message_actions.editing()
    view.input.clear()
    QTest.keyClick(view.input, Qt.Key.Key_Up)
    view.input.setPlainText("the first draft")
    QTest.keyClick(view.input, Qt.Key.Key_Return)
    chat = direct_chat_id(a_uid, b_uid)
    admin = Admin(suite)
    mid = anna.client.current.model.message(0).id
    harness.until(lambda: (admin.get(f"messages/{chat}/{mid}") or {}).get("text")
                  == "the first draft", what="stored")
    stored = admin.get(f"messages/{chat}/{mid}")
    assert stored["editedAt"] >= stored["ts"] and stored["sender"] == a_uid
    harness.until(lambda: _texts(boris) == ["the first draft"], what="live at boris")
    edited = boris.client.current.model.message(0)
    assert edited.edited_at == stored["editedAt"]
    assert boris.window.messenger.chat.list.bubbles._meta(edited).startswith("edited ")
    assert view.input.toPlainText() == "" and view.send_button.text() == "Send"
    # A refused edit (here: of a message the server does not have) loses nothing typed: the
    # composer is back in editing with the new text, and says why.
    ghost = Message("-ghost0000000000000", a_uid, "old words", stored["ts"] + 1)
    anna.client.current.values.remember(ghost.id, {"sender": a_uid, "text": "old words",
                                                   "ts": ghost.ts})
    anna.client.current.model.upsert(ghost)
    view.message_actions.start_edit(ghost)
    view.input.setPlainText("new words")
    QTest.keyClick(view.input, Qt.Key.Key_Return)
    harness.until(lambda: view.message_actions.editing()
                  and view.input.toPlainText() == "new words", what="back to editing")
    assert view.notice.isVisible() and "Could not edit" in view.notice.text()
    assert admin.get(f"messages/{chat}/{ghost.id}") is None
    QTest.keyClick(view.input, Qt.Key.Key_Escape)
    assert view.input.toPlainText() == ""
    # The chat list's preview follows (the trigger rewrites the preview of an edited message).
    harness.until(lambda: boris.client.chats.row_for_uid(a_uid).preview == "the first draft",
                  what="the preview")


def test_reply_quotes_and_scrolls_to_an_original_pages_back(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("replier"), name="replier")
    me = app.client.uid
    peer = _peer(admin, "Quoted")
    chat = direct_chat_id(me, peer)
    history = {f"-r{i:04d}": {"sender": peer, "text": f"old {i}", "ts": 1_000 + i}
               for i in range(130)}
    history["-r9999"] = {"sender": peer, "text": "about the first one", "ts": 9_000,
                         "replyTo": "-r0000"}
    admin.put(f"userChats/{me}/{chat}", {"readAt": {".sv": "timestamp"}})
    admin.put(f"messages/{chat}", history, triggers=False)
    harness.until(lambda: app.client.chats.row_for_uid(peer) is not None, what="listed")
    app.open_person(peer)
    session = app.client.current
    harness.until(lambda: session.model.get("-r9999") is not None and session.synced)
    assert session.model.get("-r0000") is None  # three pages back
    # The quote reads its original by itself and shows it.
    harness.until(lambda: isinstance(session.actions.quoted("-r0000"), type(
        session.model.get("-r9999"))), what="the original read for the quote")
    assert session.actions.quoted("-r0000").text == "old 0"

    # Clicking the quote: older pages load until the original is there; it is current.
    view = app.window.messenger.chat
    app.window.resize(900, 700)
    row = session.model.row_of("-r9999")
    QTest.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, _bubble_point(view, row, "quote"))
    harness.until(lambda: session.model.get("-r0000") is not None, 20, what="pages read back")
    harness.until(lambda: view.list.currentIndex().row() == session.model.row_of("-r0000"),
                  what="the original is current")
    harness.until(lambda: view.list.visualRect(view.list.currentIndex()).intersects(
        view.list.viewport().rect()), what="scrolled to it")

    # Reply from the menu: the bar quotes it; Enter sends with replyTo; the bar goes.
    index = session.model.index(session.model.row_of("-r0005"))
    menu = view.message_menu(index)
    next(a for a in menu.actions() if a.text() == "Reply").trigger()
    bar = view.message_actions.bar
    assert bar.isVisible() and bar.quote.text() == "old 5" and "Quoted" in bar.title.text()
    view.input.setPlainText("yes, that one")
    QTest.keyClick(view.input, Qt.Key.Key_Return)
    assert not bar.isVisible()
    sent = next(m for m in (session.model.message(r) for r in range(session.model.rowCount()))
                if m.text == "yes, that one")
    assert sent.reply_to == "-r0005"
    harness.until(lambda: (admin.get(f"messages/{chat}/{sent.id}") or {}).get("replyTo")
                  == "-r0005", what="stored with replyTo")

    # The original deleted: the quote says so.
    admin.put(f"messages/{chat}/-r0005", None)
    harness.until(lambda: session.actions.quoted("-r0005") == Quoted.DELETED,
                  what="deleted original")


def test_forward_to_several_chats(harness: Harness, suite) -> None:
    anna, boris = _pair(harness, suite)
    vera = harness.signed_in(config_for(suite), unique_email("vera"), name="vera")
    a_uid, b_uid, v_uid = anna.client.uid, boris.client.uid, vera.client.uid
    harness.until(lambda: anna.client.chats.row_for_uid(v_uid) is not None, what="vera listed")
    boris.open_person(a_uid)
    boris.client.current.send("worth sharing")
    anna.open_person(b_uid)
    session = anna.client.current
    harness.until(lambda: _texts(anna) == ["worth sharing"]
                  and not session.model.message(0).pending, what="received")
    view = anna.window.messenger.chat
    menu = view.message_menu(session.model.index(0))
    next(a for a in menu.actions() if a.text() == "Forward…").trigger()
    dialog = view.message_actions.forward_dialog
    assert dialog is not None and dialog.isVisible() and not dialog.send.isEnabled()
    to_vera = direct_chat_id(a_uid, v_uid)
    back_to_boris = direct_chat_id(a_uid, b_uid)
    dialog.set_checked(to_vera)
    dialog.set_checked(back_to_boris)
    dialog.send.click()
    admin = Admin(suite)

    def forwarded(chat: str) -> list[dict]:
        return [m for m in (admin.get(f"messages/{chat}") or {}).values()
                if m.get("forwardedFrom")]

    harness.until(lambda: forwarded(to_vera) and forwarded(back_to_boris), what="forwarded")
    [stored] = forwarded(to_vera)
    assert stored["sender"] == a_uid and stored["text"] == "worth sharing"
    assert stored["forwardedFrom"]["sender"] == b_uid
    assert stored["forwardedFrom"]["chatId"] == back_to_boris
    # Vera sees it marked with who wrote it.
    vera.open_person(a_uid)
    harness.until(lambda: _texts(vera) == ["worth sharing"], what="at vera")
    msg = vera.client.current.model.message(0)
    assert msg.forwarded_from == Forwarded(b_uid, back_to_boris, stored["forwardedFrom"][
        "messageId"])
    parts = vera.window.messenger.chat.list.bubbles.parts
    boris_title = vera.client.chats.row_for_uid(b_uid).title  # his email's name part
    assert parts.forwarded_text(msg) == f"Forwarded from {boris_title}"


def test_reactions_counts_names_and_toggle(harness: Harness, suite) -> None:
    anna, boris = _pair(harness, suite)
    a_uid, b_uid = anna.client.uid, boris.client.uid
    anna.open_person(b_uid)
    anna.client.current.send("react to this")
    boris.open_person(a_uid)
    harness.until(lambda: _texts(boris) == ["react to this"], what="at boris")
    mid = boris.client.current.model.message(0).id
    chat = direct_chat_id(a_uid, b_uid)
    admin = Admin(suite)

    # Boris: React ▸ 👍 from the menu.
    b_view = boris.window.messenger.chat
    menu = b_view.message_menu(boris.client.current.model.index(0))
    react = next(a for a in menu.actions() if a.text() == "React").menu()
    next(a for a in react.actions() if a.text() == "👍").trigger()
    harness.until(lambda: admin.get(f"messages/{chat}/{mid}/reactions") == {b_uid: "👍"},
                  what="stored")
    # Anna sees it live, adds hers: two chips... then the same emoji: one chip, count 2.
    harness.until(lambda: anna.client.current.model.message(0).reactions == ((b_uid, "👍"),),
                  what="live at anna")
    harness.run(anna.client.current.actions.react(mid, "❤️"))
    harness.until(lambda: len(boris.client.current.model.message(0).reactions) == 2)
    harness.run(anna.client.current.actions.react(mid, "👍"))  # changes hers
    harness.until(lambda: admin.get(f"messages/{chat}/{mid}/reactions")
                  == {a_uid: "👍", b_uid: "👍"}, what="one emoji, two people")
    a_view = anna.window.messenger.chat
    parts = a_view.list.bubbles.parts
    harness.until(lambda: anna.client.current.model.message(0).reactions
                  == tuple(sorted(((a_uid, "👍"), (b_uid, "👍")))), what="at anna")
    lst = a_view.list
    index = lst.model().index(0, 0)
    [chip] = lst.bubbles.parts_at(lst.visualRect(index), index, lst.font()).chips
    assert chip.label == "👍 2"
    boris_title = anna.client.chats.row_for_uid(b_uid).title
    assert parts.reaction_tooltip(chip) == f"👍 You, {boris_title}"
    # Clicking the chip with my reaction in it takes mine back.
    anna.window.resize(900, 700)
    QTest.mouseClick(a_view.list.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, _bubble_point(a_view, 0, "chip"))
    harness.until(lambda: admin.get(f"messages/{chat}/{mid}/reactions") == {b_uid: "👍"},
                  what="mine removed")


def test_delete_for_me_on_all_my_devices(harness: Harness, suite) -> None:
    config = config_for(suite)
    email = unique_email("twodev")
    laptop = harness.signed_in(config, email, name="laptop")
    other = harness.signed_in(config, unique_email("other"), name="other")
    me, o_uid = laptop.client.uid, other.client.uid
    desktop = harness.signed_in(config, email, register=False, name="desktop")
    other.open_person(me)
    other.client.current.send("keep or not")
    other.client.current.send("second")
    laptop.open_person(o_uid)
    desktop.open_person(o_uid)
    for app in (laptop, desktop):
        harness.until(lambda a=app: _texts(a) == ["keep or not", "second"], what="both devices")
    view = laptop.window.messenger.chat
    menu = view.message_menu(laptop.client.current.model.index(0))
    assert "Delete for everyone" not in [a.text() for a in menu.actions()]  # not mine
    next(a for a in menu.actions() if a.text() == "Delete for me").trigger()
    harness.until(lambda: _texts(laptop) == ["second"], what="gone here")
    harness.until(lambda: _texts(desktop) == ["second"], what="gone on my other device")
    assert _texts(other) == ["keep or not", "second"]  # still there for the other person
    # Nor in the local cache of either device: search does not find it.
    for app in (laptop, desktop):
        harness.until(lambda a=app: a.client.cache.search("keep") == [], what="not findable")
    harness.until(lambda: [h.snippet for h in other.client.cache.search("keep")]
                  == ["\x02keep\x03 or not"], what="still findable for the other person")
    # A third device of mine, signed in later, that never opens the chat: its background
    # fill caches the chat's newest page, but not what I deleted for me.
    phone = harness.signed_in(config, email, register=False, name="phone")
    harness.until(lambda: len(phone.client.cache.search("second")) == 1, 15,
                  what="the phone's cache filled")
    assert phone.client.cache.search("keep") == []
    # Reopening reads the hidden ids first: it never shows again (nor in the cache's paint).
    laptop.close_chat()
    laptop.open_person(o_uid)
    assert _texts(laptop) == ["second"]
    harness.until(lambda: laptop.client.current.synced, what="reopened")
    assert _texts(laptop) == ["second"]


def test_emoji_picker_inserts_at_the_cursor(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("emoji"), name="emoji")
    app.open_person(_peer(admin, "Smiles"))
    view = app.window.messenger.chat
    view.input.setPlainText("hi !")
    cursor = view.input.textCursor()
    cursor.setPosition(3)
    view.input.setTextCursor(cursor)
    view.emoji_button.click()
    picker = view.message_actions.emoji
    assert picker is not None and picker.isVisible()
    picker.buttons[0].click()
    assert view.input.toPlainText() == "hi 😀!"
    assert not picker.isVisible()
