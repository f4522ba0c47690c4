"""The message input: Enter sends, Shift+Enter adds a line, grows up to a few lines; Up in an
empty input asks to edit my last message, Esc leaves replying or editing."""

from __future__ import annotations

from collections.abc import Callable

from messenger_model.limits import MESSAGE_MAX_CHARS
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit

MAX_LENGTH = MESSAGE_MAX_CHARS  # the rules refuse longer texts
MAX_LINES = 6


class Composer(QPlainTextEdit):
    send_requested = Signal()
    edit_last_requested = Signal()  # Up in an empty input
    cancel_requested = Signal()  # Esc while `escape_takes()` (replying or editing)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ComposerInput")
        # Whether Esc is the composer's (leave a reply or an edit) rather than the window's.
        self.escape_takes: Callable[[], bool] = lambda: False
        self.setTabChangesFocus(True)
        self.document().contentsChanged.connect(self._fit)
        self._fit()

    def event(self, event: QEvent) -> bool:
        # Esc is also the window's shortcut (clear the search, close the chat): while a reply
        # or an edit is open, the composer keeps it (an accepted override beats shortcuts).
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_Escape and self.escape_takes()):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.escape_takes():
            self.cancel_requested.emit()
            return
        if (event.key() == Qt.Key.Key_Up and not self.toPlainText()
                and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier):
            self.edit_last_requested.emit()
            return
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
