"""Who read my message in a group, on a click on its "read by N": a small popup listing the
readers by name with the time each read it, when that is known.

A receipt (`receipts/{chatId}/{uid}`) is its owner's latest mark-read time, so it says when a
message was read only if the app saw the receipt move past it (models/receipts.py,
`ReceiptBook.read_time`); otherwise the name stands alone. Names are other people's text:
plain labels, never markup.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFrame, QVBoxLayout, QWidget

from .text import clock_time, plain_label


class ReadersPopup(QFrame):
    """A popup (closes on a click elsewhere or Esc) with one line per reader."""

    def __init__(self, readers: list[tuple[str, float | None]], parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("ReadersPopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        self.title = plain_label("Muted", self.tr("Read by"))
        layout.addWidget(self.title)
        self.lines = []
        for name, when in readers:
            text = (self.tr("{0} · read {1}").format(name, clock_time(when))
                    if when else name)
            line = plain_label("", text)
            self.lines.append(line)
            layout.addWidget(line)

    def texts(self) -> list[str]:
        return [line.text() for line in self.lines]

    def show_at(self, where: QPoint) -> None:
        self.adjustSize()
        self.move(where)
        self.show()
