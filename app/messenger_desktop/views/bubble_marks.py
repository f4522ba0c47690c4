"""What group chats and read receipts add to the bubbles (views/bubble_delegate.py calls it).

- my messages: a clock while pending, ✓ when on the server, ✓✓ when read (one-to-one: by the
  other person; groups: by anyone, with "read by N" and the names on hover), drawn as lines,
  not glyphs, so they look the same in every font;
- groups: the sender's name (in their avatar colour) atop the first bubble of a run, their
  avatar beside it, and system messages ("анна added борис") as a centred line, no bubble.

The delegate gets a `BubbleContext` (the open chat's ChatLive) from the chat view; without one
it paints as it always did.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QCoreApplication, QPointF, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPainterPath, QPen

from ..models.messages import Message, MessageListModel
from ..models.plurals import plurals
from ..models.receipts import FAILED, PENDING, READ, Mark
from .avatar import avatar_color, paint_avatar
from .bubble_parts import starts_run as parts_starts_run
from .theme import Theme

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

MARK_W = 18  # room for ✓✓ after the time
NAME_H = 18  # the sender's name line atop a group bubble
AVATAR = 28
GUTTER = AVATAR + 8  # others' bubbles in a group move right by this much
SYSTEM_H = 30


class BubbleContext(Protocol):
    is_group: bool

    def mark(self, msg: Message) -> Mark | None: ...

    def name_of(self, uid: str) -> str: ...

    def system_text(self, msg: Message) -> str: ...


def mark_text(mark: Mark | None, is_group: bool) -> str:
    """Words before the time: "read by 3" in a group (one-to-one chats have only ✓✓)."""
    if mark is None or mark.state != READ or not is_group:
        return ""
    return plurals().read_by(len(mark.readers))


def readers_tooltip(mark: Mark | None, context: BubbleContext) -> str:
    if mark is None or mark.state != READ:
        return ""
    names = ", ".join(context.name_of(u) for u in mark.readers)
    return translate("Receipts", "Read by: {0}").format(names)


def starts_run(model: MessageListModel, row: int) -> bool:
    """The first of a sender's consecutive messages (bubble_parts.starts_run: within 5
    minutes, same day, no system line between)."""
    return parts_starts_run(model.message(row - 1) if row > 0 else None, model.message(row))


def paint_mark(painter: QPainter, rect: QRect, mark: Mark | None, color: QColor) -> None:
    """The clock, ✓ or ✓✓ in `rect` (MARK_W wide, right-aligned)."""
    if mark is None or mark.state == FAILED:
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(color, 1.4)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.setBrush(Qt.BrushStyle.NoBrush)
    cy = rect.center().y() + 0.5
    right = rect.right() - 1.0
    if mark.state == PENDING:
        c = QPointF(right - 5.0, cy)
        painter.drawEllipse(c, 4.5, 4.5)
        painter.drawLine(c, QPointF(c.x(), c.y() - 3.0))
        painter.drawLine(c, QPointF(c.x() + 2.2, c.y()))
    else:
        path = QPainterPath()
        for dx in ((0.0, 4.5) if mark.state == READ else (0.0,)):
            x = right - 9.5 - (4.5 - dx if mark.state == READ else 0.0)
            path.moveTo(x, cy)
            path.lineTo(x + 3.0, cy + 3.0)
            path.lineTo(x + 9.0, cy - 3.5)
        painter.drawPath(path)
    painter.restore()


def paint_sender(painter: QPainter, bubble: QRect, uid: str, name: str, font: QFont,
                 pad_x: int, pad_y: int) -> None:
    """The sender's name atop the bubble, and their avatar to its left."""
    painter.save()
    bold = QFont(font)
    bold.setBold(True)
    bold.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    painter.setFont(bold)
    color = avatar_color(uid)  # the sender's colour, readable on either theme's bubble
    painter.setPen(color.lighter(125) if Theme.current().name == "dark" else color.darker(125))
    line = QRect(bubble.left() + pad_x, bubble.top() + pad_y - 2,
                 bubble.width() - 2 * pad_x, NAME_H)
    painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                     QFontMetrics(bold).elidedText(name, Qt.TextElideMode.ElideRight,
                                                   line.width()))
    painter.restore()
    paint_avatar(painter, QRect(bubble.left() - GUTTER, bubble.top(), AVATAR, AVATAR),
                 uid, name, font)


def paint_system(painter: QPainter, rect: QRect, text: str, font: QFont, fill: str,
                 border: str, color: str) -> None:
    """A system message: a centred pill of small muted text."""
    small = QFont(font)
    small.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
    fm = QFontMetrics(small)
    w = min(rect.width() - 40, fm.horizontalAdvance(text) + 24)
    pill = QRect(rect.center().x() - w // 2, rect.top() + 4, w, SYSTEM_H - 8)
    painter.save()
    painter.setFont(small)
    painter.setPen(QColor(border))
    painter.setBrush(QColor(fill))
    painter.drawRoundedRect(QRectF(pill).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
    painter.setPen(QColor(color))
    painter.drawText(pill, Qt.AlignmentFlag.AlignCenter,
                     fm.elidedText(text, Qt.TextElideMode.ElideMiddle, pill.width() - 16))
    painter.restore()
