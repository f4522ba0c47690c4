"""The chat view's message actions: the message menu, replying and editing in the composer,
forwarding, reactions, delete for me, and clicks on a bubble's parts (a quote scrolls to its
original, "Show more", a reaction toggles mine). The writes are the session's
(chat_actions.py); this is the UI around them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QMenu, QMessageBox

from ..errors import UserFacingError
from ..models.messages import Message, Roles
from .compose_bar import ComposeBar
from .emoji_picker import REACTIONS, EmojiPicker
from .forward_dialog import ForwardDialog
from .readers_popup import ReadersPopup

if TYPE_CHECKING:
    from ..chat_actions import ChatActions
    from .chat_view import ChatView

REPLY, EDIT = "reply", "edit"


class MessageActions(QObject):
    def __init__(self, view: ChatView) -> None:
        super().__init__(view)
        self.view = view
        self.bar = ComposeBar()
        self.bar.cancelled.connect(self.cancel)
        self.mode = ""  # "", REPLY or EDIT
        self.target = ""  # the message replied to or edited
        self._draft = ""  # the composer's text before an edit (put back after it)
        # Set by the application: the chats to forward to, [(chat id, title)].
        self.forward_targets: Callable[[], list[tuple[str, str]]] = list
        self.forward_dialog: ForwardDialog | None = None
        self.emoji: EmojiPicker | None = None
        self.confirm: QMessageBox | None = None
        self.readers_popup: ReadersPopup | None = None
        view.input.edit_last_requested.connect(self.edit_last)
        view.input.escape_takes = lambda: bool(self.mode)
        view.input.cancel_requested.connect(self.cancel)

    @property
    def actions(self) -> ChatActions | None:
        session = self.view.session
        return session.actions if session is not None else None

    def names(self, uid: str) -> str:
        return self.view.list.bubbles.parts.names(uid)

    # the menu ------------------------------------------------------------------------------
    def menu(self, index: QModelIndex) -> QMenu | None:
        """Reply, Edit (mine), Forward, React, Copy, retry (refused), Delete for me, Delete for
        everyone (mine): by mouse or keyboard alike."""
        session = self.view.session
        if not index.isValid() or session is None:
            return None
        msg: Message = index.data(Roles.Message)
        if msg.system is not None:
            return None  # "анна added борис": nothing to act on
        own = bool(index.data(Roles.Own))
        confirmed = not msg.pending
        menu = QMenu(self.view)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if confirmed:
            menu.addAction(self.tr("Reply")).triggered.connect(lambda: self.start_reply(msg))
            if own and msg.text:
                menu.addAction(self.tr("Edit")).triggered.connect(lambda: self.start_edit(msg))
            menu.addAction(self.tr("Forward…")).triggered.connect(
                lambda: self.open_forward(msg))
            react = menu.addMenu(self.tr("React"))
            mine = session.actions.my_reaction(msg.id)
            for emoji in REACTIONS:
                action = react.addAction(emoji)
                action.setCheckable(True)
                action.setChecked(emoji == mine)
                action.triggered.connect(lambda _=False, e=emoji: self.react(msg.id, e))
        menu.addAction(self.tr("Copy text")).triggered.connect(
            lambda: QGuiApplication.clipboard().setText(msg.text))
        if msg.failed:
            menu.addAction(self.tr("Try sending again")).triggered.connect(
                lambda: session.retry(msg.id))
        menu.addAction(self.tr("Delete for me")).triggered.connect(
            lambda: self._spawn(self._hide(msg.id)))
        if own:
            menu.addAction(self.tr("Delete for everyone")).triggered.connect(
                lambda: self.view.confirm_delete(msg))
        return menu

    def _spawn(self, coro) -> None:
        asyncio.ensure_future(coro)

    def _fail(self, what: str, exc: Exception) -> None:
        self.view.show_notice(what.format(str(exc)))

    # reply and edit ----------------------------------------------------------------------
    def start_reply(self, msg: Message) -> None:
        self._leave_edit()
        self.mode, self.target = REPLY, msg.id
        self.bar.show_for(self.tr("Reply to {0}").format(self.names(msg.sender)), msg.text)
        self.view.input.setFocus()

    def start_edit(self, msg: Message) -> None:
        if self.mode != EDIT:
            self._draft = self.view.input.text()
        self.mode, self.target = EDIT, msg.id
        self.bar.show_for(self.tr("Edit message"), msg.text)
        self.view.input.setPlainText(msg.text)
        self.view.input.moveCursor(self.view.input.textCursor().MoveOperation.End)
        self.view.input.setFocus()
        self.view.update_send()

    def edit_last(self) -> None:
        """Up in an empty composer: edit my newest message."""
        actions = self.actions
        msg = actions.last_own() if actions is not None else None
        if msg is not None:
            self.start_edit(msg)

    def _leave_edit(self) -> None:
        if self.mode == EDIT:
            self.mode = ""
            self.view.input.setPlainText(self._draft)  # what was typed before the edit
            self.view.input.moveCursor(self.view.input.textCursor().MoveOperation.End)
            self._draft = ""

    def cancel(self) -> None:
        """× or Esc: leave replying or editing (an edit's text is dropped)."""
        self._leave_edit()
        self.mode, self.target = "", ""
        self.bar.hide()
        self.view.update_send()

    def reset(self) -> None:
        """Another chat (or none) is shown: nothing carries over."""
        self.mode, self.target, self._draft = "", "", ""
        self.bar.hide()

    def editing(self) -> bool:
        return self.mode == EDIT

    def submit(self, text: str) -> bool:
        """Enter or Send: a reply or an edit; False when it is a plain message."""
        session = self.view.session
        if session is None or not self.mode:
            return False
        mode, target = self.mode, self.target
        if mode == EDIT:
            self.cancel()
            self._spawn(self._edit(target, text))
        else:
            self.mode, self.target = "", ""
            self.bar.hide()
            session.send(text, reply_to=target)
            self.view.input.clear()
        return True

    async def _edit(self, message_id: str, text: str) -> None:
        actions = self.actions
        if actions is None:
            return
        try:
            await actions.edit(message_id, text)
        except UserFacingError as exc:
            self._fail(self.tr("Could not edit the message: {0}"), exc)
            # Nothing typed is lost: back to editing it, with the new text, to try again.
            msg = actions.session.model.get(message_id)
            if msg is not None and self.actions is actions and not self.mode:
                self.start_edit(msg)
                self.view.input.setPlainText(text)
                self.view.input.moveCursor(self.view.input.textCursor().MoveOperation.End)

    # reactions, delete for me, forward -----------------------------------------------------
    def react(self, message_id: str, emoji: str) -> None:
        self._spawn(self._react(message_id, emoji))

    async def _react(self, message_id: str, emoji: str) -> None:
        actions = self.actions
        if actions is None:
            return
        try:
            await actions.react(message_id, emoji)
        except UserFacingError as exc:
            self._fail(self.tr("Could not react: {0}"), exc)

    async def _hide(self, message_id: str) -> None:
        actions = self.actions
        if actions is None:
            return
        if self.target == message_id:
            self.cancel()
        try:
            await actions.hide(message_id)
        except UserFacingError as exc:
            self._fail(self.tr("Could not delete the message: {0}"), exc)

    def open_forward(self, msg: Message) -> ForwardDialog:
        preview = msg.text
        if msg.attachment is not None:  # the file's name, then its caption
            preview = f"📎 {msg.attachment.name}" + (f" · {msg.text}" if msg.text else "")
        dialog = ForwardDialog(self.forward_targets(), preview, self.view)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.forward(msg.id, dialog.selected(), msg))
        self.forward_dialog = dialog
        dialog.open()
        return dialog

    def forward(self, message_id: str, chat_ids: list[str], msg: Message | None = None) -> None:
        """Text goes through the outbox (chat_actions); a picture or a file is uploaded again
        into each chat (attachments/forwarding.py)."""
        actions = self.actions
        if actions is None or not chat_ids:
            return
        msg = actions.session.model.get(message_id) or msg
        if msg is not None and msg.attachment is not None:
            self.view.attachments.forward(msg, chat_ids)
        else:
            actions.forward(message_id, chat_ids)

    # the composer's emoji ----------------------------------------------------------------
    def open_emoji(self) -> EmojiPicker:
        picker = EmojiPicker(self.view)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.picked.connect(self.view.input.insertPlainText)
        picker.picked.connect(lambda _e: self.view.input.setFocus())
        button = self.view.emoji_button
        picker.popup_above(button.mapToGlobal(button.rect().topLeft()))
        self.emoji = picker
        return picker

    # clicks on a bubble --------------------------------------------------------------------
    def clicked(self, index: QModelIndex, kind: str, value: str) -> None:
        if kind == "quote":
            self._spawn(self.scroll_to(value))
        elif kind == "more":
            parts = self.view.list.bubbles.parts
            parts.expanded ^= {value}
            self.view.list.doItemsLayout()  # the row's height changed
        elif kind == "reaction":
            msg: Message = index.data(Roles.Message)
            self.react(msg.id, value)
        elif kind == "readers":
            self.show_readers(index)

    def show_readers(self, index: QModelIndex) -> ReadersPopup | None:
        """A click on "read by N": the readers' names, with when each read it if known."""
        context = self.view.list.bubbles.context
        msg: Message = index.data(Roles.Message)
        mark = context.mark(msg) if context is not None else None
        if context is None or mark is None or not mark.readers:
            return None
        when = getattr(context, "read_time", None)
        readers = sorted(((context.name_of(uid), when(uid, msg) if when else None)
                          for uid in mark.readers), key=lambda r: r[0].lower())
        popup = ReadersPopup(readers, self.view)
        rect = self.view.list.visualRect(index)
        popup.show_at(self.view.list.viewport().mapToGlobal(rect.bottomRight())
                      - QPoint(200, 0))
        self.readers_popup = popup
        return popup

    async def scroll_to(self, message_id: str) -> bool:
        """A quote was clicked: show its original (reading older pages for it), outlined.
        A deleted one: say so."""
        session = self.view.session
        if session is None:
            return False
        if not await session.actions.reveal(message_id):
            if self.view.session is session:
                self.view.show_notice(self.tr("The original message was deleted."))
            return False
        if self.view.session is not session:
            return False
        row = session.model.row_of(message_id)
        if row < 0:
            return False
        index = session.model.index(row)
        self.view.hold_scroll()
        # After the layout of the rows just added: scroll, and make it the current one.
        target = QPersistentModelIndex(index)

        def land() -> None:
            if target.isValid():
                now = session.model.index(target.row())
                self.view.list.scrollTo(now, QAbstractItemView.ScrollHint.PositionAtCenter)
                self.view.list.setCurrentIndex(now)

        land()
        QTimer.singleShot(0, land)
        return True
