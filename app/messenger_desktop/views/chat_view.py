"""The open chat: header, message list (model/view with a bubble delegate) and composer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import QDesktopServices, QMouseEvent, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..attachments.controller import AttachmentController
from ..errors import UserFacingError
from ..models.messages import Message, Roles
from .bubble_delegate import BubbleDelegate
from .chat_search import ChatSearch
from .composer import MAX_LENGTH, Composer
from .message_actions import MessageActions
from .scroll_button import ScrollDownButton
from .search_bar import ChatSearchBar
from .text import ElidedLabel, plain_label, to_html
from .theme import Theme

if TYPE_CHECKING:  # the chat layer pulls in httpx: not needed to draw the first window
    from ..chat_session import ChatSession
    from ..models.chat_list import ChatListModel
    from ..store.drafts import Drafts

LOAD_OLDER_AT_PX = 120


class _SelectableBubble(BubbleDelegate):
    """Press on a bubble's text to select part of it: a read-only browser opens over the
    bubble at the press, and the same drag selects (the list hands it the mouse)."""

    def createEditor(self, parent, option, index):
        msg: Message = index.data(Roles.Message)
        own = bool(index.data(Roles.Own))
        c = Theme.current()
        editor = QTextBrowser(parent)
        editor.setOpenExternalLinks(True)
        editor.setFrameShape(QTextBrowser.Shape.NoFrame)
        editor.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        editor.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        fg = c.own_text if own else c.other_text
        bg = c.own_bubble if own else c.other_bubble
        editor.setStyleSheet(f"QTextBrowser {{ background: {bg}; color: {fg}; border: none; }}")
        editor.document().setDocumentMargin(0)
        editor.setHtml(to_html(msg.text, c.own_link if own else c.link))
        editor.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        editor.setCursor(Qt.CursorShape.IBeamCursor)
        return editor

    def updateEditorGeometry(self, editor, option, index) -> None:
        editor.setGeometry(self.text_rect(option.rect, index, option.font))

    def setEditorData(self, editor, index) -> None:
        pass

    def setModelData(self, editor, model, index) -> None:
        pass  # read-only


class MessageList(QListView):
    link_activated = Signal(str)
    menu_requested = Signal(QModelIndex, QPoint)  # the message, where (global)
    # A click on a bubble's part: the message, "quote" | "more" | "reaction", its value.
    part_clicked = Signal(QModelIndex, str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Messages")
        self.bubbles = _SelectableBubble(self)
        self.setItemDelegate(self.bubbles)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        # Editors (the selectable text) open on a press in mousePressEvent, not by a trigger.
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._drag_into: QTextBrowser | None = None  # the text the current drag selects in
        self._forwarding = False
        self.setUniformItemSizes(False)
        self.setWordWrap(True)
        self.setMouseTracking(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        # Keyboard users move through messages with the arrows (the current one is outlined)
        # and open its menu with the Menu key or Shift+F10.
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.verticalScrollBar().setSingleStep(24)
        self.setViewportMargins(0, 8, 0, 8)  # breathing room above the first bubble

    def _anchor(self, pos) -> str:
        index = self.indexAt(pos)
        if not index.isValid():
            return ""
        return self.bubbles.anchor_at(self.visualRect(index), index, pos, self.font())

    def _hit(self, pos) -> tuple[QModelIndex, str, str]:
        """The message under `pos` and what a click there means (bubble_delegate.hit_at)."""
        index = self.indexAt(pos)
        if not index.isValid():
            return index, "", ""
        kind, value, _chip = self.bubbles.hit_at(self.visualRect(index), index, pos,
                                                 self.font())
        return index, kind, value

    def _text_under(self, pos: QPoint) -> QModelIndex:
        """The message whose text (not a link, not the margin) is under `pos`."""
        index = self.indexAt(pos)
        if not index.isValid() or self._anchor(pos):
            return QModelIndex()
        text = self.bubbles.text_rect(self.visualRect(index), index, self.font())
        return index if text.contains(pos) else QModelIndex()

    def _forward(self, event) -> None:
        """Hand a mouse event of this drag to the text browser over the bubble."""
        editor = self._drag_into
        if editor is None:  # callers check; a drag always has its browser
            return
        try:
            target = editor.viewport()
        except RuntimeError:  # the row went away mid-drag (deleted, a new page): drop it
            self._drag_into = None
            return
        pos = QPointF(target.mapFrom(self.viewport(), event.position().toPoint()))
        forwarded = QMouseEvent(event.type(), pos, event.globalPosition(), event.button(),
                                event.buttons(), event.modifiers())
        # What the browser leaves unhandled comes back up to this viewport: not again.
        self._forwarding = True
        try:
            QApplication.sendEvent(target, forwarded)
        finally:
            self._forwarding = False

    def mousePressEvent(self, event) -> None:
        if self._forwarding:
            return
        pos = event.position().toPoint()
        index = self._text_under(pos) if event.button() == Qt.MouseButton.LeftButton else None
        if index is not None and index.isValid():
            # Open the selectable text right here and give it this press: the drag that
            # follows selects from where it started (no double-click first).
            if self.indexWidget(index) is None:
                self.edit(index)
            editor = self.indexWidget(index)
            if isinstance(editor, QTextBrowser):
                self.setCurrentIndex(index)
                self._drag_into = editor
                self._forward(event)
                return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._forwarding:
            return
        if self._drag_into is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._forward(event)
            return
        _index, kind, _value = self._hit(event.position().toPoint())
        self.viewport().setCursor(
            Qt.CursorShape.PointingHandCursor if kind else Qt.CursorShape.ArrowCursor
        )
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if self._forwarding:
            return
        if self._drag_into is not None:
            self._forward(event)
            self._drag_into = None
            return
        if event.button() == Qt.MouseButton.LeftButton:
            index, kind, value = self._hit(event.position().toPoint())
            if kind == "link":
                self.link_activated.emit(value)
                return
            if kind:
                self.part_clicked.emit(index, kind, value)
                return
        super().mouseReleaseEvent(event)

    def contextMenuEvent(self, event) -> None:
        if event.reason() == event.Reason.Mouse:
            index = self.indexAt(event.pos())
            where = event.globalPos()
        else:
            index, where = self._current_for_menu()
        if index.isValid():
            self.menu_requested.emit(index, where)

    def _current_for_menu(self) -> tuple[QModelIndex, QPoint]:
        index = self.currentIndex()
        if not index.isValid() and self.model() is not None and self.model().rowCount():
            index = self.model().index(self.model().rowCount() - 1, 0)  # the newest
            self.setCurrentIndex(index)
        if not index.isValid():
            return index, QPoint()
        self.scrollTo(index)
        bubble = self.bubbles.bubble_at(self.visualRect(index), index, self.font())
        return index, self.viewport().mapToGlobal(bubble.center())

    def keyPressEvent(self, event) -> None:
        shift_f10 = (event.key() == Qt.Key.Key_F10
                     and event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if event.key() == Qt.Key.Key_Menu or shift_f10:
            index, where = self._current_for_menu()
            if index.isValid():
                self.menu_requested.emit(index, where)
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event) -> None:
        # Start at the newest message (Qt's default would be the oldest loaded one).
        if not self.currentIndex().isValid() and self.model() is not None:
            rows = self.model().rowCount()
            if rows:
                self.setCurrentIndex(self.model().index(rows - 1, 0))
        super().focusInEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.bubbles.clear_cache()  # cached sizes were measured with the old font
        super().changeEvent(event)

    def resizeEvent(self, event) -> None:
        self.bubbles.clear_cache()  # widths changed: wrapped layouts must be redone
        self.bubbles.view_width = self.viewport().width()
        super().resizeEvent(event)

    def is_at_bottom(self) -> bool:
        bar = self.verticalScrollBar()
        return bar.value() >= bar.maximum() - 40


class ChatView(QWidget):
    """Shows one ChatSession; the main window swaps sessions in and out."""

    typed = Signal()  # the user changed the message text (not a draft being loaded)
    sent = Signal()
    members_requested = Signal()  # a group's member list

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.session: ChatSession | None = None
        self._loading_text = False
        self._subtitle = ""
        self.typing_text = ""  # "анна is typing…" shown instead of the subtitle while set
        self.drafts: Drafts | None = None  # set while signed in
        self.people: ChatListModel | None = None  # set while signed in: names for uids
        self._stick_to_bottom = True
        self._scroll_pending = False
        self._anchor_from_bottom: int | None = None
        # Opening a chat with unread messages lands on the first one (under the divider)
        # until the user scrolls: the target row, or None.
        self._land_on: QPersistentModelIndex | None = None
        self._landing_pending = False
        self._land_hint = QAbstractItemView.ScrollHint.PositionAtTop
        self._programmatic = False

        header = QWidget()
        header.setObjectName("ChatHeader")
        # Names and everything else from other people are plain text (a QLabel's default
        # format would render their markup: headings, colours, local images).
        self.title = ElidedLabel("ChatTitle")
        self.subtitle = ElidedLabel("ChatSubtitle")
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.title)
        names.addWidget(self.subtitle)
        self.members_button = QPushButton()
        self.members_button.setObjectName("MembersButton")
        self.members_button.clicked.connect(self.members_requested)
        self.members_button.hide()  # groups only
        hl = QHBoxLayout(header)
        hl.setContentsMargins(16, 10, 16, 10)
        hl.addLayout(names, 1)
        hl.addWidget(self.members_button, 0, Qt.AlignmentFlag.AlignVCenter)

        self.list = MessageList()
        self.list.menu_requested.connect(self._context_menu)
        self.menu: QMenu | None = None  # the open message menu (for tests and keyboard users)
        self.confirm: QMessageBox | None = None
        self.list.link_activated.connect(lambda url: QDesktopServices.openUrl(QUrl(url)))
        self.list.verticalScrollBar().valueChanged.connect(self._on_scroll)
        self.list.verticalScrollBar().rangeChanged.connect(self._on_range)
        self.to_bottom = ScrollDownButton(self.list)
        self.to_bottom.hide()
        self.to_bottom.clicked.connect(self.scroll_to_newest)
        self._button_timer = QTimer(self)
        self._button_timer.setSingleShot(True)
        self._button_timer.setInterval(0)
        self._button_timer.timeout.connect(self._update_to_bottom)
        self.empty = QLabel()
        self.empty.setObjectName("Empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.notice = plain_label("FormError")
        self.notice.setWordWrap(True)
        self.notice.hide()

        composer = QWidget()
        composer.setObjectName("Composer")
        self.input = Composer()
        # Reply, edit, forward, react, delete for me (views/message_actions.py).
        self.message_actions = MessageActions(self)
        self.list.part_clicked.connect(self.message_actions.clicked)
        self.emoji_button = QToolButton()
        self.emoji_button.setObjectName("EmojiButton")
        self.emoji_button.setText("☺")
        self.emoji_button.setAutoRaise(True)
        self.emoji_button.setMinimumHeight(36)
        self.emoji_button.clicked.connect(self.message_actions.open_emoji)
        self.input.send_requested.connect(self._send)
        self.input.textChanged.connect(self._update_send)
        self.input.textChanged.connect(self._keep_draft)
        self.input.textChanged.connect(self._on_typed)
        self.send_button = QPushButton()
        self.send_button.setObjectName("Primary")
        self.send_button.setMinimumHeight(36)
        self.send_button.clicked.connect(self._send)
        cl = QHBoxLayout(composer)
        cl.setContentsMargins(12, 10, 12, 10)
        cl.addWidget(self.emoji_button, 0, Qt.AlignmentFlag.AlignBottom)
        cl.addWidget(self.input, 1)
        cl.addWidget(self.send_button, 0, Qt.AlignmentFlag.AlignBottom)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        self.search_bar = ChatSearchBar()
        self.search_bar.hide()
        self.search = ChatSearch(self, self.search_bar)  # Ctrl+F in the chat
        layout.addWidget(self.search_bar)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.message_actions.bar)
        layout.addWidget(composer)
        # Pictures and files (issue 17): the attach button, drops, pastes, clicks on them.
        self.attachments = AttachmentController(self)
        self.attachments.notice.connect(self._show_notice)
        self.retranslate()
        self._update_send()

    def retranslate(self) -> None:
        editing = self.message_actions.editing()
        self.send_button.setText(self.tr("Save") if editing else self.tr("Send"))
        self.emoji_button.setToolTip(self.tr("Emoji"))
        self.members_button.setText(self.tr("Members"))
        # Short enough for the narrowest window in every language; the keys are in the tooltip.
        self.input.setPlaceholderText(self.tr("Write a message…"))
        self.input.setToolTip(self.tr("Enter sends, Shift+Enter adds a line"))
        self.empty.setText(self.tr("No messages yet. Say hello!"))
        if hasattr(self, "attachments"):
            self.attachments.retranslate()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    # session -----------------------------------------------------------------------------
    def _detach(self) -> None:
        if self.session is not None:
            self.session.first_page_loaded.disconnect(self._on_first_page)
            self.session.model.rowsInserted.disconnect(self._on_rows_inserted)
            self.session.model.rowsRemoved.disconnect(self._update_empty)
            self.session.error.disconnect(self._show_notice)
            self.session.recovered.disconnect(self.notice.hide)
            self.session.actions.quote_ready.disconnect(self._on_quote_ready)
        self.session = None
        self.message_actions.reset()

    def show_session(self, session: ChatSession, title: str) -> None:
        self._detach()
        self.search.close()
        self.session = session
        # Each chat keeps its own unsent text: nothing typed for one person follows you into
        # another chat (where Enter would send it to them).
        self._loading_text = True
        self.input.setPlainText(self.drafts.get(session.chat_id) if self.drafts else "")
        self._loading_text = False
        self.set_typing("")
        self.input.moveCursor(QTextCursor.MoveOperation.End)
        self.title.setText(title)
        self.notice.hide()
        self.list.bubbles.clear_cache()
        parts = self.list.bubbles.parts
        parts.my_uid, parts.quoted, parts.expanded = session.uid, session.actions.quoted, set()
        parts.names = self.name_of
        session.actions.quote_ready.connect(self._on_quote_ready)
        self.list.bubbles.unread_from = ""  # placed once the chat has opened (_on_first_page)
        self._land_on = None
        self._landing_pending = bool(session.unread_from)
        self.list.setModel(session.model)
        session.model.rowsInserted.connect(self._on_rows_inserted)
        session.first_page_loaded.connect(self._on_first_page)
        session.model.rowsRemoved.connect(self._update_empty)
        session.error.connect(self._show_notice)
        session.recovered.connect(self.notice.hide)
        # Unread messages: wait for the first of them (its page may still be loading).
        self._stick_to_bottom = not session.unread_from
        self._update_empty()
        if not self._try_landing():
            self.list.scrollToBottom()
        self._button_timer.start()
        self.input.setFocus()

    def clear_session(self) -> None:
        """Signed out: forget the chat and its input (the draft is already stored)."""
        self.close_session()
        self.drafts = None
        self.attachments.unbind()

    def close_session(self) -> None:
        """The chat was closed (Esc): its draft stays stored, the view shows nothing."""
        if self.drafts is not None:
            self.drafts.flush()
        self._detach()
        self.search.close()
        self.list.setModel(None)
        self.input.blockSignals(True)  # clearing the box is not erasing the draft
        self.input.clear()
        self.input.blockSignals(False)
        self._update_send()

    def name_of(self, uid: str) -> str:
        """Who a uid is, as the chat list names them ("You" for me)."""
        if self.session is not None and uid == self.session.uid:
            return self.tr("You")
        row = self.people.row_for_uid(uid) if self.people is not None else None
        return row.title if row is not None else uid

    def _on_quote_ready(self, _message_id: str) -> None:
        self.list.viewport().update()  # a reply's original was read: repaint its quote

    def show_notice(self, text: str) -> None:
        self._show_notice(text)

    def update_send(self) -> None:
        self._update_send()

    def hold_scroll(self) -> None:
        """Someone scrolls on purpose (to a reply's original): stop following the bottom."""
        self._land_on = None
        self._stick_to_bottom = False

    def _keep_draft(self) -> None:
        if self.message_actions.editing():
            return  # the text of the message being edited is not a draft
        if self.session is not None and self.drafts is not None:
            self.drafts.set(self.session.chat_id, self.input.text())

    def _on_typed(self) -> None:
        if not self._loading_text and self.session is not None and self.input.text():
            self.typed.emit()

    def set_subtitle(self, text: str) -> None:
        self._subtitle = text
        if not self.typing_text:
            self.subtitle.setText(text)

    def set_typing(self, text: str) -> None:
        """Who is typing, in the header in place of the subtitle ("" gives it back)."""
        if text == self.typing_text:
            return
        self.typing_text = text
        self.subtitle.setProperty("typing", bool(text))
        self.subtitle.style().unpolish(self.subtitle)
        self.subtitle.style().polish(self.subtitle)
        self.subtitle.setText(text or self._subtitle)

    def _update_empty(self, *_args) -> None:
        empty = self.session is None or self.session.model.rowCount() == 0
        loading = self.session is not None and self.session.loading
        self.empty.setVisible(empty and not loading)
        self.list.setVisible(not (empty and not loading))

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.show()

    # scrolling ---------------------------------------------------------------------------
    def _try_landing(self) -> bool:
        """Scroll the first unread message (and its divider) to the top, once it is here."""
        session = self.session
        if session is None or not self._landing_pending or not session.unread_from:
            return False
        target = session.unread_from
        row = session.model.row_of(target)
        if row < 0:
            return False
        self._landing_pending = False
        self._land_on = QPersistentModelIndex(session.model.index(row))
        self._land_hint = QAbstractItemView.ScrollHint.PositionAtTop
        self._anchor_from_bottom = None
        self._stick_to_bottom = False
        self._apply_landing()
        return True

    def _apply_landing(self) -> None:
        if self._land_on is None or not self._land_on.isValid():
            return
        self._programmatic = True
        try:
            self.list.scrollTo(self._land_on, self._land_hint)
        finally:
            self._programmatic = False
        self._stick_to_bottom = self.list.is_at_bottom()

    async def show_message(self, message_id: str) -> bool:
        """Bring a message into view (centred), loading the chat back to it if needed;
        False when it is gone."""
        session = self.session
        if session is None or not await session.reveal(message_id):
            return False
        if session is not self.session:
            return False
        row = session.model.row_of(message_id)
        if row < 0:
            return False
        index = session.model.index(row)
        self._landing_pending = False
        self._land_on = QPersistentModelIndex(index)
        self._land_hint = QAbstractItemView.ScrollHint.PositionAtCenter
        self._anchor_from_bottom = None
        self._stick_to_bottom = False
        self._apply_landing()
        self._button_timer.start()
        return True

    def _on_rows_inserted(self, _parent: QModelIndex, first: int, last: int) -> None:
        self._update_empty()
        model = self.session.model if self.session else None
        if model is None:
            return
        # Later: finding the rows below lays the list out now, before the anchoring below.
        self._button_timer.start()
        if first == 0 and last < model.rowCount() - 1:
            # Older page on top: keep what the user looks at where it is.
            bar = self.list.verticalScrollBar()
            self._anchor_from_bottom = bar.maximum() - bar.value()
            return
        own = any(bool(model.index(r).data(Roles.Own)) for r in range(first, last + 1))
        if own or self._stick_to_bottom:
            self._land_on = None
            self._stick_to_bottom = True
            self._scroll_to_bottom_soon()

    def _scroll_to_bottom_soon(self) -> None:
        """Once per turn of the event loop: scrollToBottom() lays out every row at once, and
        a burst adds many rows in one turn (Qt's own layout is deferred the same way)."""
        if not self._scroll_pending:
            self._scroll_pending = True
            QTimer.singleShot(0, self._scroll_to_bottom_now)

    def _scroll_to_bottom_now(self) -> None:
        self._scroll_pending = False
        if self._stick_to_bottom:
            self.list.scrollToBottom()

    def _on_first_page(self) -> None:
        """Opened (and read back to the first unread message, if it could be found)."""
        if not self._landing_pending or self.session is None:
            return
        # The divider goes above the first unread message, now that it is known for sure.
        self.list.bubbles.unread_from = self.session.unread_from
        self.list.doItemsLayout()  # that row is taller now
        if self._try_landing():
            return
        # Not loaded: older than what was read (land on the oldest loaded), or deleted.
        self._landing_pending = False
        model = self.session.model
        oldest = model.oldest_confirmed_id() or ""
        if model.rowCount() and oldest > self.session.unread_from:
            self._land_on = QPersistentModelIndex(model.index(0))
            self._land_hint = QAbstractItemView.ScrollHint.PositionAtTop
            self._apply_landing()
        else:
            self.scroll_to_newest()

    def _on_range(self, _lo: int, hi: int) -> None:
        bar = self.list.verticalScrollBar()
        session = self.session
        if hi == 0 and session is not None and session.has_more and not session.loading:
            # The page does not fill the view, so no scrolling will ever ask for more.
            if session.model.rowCount() > 0:
                asyncio.ensure_future(session.load_older())
        if self._land_on is not None:
            self._apply_landing()  # the layout moved under the landing row: put it back
        elif self._anchor_from_bottom is not None:
            bar.setValue(hi - self._anchor_from_bottom)
            self._anchor_from_bottom = None
        elif self._stick_to_bottom:
            bar.setValue(hi)
        self._button_timer.start()

    def _on_scroll(self, value: int) -> None:
        if not self._programmatic:
            self._land_on = None  # the user scrolled: stop holding the landing row
        self._button_timer.start()
        if self._land_on is not None:
            return
        self._stick_to_bottom = self.list.is_at_bottom()
        session = self.session
        if session is not None and value <= LOAD_OLDER_AT_PX and session.has_more:
            if not session.loading and session.model.rowCount() > 0:
                asyncio.ensure_future(session.load_older())

    def rows_below(self) -> int:
        """How many messages are below the visible part of the chat."""
        model = self.session.model if self.session else None
        if model is None or model.rowCount() == 0:
            return 0
        vp = self.list.viewport()
        index = self.list.indexAt(QPoint(vp.width() // 2, vp.height() - 1))
        if not index.isValid():
            return 0
        return model.rowCount() - 1 - index.row()

    def _update_to_bottom(self) -> None:
        show = self.session is not None and self.list.isVisible() and not self.list.is_at_bottom()
        self.to_bottom.set_count(self.rows_below() if show else 0)
        if show:
            vp = self.list.viewport().geometry()
            self.to_bottom.move(vp.right() - self.to_bottom.width() - 14,
                                vp.bottom() - self.to_bottom.height() - 10)
            self.to_bottom.raise_()
        self.to_bottom.setVisible(show)

    def scroll_to_newest(self) -> None:
        self._land_on = None
        self._stick_to_bottom = True
        self.list.scrollToBottom()
        self._update_to_bottom()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_to_bottom()

    # sending -----------------------------------------------------------------------------
    def _update_send(self) -> None:
        self.send_button.setEnabled(self.input.can_send())
        editing = self.message_actions.editing()
        self.send_button.setText(self.tr("Save") if editing else self.tr("Send"))
        length = len(self.input.text())
        if length > MAX_LENGTH:
            self._show_notice(
                self.tr("A message can have at most {0} characters; this one has {1}.").format(
                    MAX_LENGTH, length
                )
            )
            self._too_long = True
        elif getattr(self, "_too_long", False):
            self._too_long = False
            self.notice.hide()

    def _send(self) -> None:
        if not self.input.can_send() or self.session is None:
            return
        text = self.input.text()
        if self.message_actions.submit(text):  # a reply or an edit
            self._stick_to_bottom = not self.message_actions.editing()
            self.sent.emit()
            return
        self.session.send(text)
        self.input.clear()
        self.sent.emit()
        self._stick_to_bottom = True

    # context menu ------------------------------------------------------------------------
    def _context_menu(self, index: QModelIndex, global_pos: QPoint) -> None:
        menu = self.message_menu(index)
        if menu is not None:
            self.menu = menu
            menu.popup(global_pos)

    def message_menu(self, index: QModelIndex) -> QMenu | None:
        """Reply, edit, forward, react, copy, retry, delete for me / for everyone
        (views/message_actions.py): by mouse or keyboard alike."""
        menu = self.message_actions.menu(index)
        if menu is not None and index.isValid():  # a picture or file: view, open, save
            self.attachments.add_menu_items(menu, index.data(Roles.Message))
        return menu

    def confirm_delete(self, msg: Message) -> QMessageBox:
        """Asks first (window-modal, without a nested event loop); Yes deletes."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            self.tr("Delete message"),
            self.tr("Delete this message for everyone in the chat?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda answer: answer == QMessageBox.StandardButton.Yes
                             and asyncio.ensure_future(self._delete(msg.id)))
        self.confirm = box
        box.open()
        return box

    async def _delete(self, message_id: str) -> None:
        if self.session is None:
            return
        try:
            await self.session.delete(message_id)
        except UserFacingError as exc:
            self._show_notice(self.tr("Could not delete the message: {0}").format(str(exc)))
