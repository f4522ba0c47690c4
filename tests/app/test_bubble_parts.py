"""What message actions add to bubbles, without a server: "edited", run spacing (one sender
within 5 minutes), "Show more" on long messages, the quote and reaction chips taking clicks,
links reaching the desktop's browser."""

from __future__ import annotations

from messenger_desktop.models.message_extras import Forwarded
from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.views.bubble_delegate import RUN_GAP
from messenger_desktop.views.bubble_parts import starts_run
from messenger_desktop.views.chat_view import ChatView, MessageList
from PySide6.QtCore import QObject, QPoint, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest

MIN = 60_000


def _view(qtbot, messages: list[Message]) -> tuple[MessageList, MessageListModel]:
    model = MessageListModel("me")
    model.prepend_page(messages)
    view = MessageList()
    qtbot.addWidget(view)
    view.resize(600, 500)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    return view, model


def test_runs_of_one_sender_within_five_minutes_sit_together(qtbot) -> None:
    t0 = 1_700_000_000_000.0
    msgs = [Message("a", "you", "one", t0), Message("b", "you", "two", t0 + 4 * MIN),
            Message("c", "you", "three", t0 + 10 * MIN), Message("d", "me", "four", t0 + 11 * MIN)]
    assert [starts_run(p, m) for p, m in zip([None, *msgs], msgs, strict=False)] == [
        True, False, True, True]
    view, model = _view(qtbot, msgs)
    gaps = [view.bubbles.header_height(model.index(r)) for r in range(1, 4)]
    assert gaps == [0, RUN_GAP, RUN_GAP]


def test_edited_forwarded_and_reacted_bubbles_grow_and_say_so(qtbot) -> None:
    plain = Message("a", "you", "same text", 1000.0)
    view, model = _view(qtbot, [plain])
    rect = view.visualRect(model.index(0))
    base = view.bubbles.bubble_rect(rect, plain, False, view.font())
    edited = Message("a", "you", "same text", 1000.0, edited_at=2000.0)
    assert view.bubbles._meta(edited).startswith("edited ")
    forwarded = Message("a", "you", "same text", 1000.0,
                        forwarded_from=Forwarded("zoe", "x_y", "-m"))
    reacted = Message("a", "you", "same text", 1000.0, reactions=(("me", "👍"), ("zoe", "👍")))
    replying = Message("a", "you", "same text", 1000.0, reply_to="-orig")
    for msg in (forwarded, reacted, replying):
        assert view.bubbles.bubble_rect(rect, msg, False, view.font()).height() > base.height()
    assert view.bubbles.parts.forwarded_text(forwarded) == "Forwarded from zoe"


def _chat(qtbot, messages: list[Message]) -> tuple[ChatView, MessageListModel]:
    """The chat view (with its message actions) showing `messages`, no session."""
    chat = ChatView()
    qtbot.addWidget(chat)
    chat.resize(700, 500)
    model = MessageListModel("me")
    model.prepend_page(messages)
    chat.list.setModel(model)
    chat.show()
    qtbot.waitExposed(chat)
    chat.list.show()
    return chat, model


def test_long_messages_collapse_and_show_more_expands(qtbot) -> None:
    long_text = "\n".join(f"line {i}" for i in range(40))
    chat, model = _chat(qtbot, [Message("a", "you", long_text, 1000.0)])
    view = chat.list
    index = model.index(0)
    collapsed = view.visualRect(index).height()
    parts = view.bubbles.parts_at(view.visualRect(index), index, view.font())
    assert parts.more_h and parts.text_h < 20 * view.fontMetrics().lineSpacing()
    text = view.bubbles.text_rect(view.visualRect(index), index, view.font())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(text.left() + 10, text.bottom() + 8))  # on "Show more"
    expanded = view.visualRect(model.index(0)).height()
    assert expanded > collapsed + 20 * view.fontMetrics().lineSpacing()
    assert view.bubbles.parts.more_text(model.message(0)) == "Show less"


def test_clicks_on_a_quote_and_a_reaction_are_not_text_selection(qtbot) -> None:
    msgs = [Message("-orig", "zoe", "the original", 1000.0),
            Message("-r", "zoe", "the reply", 2000.0, reply_to="-orig",
                    reactions=(("zoe", "❤️"),))]
    view, model = _view(qtbot, msgs)
    clicked: list[tuple[str, str]] = []
    view.part_clicked.connect(lambda _i, kind, value: clicked.append((kind, value)))
    index = model.index(1)
    rect = view.visualRect(index)
    text = view.bubbles.text_rect(rect, index, view.font())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=QPoint(text.left() + 10, text.top() - 20))
    bubble = view.bubbles.bubble_at(rect, index, view.font())
    parts = view.bubbles.parts_at(rect, index, view.font())
    [(_chip, chip)] = view.bubbles.parts.chip_rects(parts, bubble.left() + 12, text.top())
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=chip.center())
    assert clicked == [("quote", "-orig"), ("reaction", "❤️")]


class _Browser(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_a_link_opens_in_the_desktop_browser(qtbot) -> None:
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        chat, model = _chat(qtbot, [Message("a", "you", "https://example.com/x", 1000.0)])
        index = model.index(0)
        text = chat.list.bubbles.text_rect(chat.list.visualRect(index), index, chat.list.font())
        QTest.mouseClick(chat.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=QPoint(text.left() + 10, text.top() + 6))
        assert browser.opened == ["https://example.com/x"]
    finally:
        QDesktopServices.unsetUrlHandler("https")


def test_the_new_texts_are_in_russian(qtbot) -> None:
    from messenger_desktop import i18n

    chat, model = _chat(qtbot, [Message("a", "you", "x", 1000.0, edited_at=2000.0,
                                        forwarded_from=Forwarded("zoe", "x_y", "-m"))])
    try:
        i18n.install("ru")
        msg = model.message(0)
        assert chat.list.bubbles._meta(msg).startswith("изменено ")
        assert chat.list.bubbles.parts.forwarded_text(msg) == "Переслано от zoe"
        assert chat.list.bubbles.parts.more_text(msg) == "Показать полностью"
        chat.message_actions.start_edit(msg)
        assert chat.send_button.text() == "Сохранить"
        assert chat.message_actions.bar.title.text() == "Изменение сообщения"
    finally:
        i18n.install("en")


def test_hovering_a_reaction_names_who_reacted(qtbot) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QApplication, QToolTip

    msgs = [Message("-r", "zoe", "nice", 1000.0, reactions=(("me", "👍"), ("zoe", "👍")))]
    view, model = _view(qtbot, msgs)
    view.bubbles.parts.my_uid = "me"
    view.bubbles.parts.names = {"me": "You", "zoe": "<b>Zoë</b>"}.get
    index = model.index(0)
    rect = view.visualRect(index)
    text = view.bubbles.text_rect(rect, index, view.font())
    bubble = view.bubbles.bubble_at(rect, index, view.font())
    parts = view.bubbles.parts_at(rect, index, view.font())
    [(_chip, chip)] = view.bubbles.parts.chip_rects(parts, bubble.left() + 12, text.top())
    QToolTip.hideText()
    pos = chip.center()
    QApplication.sendEvent(view.viewport(), QHelpEvent(QEvent.Type.ToolTip, pos,
                                                       view.viewport().mapToGlobal(pos)))
    qtbot.waitUntil(QToolTip.isVisible, timeout=3000)
    # who, me first, and a name full of markup shown as typed
    assert QToolTip.text() == "<qt>👍 You, &lt;b&gt;Zoë&lt;/b&gt;</qt>"


def test_the_forward_picker_filters_and_ticks_several(qtbot) -> None:
    from messenger_desktop.models.chat_list import ChatListModel
    from messenger_desktop.models.chat_list import Roles as ChatRoles
    from messenger_desktop.models.presence import ServerClock
    from messenger_desktop.views.forward_dialog import ForwardDialog

    chats = ChatListModel("me", ServerClock())
    for uid, name in (("anna", "Анна"), ("boris", "<i>Boris</i>"), ("vera", "Vera")):
        chats.set_user(uid, {"email": f"{uid}@example.com", "displayName": name})
    chats.set_chat("boris_me", {"previews": {"-m": {"text": "hi", "sender": "boris", "ts": 5}}})
    targets = ForwardDialog.chats_of(chats, ChatRoles.ChatId, ChatRoles.UpdatedAt)
    assert targets[0] == ("boris_me", "<i>Boris</i>")  # the most recent chat first
    dialog = ForwardDialog(targets, "some\ntext")
    qtbot.addWidget(dialog)
    assert not dialog.send.isEnabled()
    dialog.filter.setText("ан")
    shown = [dialog.list.item(i).text() for i in range(dialog.list.count())
             if not dialog.list.item(i).isHidden()]
    assert shown == ["Анна"]
    dialog.set_checked("anna_me")
    dialog.filter.clear()
    dialog.set_checked("me_vera")
    assert dialog.send.isEnabled() and sorted(dialog.selected()) == ["anna_me", "me_vera"]
    assert dialog.preview.text() == "some text"
