"""A small grid of emoji in a popup: the composer's ☺ button inserts one at the cursor."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QGridLayout, QToolButton

# Reactions: one per person per message (docs/data-model.md: a string of 1-16 characters).
REACTIONS = ("👍", "❤️", "😂", "😮", "😢", "🙏")

EMOJI = (
    "😀", "😁", "😂", "🤣", "😊", "😍", "😘", "😎",
    "🤔", "😐", "🙄", "😴", "😮", "😢", "😭", "😡",
    "👍", "👎", "👏", "🙏", "💪", "👋", "🤝", "✌️",
    "❤️", "💔", "🔥", "⭐", "🎉", "✅", "❌", "❓",
    "☕", "🍕", "🎂", "🌞", "🌧️", "🚀", "💡", "📎",
)
COLUMNS = 8


class EmojiPicker(QFrame):
    picked = Signal(str)

    def __init__(self, parent=None, emoji: tuple[str, ...] = EMOJI) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("EmojiPicker")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 6, 6, 6)
        grid.setSpacing(2)
        self.buttons: list[QToolButton] = []
        for i, char in enumerate(emoji):
            button = QToolButton()
            button.setObjectName("Emoji")
            button.setText(char)
            button.setAutoRaise(True)
            button.setFixedSize(34, 34)
            font = button.font()
            font.setPointSizeF(font.pointSizeF() * 1.35)
            button.setFont(font)
            button.clicked.connect(lambda _=False, c=char: self._pick(c))
            grid.addWidget(button, i // COLUMNS, i % COLUMNS)
            self.buttons.append(button)

    def _pick(self, char: str) -> None:
        self.picked.emit(char)
        self.close()

    def popup_above(self, anchor_global: QPoint) -> None:
        """Show with its bottom-left corner at `anchor_global` (above the composer)."""
        self.adjustSize()
        self.move(anchor_global - QPoint(0, self.height()))
        self.show()
