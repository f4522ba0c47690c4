"""The bar above the open chat's messages for searching in it (Ctrl+F): the words, "3 of 17",
previous (newer) and next (older), close. Enter goes to the next older match, Shift+Enter
to the newer one, Esc closes it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QToolButton, QWidget

from .text import plain_label

DEBOUNCE_MS = 150


class ChatSearchBar(QWidget):
    query_changed = Signal(str)  # after typing pauses
    older_requested = Signal()
    newer_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatSearch")
        self.field = QLineEdit()
        self.field.setObjectName("Search")
        self.field.setClearButtonEnabled(True)
        self.field.installEventFilter(self)
        self.count = plain_label("Muted")
        self.newer = QToolButton()
        self.newer.setText("▲")
        self.newer.clicked.connect(self.newer_requested)
        self.older = QToolButton()
        self.older.setText("▼")
        self.older.clicked.connect(self.older_requested)
        self.close_button = QToolButton()
        self.close_button.setText("✕")
        self.close_button.clicked.connect(self.close_requested)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(lambda: self.query_changed.emit(self.field.text()))
        self.field.textChanged.connect(lambda _t: self._timer.start())
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 12, 6)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.newer)
        layout.addWidget(self.older)
        layout.addWidget(self.close_button)
        self.retranslate()
        self.set_count(0, 0, "")

    def retranslate(self) -> None:
        self.field.setPlaceholderText(self.tr("Search in this chat"))
        self.newer.setToolTip(self.tr("Newer match (Shift+Enter)"))
        self.older.setToolTip(self.tr("Older match (Enter)"))
        self.close_button.setToolTip(self.tr("Close the search (Esc)"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_count(self, current: int, total: int, query: str, more: bool = False) -> None:
        """`current` is 1-based (0: none chosen)."""
        if not query.strip():
            self.count.setText("")
        elif total == 0:
            self.count.setText(self.tr("No results"))
        else:
            shown = f"{total}+" if more else str(total)
            self.count.setText(self.tr("{0} of {1}").format(current, shown))
        self.newer.setEnabled(current > 1)
        self.older.setEnabled(0 < current < total)

    def run_now(self) -> None:
        """Search without waiting for the typing pause (Enter on a changed query)."""
        if self._timer.isActive():
            self._timer.stop()
            self.query_changed.emit(self.field.text())

    def eventFilter(self, watched, event) -> bool:
        if watched is self.field and event.type() == QEvent.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self.run_now()
                elif event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                    self.newer_requested.emit()
                else:
                    self.older_requested.emit()
                return True
            if event.key() == Qt.Key.Key_Escape:
                self.close_requested.emit()
                return True
        return super().eventFilter(watched, event)
