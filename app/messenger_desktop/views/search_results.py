"""Messages found in all chats, under the people in the sidebar while its search box has
words: chat name, time, and a snippet with the words found in bold. Clicking one opens the
chat at that message. The results come from the local cache (what this device has
received), newest first."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from ..store.message_cache import Hit
from .search_marks import snippet_parts
from .text import list_time, plain_label
from .theme import Theme

DEBOUNCE_MS = 200
MAX_RESULTS = 100
ROW_HEIGHT = 52
_ROOT = QModelIndex()


class ResultsModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []
        self.titles: Callable[[str], str] = lambda chat_id: chat_id

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return "".join(t for t, _m in snippet_parts(hit.snippet))
        if role == Qt.ItemDataRole.UserRole:
            return hit
        return None

    def hit(self, row: int) -> Hit:
        return self._hits[row]

    def title(self, hit: Hit) -> str:
        return self.titles(hit.chat_id)

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()


class ResultDelegate(QStyledItemDelegate):
    def __init__(self, model: ResultsModel, parent=None) -> None:
        super().__init__(parent)
        self._model = model

    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        hit: Hit = index.data(Qt.ItemDataRole.UserRole)
        c = Theme.current()
        painter.save()
        rect = option.rect
        if option.state & (QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_MouseOver):
            bg = QColor(c.selection)
            if not option.state & QStyle.StateFlag.State_Selected:
                bg.setAlpha(120)
            painter.fillRect(rect, bg)
        if option.state & QStyle.StateFlag.State_HasFocus:
            painter.fillRect(QRect(rect.left(), rect.top() + 4, 3, rect.height() - 8),
                             QColor(c.accent))
        left, right = rect.left() + 14, rect.right() - 14
        bold = QFont(option.font)
        bold.setBold(True)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        when = list_time(hit.ts)
        painter.setFont(small)
        painter.setPen(QColor(c.muted))
        top_line = QRect(left, rect.top() + 6, right - left, 20)
        painter.drawText(top_line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         when)
        time_w = QFontMetrics(small).horizontalAdvance(when) + 10
        painter.setFont(bold)
        painter.setPen(QColor(c.text))
        title = QFontMetrics(bold).elidedText(self._model.title(hit),
                                              Qt.TextElideMode.ElideRight,
                                              right - left - time_w)
        painter.drawText(QRect(left, top_line.top(), right - left - time_w, 20),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        # The snippet: plain text, matched words in bold and the accent colour, cut with "…".
        x, y = left, rect.top() + 26
        limit = right
        for text, matched in snippet_parts(hit.snippet):
            font = bold if matched else option.font
            fm = QFontMetrics(font)
            painter.setFont(font)
            painter.setPen(QColor(c.accent if matched else c.muted))
            width = fm.horizontalAdvance(text)
            if x + width > limit:
                text = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(0, limit - x))
                painter.drawText(QRect(x, y, limit - x, 20),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                                 text)
                break
            painter.drawText(QRect(x, y, width + 1, 20),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, text)
            x += width
        painter.restore()


class MessageResults(QWidget):
    """The "Messages" part of the sidebar's search."""

    activated = Signal(str, str, str)  # chat id, message id, the words searched
    shown = Signal(bool)  # the part appeared or went (the sidebar gives it room)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.header = plain_label("SectionHeader")
        self.model = ResultsModel(self)
        self.list = QListView()
        self.list.setObjectName("ChatList")
        self.list.setModel(self.model)
        self.list.setItemDelegate(ResultDelegate(self.model, self.list))
        self.list.setMouseTracking(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.clicked.connect(self._activated)
        self.list.activated.connect(self._activated)
        self.empty = plain_label("Empty")
        self.empty.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.header)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.empty)
        self.header.setContentsMargins(14, 6, 14, 0)
        self.empty.setContentsMargins(14, 0, 14, 8)
        self.query = ""
        self._searcher: Callable[[str], Awaitable[list[Hit]]] | None = None
        self._task: asyncio.Future | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._run)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.header.setText(self.tr("Messages"))
        self.empty.setText(self.tr("No messages found on this device."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_searcher(self, searcher: Callable[[str], Awaitable[list[Hit]]] | None,
                     titles: Callable[[str], str] | None = None) -> None:
        """Signed in: how to search (the cache) and name a chat; None when signed out."""
        self._searcher = searcher
        if titles is not None:
            self.model.titles = titles
        self.set_query("")

    def set_query(self, text: str) -> None:
        self.query = text
        if not text.strip() or self._searcher is None:
            self._timer.stop()
            if self._task is not None:
                self._task.cancel()
            self.model.set_hits([])
            self.hide()
            self.shown.emit(False)
            return
        self._timer.start()

    def _run(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = asyncio.ensure_future(self._search(self.query))

    async def _search(self, query: str) -> None:
        if self._searcher is None:
            return
        hits = await self._searcher(query)
        if query != self.query:
            return
        self.model.set_hits(hits)
        self.list.setVisible(bool(hits))
        self.empty.setVisible(not hits)
        self.show()
        self.shown.emit(True)

    def _activated(self, index: QModelIndex) -> None:
        hit = index.data(Qt.ItemDataRole.UserRole)
        if isinstance(hit, Hit):
            self.activated.emit(hit.chat_id, hit.id, self.query)
