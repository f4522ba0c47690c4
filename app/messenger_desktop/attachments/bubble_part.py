"""The attachment part of a message bubble: a picture (its thumbnail) or a file row (icon,
name, size, Open and Save), with an upload's progress bar and its cancel / retry buttons.

The bubble delegate asks `size()` for the part's box (known from the message alone: a
picture's width and height travel with it, so rows never change height when the thumbnail
arrives), `paint()` to draw it and `hit()` for what a click at a point means. Pictures come
from the ImageCache (decoded off the GUI thread); until one is there a placeholder shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from messenger_model.attachments import Attachment
from PySide6.QtCore import QCoreApplication, QPoint, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen
from PySide6.QtWidgets import QApplication, QStyle

from .images import RADIUS, box_size
from .prepare import human_size

if TYPE_CHECKING:
    from ..models.messages import Message
    from ..views.theme import Colors
    from .images import ImageCache
    from .uploads import UploadQueue

translate = QCoreApplication.translate

FILE_W, FILE_H = 250, 52
ICON = 32
GAP = 6  # between the part and the caption below it
BAR_H = 5
BUTTON = 26  # the cancel / retry buttons of an upload


class AttachmentPart:
    def __init__(self) -> None:
        self.cache: ImageCache | None = None
        self.uploads: UploadQueue | None = None

    @staticmethod
    def shows_picture(att: Attachment) -> bool:
        return att.is_image and att.width > 0 and att.height > 0

    def size(self, att: Attachment) -> QSize:
        if self.shows_picture(att):
            return box_size(att.width, att.height)
        return QSize(FILE_W, FILE_H)

    def uploading(self, msg: Message) -> float | None:
        return self.uploads.fraction(msg.id) if self.uploads is not None else None

    def missing(self, att: Attachment) -> bool:
        return self.cache is not None and att.path in self.cache.missing

    # geometry -------------------------------------------------------------------------------
    def _file_links(self, rect: QRect, font: QFont) -> tuple[QRect, QRect]:
        fm = QFontMetrics(font)
        y = rect.top() + FILE_H // 2 + 2
        x = rect.left() + ICON + 10
        open_text, save_text = self.open_text(), self.save_text()
        open_rect = QRect(x, y, fm.horizontalAdvance(open_text) + 4, fm.height())
        save_rect = QRect(open_rect.right() + 12, y, fm.horizontalAdvance(save_text) + 4,
                          fm.height())
        return open_rect, save_rect

    @staticmethod
    def _button(rect: QRect) -> QRect:
        return QRect(rect.right() - BUTTON - 4, rect.top() + 4, BUTTON, BUTTON)

    @staticmethod
    def open_text() -> str:
        return translate("Attachments", "Open")

    @staticmethod
    def save_text() -> str:
        return translate("Attachments", "Save…")

    def hit(self, rect: QRect, msg: Message, pos: QPoint, font: QFont) -> str:
        """What a click at `pos` means: "cancel", "retry", "view", "open", "save" or ""."""
        att = msg.attachment
        if att is None or not rect.contains(pos):
            return ""
        if msg.pending and self.uploading(msg) is not None:
            if self._button(rect).contains(pos):
                return "cancel"
            return "retry" if msg.failed else ""
        if msg.pending:
            return ""
        if self.shows_picture(att):
            return "view"
        open_rect, save_rect = self._file_links(rect, self._small(font))
        if open_rect.adjusted(-4, -4, 4, 4).contains(pos):
            return "open"
        if save_rect.adjusted(-4, -4, 4, 4).contains(pos):
            return "save"
        return ""

    @staticmethod
    def _small(font: QFont) -> QFont:
        small = QFont(font)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        return small

    # painting -------------------------------------------------------------------------------
    def paint(self, painter: QPainter, rect: QRect, msg: Message, own: bool, c: Colors,
              font: QFont) -> None:
        att = msg.attachment
        if att is None:
            return
        painter.save()
        text_color = QColor(c.own_text if own else c.other_text)
        muted = QColor(text_color)
        muted.setAlpha(170)
        if self.shows_picture(att):
            self._paint_picture(painter, rect, att, c, font, muted)
        else:
            self._paint_file(painter, rect, msg, att, own, c, font, text_color, muted)
        fraction = self.uploading(msg)
        if msg.pending and fraction is not None:
            self._paint_upload(painter, rect, msg, fraction, c, font)
        painter.restore()

    def _paint_picture(self, painter: QPainter, rect: QRect, att: Attachment, c: Colors,
                       font: QFont, muted: QColor) -> None:
        image = self.cache.thumbnail(att) if self.cache is not None else None
        if image is not None:
            if image.size() == rect.size():  # decoded at this size, corners rounded: a copy
                painter.drawImage(rect.topLeft(), image)
            else:
                painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
                painter.drawImage(QRectF(rect), image)
            return
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(c.selection))
        painter.drawRoundedRect(QRectF(rect), RADIUS, RADIUS)
        painter.setPen(QColor(c.error) if self.missing(att) else muted)
        painter.setFont(self._small(font))
        if self.missing(att):
            label = translate("Attachments", "File no longer available")
        elif self.cache is not None and self.cache.failed(att.path):
            label = f"{att.name}\n{human_size(att.size)}"
        else:
            label = translate("Attachments", "Loading picture…")
        painter.drawText(rect.adjusted(8, 8, -8, -8),
                         Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, label)

    def _paint_file(self, painter: QPainter, rect: QRect, msg: Message, att: Attachment,
                    own: bool, c: Colors, font: QFont, text_color: QColor,
                    muted: QColor) -> None:
        style = QApplication.style()
        icon = style.standardIcon(QStyle.StandardPixmap.SP_FileIcon)
        icon.paint(painter, QRect(rect.left(), rect.top() + (FILE_H - ICON) // 2, ICON, ICON))
        x = rect.left() + ICON + 10
        bold = QFont(font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        name = QFontMetrics(bold).elidedText(att.name, Qt.TextElideMode.ElideMiddle,
                                              rect.right() - x - (BUTTON + 6 if msg.pending
                                                                   else 0))
        painter.drawText(QRect(x, rect.top() + 2, rect.right() - x, FILE_H // 2),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        small = self._small(font)
        painter.setFont(small)
        if self.missing(att):
            painter.setPen(QColor(c.error))
            painter.drawText(QRect(x, rect.top() + FILE_H // 2 + 2, rect.right() - x, 20),
                             Qt.AlignmentFlag.AlignLeft,
                             translate("Attachments", "File no longer available"))
            return
        if msg.pending:
            painter.setPen(muted)
            painter.drawText(QRect(x, rect.top() + FILE_H // 2 + 2, rect.right() - x, 20),
                             Qt.AlignmentFlag.AlignLeft, human_size(att.size))
            return
        open_rect, save_rect = self._file_links(rect, small)
        link = QColor(c.own_link if own else c.link)
        painter.setPen(link)
        painter.drawText(open_rect, Qt.AlignmentFlag.AlignLeft, self.open_text())
        painter.drawText(save_rect, Qt.AlignmentFlag.AlignLeft, self.save_text())
        painter.setPen(muted)
        painter.drawText(QRect(save_rect.right() + 12, save_rect.top(),
                               max(0, rect.right() - save_rect.right() - 12), save_rect.height()),
                         Qt.AlignmentFlag.AlignLeft, human_size(att.size))

    def _paint_upload(self, painter: QPainter, rect: QRect, msg: Message, fraction: float,
                      c: Colors, font: QFont) -> None:
        bar = QRect(rect.left() + 6, rect.bottom() - BAR_H - 4, rect.width() - 12, BAR_H)
        painter.setPen(Qt.PenStyle.NoPen)
        back = QColor(c.border)
        back.setAlpha(220)
        painter.setBrush(back)
        painter.drawRoundedRect(QRectF(bar), 2, 2)
        done = QRect(bar.left(), bar.top(), int(bar.width() * fraction), BAR_H)
        painter.setBrush(QColor(c.error if msg.failed else c.accent))
        if done.width() > 0:
            painter.drawRoundedRect(QRectF(done), 2, 2)
        button = self._button(rect)
        painter.setBrush(QColor(0, 0, 0, 140))
        painter.drawEllipse(button)
        painter.setPen(QPen(QColor("#ffffff"), 2))
        m = 8
        painter.drawLine(button.left() + m, button.top() + m, button.right() - m,
                         button.bottom() - m)
        painter.drawLine(button.right() - m, button.top() + m, button.left() + m,
                         button.bottom() - m)
        if msg.failed:
            painter.setFont(self._small(font))
            painter.setPen(QColor(c.error))
            painter.drawText(QRect(rect.left() + 6, bar.top() - 20, rect.width() - 12, 18),
                             Qt.AlignmentFlag.AlignLeft,
                             translate("Attachments", "Upload failed · click to retry"))
