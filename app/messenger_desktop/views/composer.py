"""The message input: Enter sends, Shift+Enter adds a line, grows up to a few lines."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit

MAX_LENGTH = 4000  # the rules refuse longer texts


class Composer(QPlainTextEdit):
    send_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ComposerInput")
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.send_requested.emit()
            return
        super().keyPressEvent(event)

    def text(self) -> str:
        return self.toPlainText()

    def can_send(self) -> bool:
        text = self.toPlainText()
        return bool(text.strip()) and len(text) <= MAX_LENGTH

    def _fit(self) -> None:
        lines = max(1, min(6, int(self.document().size().height())))
        line_h = self.fontMetrics().lineSpacing()
        self.setFixedHeight(lines * line_h + 18)
