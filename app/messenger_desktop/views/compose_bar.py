"""The strip above the composer while replying to or editing a message: what it is about
("Reply to анна" / "Edit message"), the message's first line, and × to cancel (Esc does too)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QVBoxLayout, QWidget

from .text import ElidedLabel


class ComposeBar(QWidget):
    cancelled = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ComposeBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.title = ElidedLabel("ComposeBarTitle")
        self.quote = ElidedLabel("ComposeBarText")  # plain text: what someone typed
        self.close_button = QToolButton()
        self.close_button.setObjectName("ComposeBarClose")
        self.close_button.setText("×")
        self.close_button.setAutoRaise(True)
        self.close_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.close_button.clicked.connect(self.cancelled)
        texts = QVBoxLayout()
        texts.setContentsMargins(0, 0, 0, 0)
        texts.setSpacing(0)
        texts.addWidget(self.title)
        texts.addWidget(self.quote)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(14, 6, 8, 6)
        layout.addLayout(texts, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignVCenter)
        self.hide()

    def show_for(self, title: str, text: str) -> None:
        self.title.setText(title)
        self.quote.setText(" ".join(text.split()))  # one line
        self.close_button.setToolTip(self.tr("Cancel (Esc)"))
        self.show()
