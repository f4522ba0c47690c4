"""The round "to the newest" button over a chat, with how many messages are below."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QAbstractButton

SIZE = 40


class ScrollDownButton(QAbstractButton):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("ScrollDown")
        self.setFixedSize(SIZE + 8, SIZE + 12)  # room for the count above the circle
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.count = 0

    def set_count(self, count: int) -> None:
        if count != self.count:
            self.count = count
            self.setAccessibleName(self.tr("%n newer message(s) below", "", count))
            self.update()

    def sizeHint(self) -> QSize:
        return self.size()

    def paintEvent(self, _event) -> None:
        from .theme import Theme

        c = Theme.current()
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        circle = QRectF(4, 11, SIZE, SIZE).adjusted(0.5, 0.5, -0.5, -0.5)
        p.setPen(QColor(c.border))
        p.setBrush(QColor(c.surface))
        p.drawEllipse(circle)
        pen = QPen(QColor(c.muted), 2.2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        p.setPen(pen)
        mid = circle.center()
        p.drawPolyline([QPointF(mid.x() - 7, mid.y() - 3), QPointF(mid.x(), mid.y() + 4),
                        QPointF(mid.x() + 7, mid.y() - 3)])
        if self.count > 0:
            label = str(self.count) if self.count < 1000 else "999+"
            f = QFont(self.font())
            f.setBold(True)
            f.setPointSizeF(max(7.0, f.pointSizeF() * 0.8))
            w = max(20, QFontMetrics(f).horizontalAdvance(label) + 10)
            badge = QRectF(mid.x() - w / 2, 0, w, 18)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(c.badge))
            p.drawRoundedRect(badge, 9, 9)
            p.setFont(f)
            p.setPen(QColor(c.badge_text))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        p.end()
