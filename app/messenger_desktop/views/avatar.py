"""Avatars: a coloured circle with initials, the colour fixed by the uid, the initials taken
from the display name (else the email's local part)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPainterPath, QPixmap

AVATAR_COLORS = ("#e57373", "#f06292", "#ba68c8", "#7986cb", "#4fc3f7", "#4db6ac", "#81c784",
                 "#ffb74d", "#a1887f", "#90a4ae")


def initials(title: str) -> str:
    """"Анна Петрова" -> "АП", "bob.smith@x" -> "BS", "alice" -> "AL", "(Zoë)" -> "Z"."""
    base = title.split("@")[0] if "@" in title and " " not in title.strip() else title
    words = [w for w in base.replace(".", " ").replace("_", " ").split() if w]
    letters = ["".join(ch for ch in w if ch.isalnum()) for w in words]
    letters = [w for w in letters if w]
    if not letters:
        return "?"
    if len(letters) == 1:
        return letters[0][:2].upper()
    return (letters[0][0] + letters[1][0]).upper()


def avatar_color(uid: str) -> QColor:
    digest = hashlib.md5(uid.encode(), usedforsecurity=False).digest()
    return QColor(AVATAR_COLORS[digest[0] % len(AVATAR_COLORS)])


# uid -> their picture, when they have one and it is loaded (the signed-in client installs
# it: attachments/avatars.py); None: initials only.
_pictures: Callable[[str], QImage | None] | None = None


def set_picture_source(source: Callable[[str], QImage | None] | None) -> None:
    global _pictures
    _pictures = source


def paint_avatar(painter: QPainter, rect: QRect, uid: str, title: str, font: QFont) -> None:
    picture = _pictures(uid) if _pictures is not None and uid else None
    if picture is not None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        clip = QPainterPath()
        clip.addEllipse(QRectF(rect))
        painter.setClipPath(clip)
        painter.drawImage(QRectF(rect), picture)
        painter.restore()
        return
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(avatar_color(uid))
    painter.drawEllipse(rect)
    f = QFont(font)
    f.setBold(True)
    f.setPixelSize(max(8, int(rect.height() * 0.36)))
    painter.setFont(f)
    painter.setPen(QColor("#ffffff"))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, initials(title))
    painter.restore()


def avatar_pixmap(uid: str, title: str, size: int, font: QFont) -> QPixmap:
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    paint_avatar(p, QRect(0, 0, size, size), uid, title, font)
    p.end()
    return pm
