"""The message input: Enter sends, Shift+Enter adds a line, grows up to a few lines."""

from __future__ import annotations

from messenger_model.limits import MESSAGE_MAX_CHARS
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit

MAX_LENGTH = MESSAGE_MAX_CHARS  # the rules refuse longer texts
MAX_LINES = 6


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
        # Grow with the text up to six lines, then scroll.
        lines = max(1, int(self.document().size().height()))
        shown = min(MAX_LINES, lines)
        self.setVerticalScrollBarPolicy(
            Qt.ScrollBarPolicy.ScrollBarAsNeeded
            if lines > MAX_LINES
            else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
        )
        line_h = self.fontMetrics().lineSpacing()
        margin = int(self.document().documentMargin() * 2)
        self.setFixedHeight(shown * line_h + margin + 18)
