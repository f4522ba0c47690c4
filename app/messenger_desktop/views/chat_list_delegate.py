"""Paints a chat list row: avatar with initials and online dot, name, presence or preview,
time of last activity and an unread badge."""

from __future__ import annotations

from messenger_model.unread import unread_label
from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from ..models.chat_list import Roles
from .avatar import paint_avatar
from .text import list_time
from .theme import Theme

LEFT_MID = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT_MID = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter

ROW_HEIGHT = 64
AVATAR = 42
class ChatListDelegate(QStyledItemDelegate):
    def sizeHint(self, option: QStyleOptionViewItem,
                 index: QModelIndex | QPersistentModelIndex) -> QSize:
        return QSize(200, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        c = Theme.current()
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = option.rect
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hovered = bool(option.state & QStyle.StateFlag.State_MouseOver)
        if selected or hovered:
            bg = QColor(c.selection)
            if not selected:
                bg.setAlpha(120)
            painter.fillRect(rect, bg)
        if option.state & QStyle.StateFlag.State_HasFocus:
            # Keyboard focus: an accent bar on the current row, visible on any background.
            painter.fillRect(QRect(rect.left(), rect.top() + 4, 3, rect.height() - 8),
                             QColor(c.accent))

        title = str(index.data(Roles.Name) or "")
        uid = str(index.data(Roles.Uid) or "")
        # avatar
        av = QRect(rect.left() + 12, rect.top() + (ROW_HEIGHT - AVATAR) // 2, AVATAR, AVATAR)
        paint_avatar(painter, av, uid, title, option.font)
        if index.data(Roles.Online):
            dot = QRect(av.right() - 11, av.bottom() - 11, 13, 13)
            painter.setBrush(QColor(c.online))
            painter.setPen(QColor(c.sidebar))
            painter.drawEllipse(dot)

        left = av.right() + 12
        right = rect.right() - 12
        # time + badge on the right
        updated = float(index.data(Roles.LastTs) or 0)  # the last message's time
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.85))
        when = list_time(updated)
        fm_small = QFontMetrics(small)
        time_w = fm_small.horizontalAdvance(when) if when else 0
        painter.setFont(small)
        painter.setPen(QColor(c.muted))
        top_line = QRect(left, rect.top() + 12, right - left, 20)
        if when:
            painter.drawText(top_line, RIGHT_MID, when)
        unread = int(index.data(Roles.Unread) or 0)
        badge_w = 0
        if unread > 0:
            label = unread_label(unread)
            fb = QFont(small)
            fb.setBold(True)
            badge_w = max(20, QFontMetrics(fb).horizontalAdvance(label) + 12)
            badge = QRect(right - badge_w, rect.top() + 34, badge_w, 20)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(c.muted if index.data(Roles.Muted) else c.badge))
            painter.drawRoundedRect(badge, 10, 10)
            painter.setFont(fb)
            painter.setPen(QColor(c.badge_text))
            painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)

        # name, then (when not online) "last seen ..." in small muted type
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.Bold if unread > 0 else QFont.Weight.DemiBold)
        painter.setFont(name_font)
        painter.setPen(QColor(c.text))
        avail = right - left - time_w - 8
        fm_name = QFontMetrics(name_font)
        name = fm_name.elidedText(title, Qt.TextElideMode.ElideRight, avail)
        name_rect = QRect(left, rect.top() + 12, avail, 20)
        painter.drawText(name_rect, LEFT_MID, name)
        presence = str(index.data(Roles.PresenceText) or "")
        used = fm_name.horizontalAdvance(name) + 8
        preview = str(index.data(Roles.Preview) or "")
        # With a preview on the second line, "last seen" goes next to the name; without one,
        # the second line shows it.
        if preview and presence and not index.data(Roles.Online) and avail - used > 40:
            painter.setFont(small)
            painter.setPen(QColor(c.muted))
            pres_rect = QRect(left + used, rect.top() + 12, avail - used, 20)
            painter.drawText(
                pres_rect, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                fm_small.elidedText(presence, Qt.TextElideMode.ElideRight, pres_rect.width()),
            )
        # second line: last message preview, else presence
        if preview:
            if index.data(Roles.PreviewOwn):
                preview = self.tr("You: ") + preview
            line = preview
        else:
            line = presence
        draft = " ".join(str(index.data(Roles.Draft) or "").split())
        line_font = QFont(option.font)
        # a group event ("анна added борис") in italics: an event, not something said
        line_font.setItalic(bool(preview and not draft and index.data(Roles.PreviewSystem)))
        painter.setFont(line_font)
        painter.setPen(QColor(c.online if (not preview and index.data(Roles.Online)) else c.muted))
        sub = QRect(left, rect.top() + 34, right - left - badge_w - (8 if badge_w else 0), 20)
        if draft:  # unsent text waits in this chat: say so instead of the last message
            label = self.tr("Draft: ")
            painter.setPen(QColor(c.error))
            painter.drawText(sub, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             label)
            used = QFontMetrics(option.font).horizontalAdvance(label)
            sub = sub.adjusted(used, 0, 0, 0)
            painter.setPen(QColor(c.muted))
            line = draft
        painter.drawText(
            sub, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            QFontMetrics(line_font).elidedText(line, Qt.TextElideMode.ElideRight, sub.width()),
        )
        painter.restore()
