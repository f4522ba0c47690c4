"""Paints messages as bubbles: own on the right, wrapped text with links, time, pending state,
a date separator above the first message of each day, and the "Unread messages" divider.

Only visible rows are painted, and laid-out documents are cached per (message, width) in a
small LRU, so paint time and memory do not grow with the chat's history. Bubble sizes are
cached apart from the documents (a few numbers each): QListView lays out every row again
whenever one is added, and with a few thousand rows loaded a document per row for that made
each new message cost seconds.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace
from typing import cast

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QPointF,
    QRect,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPen,
    QTextDocument,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QToolTip

from ..attachments.bubble_part import GAP, AttachmentPart
from ..models.messages import Message, MessageListModel, Roles
from . import bubble_marks as marks
from .bubble_parts import BubbleParts, Chip, PartsLayout, starts_run
from .search_marks import mark_matches
from .text import clock_time, day_label, full_time, plain_tooltip, same_day, to_html
from .theme import Theme

PAD_X, PAD_Y = 12, 8
MARGIN_X, MARGIN_Y = 14, 3
MAX_FRACTION = 0.72
META_H = 16
CACHE_SIZE = 400
SIZE_CACHE_SIZE = 50_000  # bubble sizes: ~100 bytes each; emptied when full
HEADER_H = 34  # a date separator or the unread divider above a row
RUN_GAP = 6  # above the first of a sender's consecutive messages (views/bubble_parts.py)

# What Qt passes to a delegate (PySide6's signatures say either).
Index = QModelIndex | QPersistentModelIndex


class BubbleDelegate(QStyledItemDelegate):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._docs: OrderedDict[tuple, QTextDocument] = OrderedDict()
        self._sizes: dict[tuple, tuple[int, int, PartsLayout]] = {}
        self._heights: dict[tuple, int] = {}  # sizeHint's: see there
        # Set by the view on resize: asking the view for its viewport in every sizeHint()
        # call costs more than laying out the text.
        self.view_width = 600
        # The id of the first unread message when the chat was opened: the divider goes above.
        self.unread_from = ""
        # The open chat's receipts, names and group-ness (its ChatLive); None: a plain chat.
        self.context: marks.BubbleContext | None = None
        # Search in the chat (views/chat_search.py): the words found, and the current match.
        self.highlight: re.Pattern[str] | None = None
        self.current_hit = ""
        # Forwarded line, reply quote, "Show more", reactions (views/bubble_parts.py).
        self.parts = BubbleParts()
        self.attachments = AttachmentPart()  # pictures and files (issue 17); the view wires it

    def clear_cache(self) -> None:
        self._docs.clear()
        self._sizes.clear()
        self._heights.clear()

    def _doc(self, msg: Message, own: bool, width: int, font: QFont) -> QTextDocument:
        c = Theme.current()
        hit = self.highlight.pattern if self.highlight is not None else ""
        key = (msg.id, msg.text, own, width, c.name, font.toString(), hit,
               msg.id == self.current_hit)
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
            return doc
        doc = QTextDocument()
        doc.setDefaultFont(font)
        doc.setDocumentMargin(0)
        color = c.own_text if own else c.other_text
        doc.setDefaultStyleSheet(f"body {{ color: {color}; }}")
        doc.setHtml(f"<body>{to_html(msg.text, c.own_link if own else c.link)}</body>")
        if self.highlight is not None:
            mark_matches(doc, self.highlight, msg.id == self.current_hit)
        doc.setTextWidth(width)
        ideal = min(width, int(doc.idealWidth()) + 1)
        doc.setTextWidth(max(ideal, 1))
        self._docs[key] = doc
        if len(self._docs) > CACHE_SIZE:
            self._docs.popitem(last=False)
        return doc

    def _max_text_width(self, view_width: int) -> int:
        return max(80, int(view_width * MAX_FRACTION) - 2 * PAD_X)

    def _mark(self, msg: Message) -> marks.Mark | None:
        return self.context.mark(msg) if self.context is not None else None

    def _meta(self, msg: Message) -> str:
        if msg.failed:
            return self.tr("Not sent · right-click to retry")
        if msg.pending:
            return self.tr("sending…")
        if msg.edited_at:
            base = self.tr("edited {0}").format(clock_time(msg.ts))
        else:
            base = clock_time(msg.ts)
        ctx = self.context
        read = marks.mark_text(self._mark(msg), ctx.is_group) if ctx is not None else ""
        return f"{read} · {base}" if read else base

    def _named(self, model: MessageListModel, row: int, msg: Message, own: bool) -> bool:
        """A group bubble that starts with its sender's name."""
        return (self.context is not None and self.context.is_group and not own
                and marks.starts_run(model, row))

    def _bubble_size(self, msg: Message, own: bool, width: int, font: QFont,
                     named: bool = False) -> tuple[int, int, PartsLayout]:
        meta = self._meta(msg)
        mark = self._mark(msg)
        key = (msg.id, msg.text, meta, own, width, font.toString(), mark, named,
               self.parts.key(msg))
        size = self._sizes.get(key)
        if size is None:
            max_w = self._max_text_width(width)
            doc = self._doc(msg, own, max_w, font)
            small = QFont(font)
            small.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
            meta_w = QFontMetrics(small).horizontalAdvance(meta)
            if mark is not None:
                meta_w += marks.MARK_W + 4
            parts = self.parts.layout(msg, int(doc.size().width()), int(doc.size().height()),
                                      QFontMetrics(font).lineSpacing(), max_w, font)
            if msg.attachment is not None:  # the picture or file above its caption, if any
                part = self.attachments.size(msg.attachment)
                parts = replace(parts, att_h=part.height() + (GAP if msg.text else 0),
                                text_h=parts.text_h if msg.text else 0,
                                min_w=max(parts.min_w, part.width()))
            size = (int(max(doc.size().width(), meta_w, parts.min_w)) + 2 * PAD_X,
                    parts.top + parts.text_h + parts.bottom + META_H + 2 * PAD_Y
                    + (marks.NAME_H if named else 0), parts)
            if len(self._sizes) >= SIZE_CACHE_SIZE:
                self._sizes.clear()
            self._sizes[key] = size
        return size

    def bubble_rect(self, option_rect: QRect, msg: Message, own: bool, font: QFont,
                    named: bool = False) -> QRect:
        if msg.system is not None:
            return QRect()  # a centred line, not a bubble: nothing to select or hover
        w, h, _parts = self._bubble_size(msg, own, option_rect.width(), font, named)
        if own:
            x = option_rect.right() - MARGIN_X - w
        else:
            x = option_rect.left() + MARGIN_X
            if self.context is not None and self.context.is_group:
                x += marks.GUTTER  # room for the sender's avatar
        return QRect(x, option_rect.top() + MARGIN_Y, w, h)

    # headers ------------------------------------------------------------------------------
    def headers(self, index: Index) -> tuple[str, str]:
        """(date separator, unread divider) above this row; "" where there is none. The date
        shows above the first message of each day; the divider above the first unread one."""
        msg: Message = index.data(Roles.Message)
        date = ""
        if msg.ts > 0:
            row = index.row()
            prev = index.sibling(row - 1, index.column()) if row > 0 else QModelIndex()
            prev_ts = float(prev.data(Roles.Timestamp) or 0) if prev.isValid() else 0.0
            if prev_ts <= 0 or not same_day(prev_ts, msg.ts):
                date = day_label(msg.ts)
        unread = self.tr("Unread messages") if msg.id == self.unread_from else ""
        return date, unread

    def header_height(self, index: Index) -> int:
        row = index.row()
        model = cast(MessageListModel, index.model())
        gap = RUN_GAP if row > 0 and starts_run(model.message(row - 1),
                                                model.message(row)) else 0
        return sum(HEADER_H for h in self.headers(index) if h) + gap

    def _row_named(self, index: Index) -> bool:
        model = cast(MessageListModel, index.model())
        msg: Message = model.message(index.row())
        return self._named(model, index.row(), msg, msg.sender == model.my_uid)

    def parts_at(self, option_rect: QRect, index: Index, font: QFont) -> PartsLayout:
        """The layout of this row's quote, "Show more" and reactions (views/bubble_parts.py)."""
        msg: Message = index.data(Roles.Message)
        return self._bubble_size(msg, bool(index.data(Roles.Own)), option_rect.width(),
                                 font, self._row_named(index))[2]

    def _content_top(self, bubble: QRect, index: Index) -> int:
        """Where a bubble's content starts: below a group sender's name."""
        return bubble.top() + PAD_Y + (marks.NAME_H if self._row_named(index) else 0)

    def part_rect(self, option_rect: QRect, index: Index, font: QFont) -> QRect:
        """Where the message's picture or file is drawn (empty without one)."""
        msg: Message = index.data(Roles.Message)
        if msg.attachment is None or msg.system is not None:
            return QRect()
        bubble = self.bubble_at(option_rect, index, font)
        parts = self.parts_at(option_rect, index, font)
        top = self._content_top(bubble, index) + parts.top - parts.att_h
        return QRect(QPoint(bubble.left() + PAD_X, top), self.attachments.size(msg.attachment))

    def text_rect(self, option_rect: QRect, index: Index, font: QFont) -> QRect:
        """Where the message's text is drawn (as shown: a long one collapsed)."""
        bubble = self.bubble_at(option_rect, index, font)
        parts = self.parts_at(option_rect, index, font)
        return QRect(bubble.left() + PAD_X, self._content_top(bubble, index) + parts.top,
                     bubble.width() - 2 * PAD_X, parts.text_h)

    def hit_at(self, option_rect: QRect, index: Index, pos, font: QFont
               ) -> tuple[str, str, Chip | None]:
        """What a click at `pos` means: ("quote", original id), ("more", message id),
        ("reaction", emoji, its chip), ("link", url), ("readers", message id), or ("", "")."""
        msg: Message = index.data(Roles.Message)
        bubble = self.bubble_at(option_rect, index, font)
        if not bubble.contains(pos):
            return "", "", None
        parts = self.parts_at(option_rect, index, font)
        left, width = bubble.left() + PAD_X, bubble.width() - 2 * PAD_X
        top = self._content_top(bubble, index)
        text_top = top + parts.top
        if self.parts.quote_rect(parts, left, top, width).contains(pos):
            return "quote", msg.reply_to, None
        if self.parts.more_rect(parts, left, text_top, width).contains(pos):
            return "more", msg.id, None
        for chip, rect in self.parts.chip_rects(parts, left, text_top):
            if rect.contains(pos):
                return "reaction", chip.emoji, chip
        anchor = self.anchor_at(option_rect, index, pos, font)
        if not anchor and pos.y() >= bubble.bottom() - PAD_Y - META_H and self.context \
                is not None and marks.mark_text(self._mark(msg), self.context.is_group):
            return "readers", msg.id, None  # "read by N": who (views/readers_popup.py)
        return ("link", anchor, None) if anchor else ("", "", None)

    def bubble_at(self, option_rect: QRect, index: Index, font: QFont) -> QRect:
        """The bubble of this row, below its headers."""
        msg: Message = index.data(Roles.Message)
        own = bool(index.data(Roles.Own))
        area = option_rect.adjusted(0, self.header_height(index), 0, 0)
        model = cast(MessageListModel, index.model())
        return self.bubble_rect(area, msg, own, font, self._named(model, index.row(), msg, own))

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        # Called for every loaded row whenever one is added, so the cached path reads the
        # model's Message objects directly (each index.data() call through Qt costs more than
        # the rest). A row's height depends on its message, whether the previous one is from
        # the same day (date separator), the unread divider and the width; the font is the
        # view's, and the view empties the caches when it changes.
        width = option.rect.width() or self.view_width
        # The view's model (ChatView sets it); cast, not isinstance: this runs for every row.
        model = cast(MessageListModel, index.model())
        row = index.row()
        msg: Message = model.message(row)
        prev = model.message(row - 1) if row > 0 else None
        prev_ts = prev.ts if prev is not None else 0.0
        own = msg.sender == model.my_uid
        named = self._named(model, row, msg, own)
        key = (msg, prev_ts, prev.sender if prev is not None else "", width,
               msg.id == self.unread_from, named, self.parts.key(msg))
        height = self._heights.get(key)
        if height is None:
            if msg.system is not None:
                height = marks.SYSTEM_H + self.header_height(index)
            else:
                bubble = self.bubble_rect(QRect(0, 0, width, 0), msg, own, option.font, named)
                height = bubble.height() + 2 * MARGIN_Y + self.header_height(index)
            if len(self._heights) >= SIZE_CACHE_SIZE:
                self._heights.clear()
            self._heights[key] = height
        return QSize(width, height)

    def _paint_headers(self, painter: QPainter, option: QStyleOptionViewItem,
                       index: Index) -> None:
        c = Theme.current()
        top = option.rect.top()
        date, unread = self.headers(index)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.9))
        fm = QFontMetrics(small)
        painter.setFont(small)
        if date:
            w = fm.horizontalAdvance(date) + 24
            pill = QRect(option.rect.center().x() - w // 2, top + 7, w, HEADER_H - 12)
            painter.setPen(QColor(c.border))
            painter.setBrush(QColor(c.sidebar))
            painter.drawRoundedRect(QRectF(pill).adjusted(0.5, 0.5, -0.5, -0.5), 10, 10)
            painter.setPen(QColor(c.muted))
            painter.drawText(pill, Qt.AlignmentFlag.AlignCenter, date)
            top += HEADER_H
        if unread:
            band = QRect(option.rect.left(), top + 6, option.rect.width(), HEADER_H - 12)
            painter.fillRect(band, QColor(c.selection))
            painter.setPen(QColor(c.accent))
            bold = QFont(small)
            bold.setBold(True)
            painter.setFont(bold)
            painter.drawText(band, Qt.AlignmentFlag.AlignCenter, unread)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        msg: Message = index.data(Roles.Message)
        own = bool(index.data(Roles.Own))
        c = Theme.current()
        bubble = self.bubble_at(option.rect, index, option.font)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_headers(painter, option, index)
        ctx = self.context
        if msg.system is not None:
            line = option.rect.adjusted(0, self.header_height(index), 0, 0)
            text = ctx.system_text(msg) if ctx is not None else msg.text
            marks.paint_system(painter, line, text, option.font, c.sidebar, c.border, c.muted)
            painter.restore()
            return
        named = bubble.height() > 0 and self._named(
            cast(MessageListModel, index.model()), index.row(), msg, own)
        fill = QColor(c.own_bubble if own else c.other_bubble)
        if msg.pending:
            fill.setAlpha(170)
        painter.setPen(Qt.PenStyle.NoPen if own else QColor(c.border))
        painter.setBrush(fill)
        painter.drawRoundedRect(QRectF(bubble).adjusted(0.5, 0.5, -0.5, -0.5), 12, 12)
        if option.state & QStyle.StateFlag.State_HasFocus:
            # The keyboard's current message: an outline in the accent colour.
            painter.setPen(QPen(QColor(c.accent), 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(bubble).adjusted(-2, -2, 2, 2), 14, 14)
        if named and ctx is not None:
            marks.paint_sender(painter, bubble, msg.sender, ctx.name_of(msg.sender),
                               option.font, PAD_X, PAD_Y)
        parts = self._bubble_size(msg, own, option.rect.width(), option.font, named)[2]
        left, inner_w = bubble.left() + PAD_X, bubble.width() - 2 * PAD_X
        top = bubble.top() + PAD_Y + (marks.NAME_H if named else 0)
        self.parts.paint_top(painter, msg, parts, own, left, top, inner_w, option.font, c)
        if msg.attachment is not None:
            size = self.attachments.size(msg.attachment)
            self.attachments.paint(painter, QRect(QPoint(left, top + parts.top - parts.att_h),
                                                  size), msg, own, c, option.font)
        text_top = top + parts.top
        doc = self._doc(msg, own, self._max_text_width(option.rect.width()), option.font)
        painter.save()
        painter.setClipRect(QRect(left, text_top, inner_w + 1, parts.text_h))  # collapsed
        painter.translate(left, text_top)
        doc.documentLayout().draw(painter, QAbstractTextDocumentLayout.PaintContext())
        painter.restore()
        self.parts.paint_bottom(painter, msg, parts, own, left, text_top, inner_w,
                                option.font, c)
        small = QFont(option.font)
        small.setPointSizeF(max(7.0, option.font.pointSizeF() * 0.8))
        painter.setFont(small)
        meta_color = QColor(c.error) if msg.failed else QColor(c.own_text if own else c.muted)
        if own and not msg.failed:
            meta_color.setAlpha(200)
        painter.setPen(meta_color)
        meta_rect = QRect(bubble.left() + PAD_X, bubble.bottom() - PAD_Y - META_H + 2,
                          bubble.width() - 2 * PAD_X, META_H)
        mark = self._mark(msg)
        if mark is not None:
            tick = QRect(meta_rect.right() - marks.MARK_W + 1, meta_rect.top(),
                         marks.MARK_W, META_H)
            marks.paint_mark(painter, tick, mark, meta_color)
            meta_rect.setRight(tick.left() - 4)
        painter.drawText(meta_rect, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                         self._meta(msg))
        painter.restore()

    def anchor_at(self, option_rect: QRect, index: Index, pos, font: QFont) -> str:
        """The link under `pos` (view coordinates), or ""."""
        msg: Message = index.data(Roles.Message)
        own = bool(index.data(Roles.Own))
        if msg.system is not None:
            return ""
        text = self.text_rect(option_rect, index, font)
        if not text.contains(pos):
            return ""
        doc = self._doc(msg, own, self._max_text_width(option_rect.width()), font)
        local = QPointF(pos.x() - text.left(), pos.y() - text.top())
        return doc.documentLayout().anchorAt(local)

    def helpEvent(self, event, view, option, index) -> bool:
        """Hovering a bubble shows its full date and time."""
        if event.type() == QEvent.Type.ToolTip and index.isValid():
            msg: Message = index.data(Roles.Message)
            if self.bubble_at(option.rect, index, option.font).contains(event.pos()):
                kind, _value, chip = self.hit_at(option.rect, index, event.pos(), option.font)
                if kind == "reaction" and chip is not None:  # on a reaction: who reacted
                    QToolTip.showText(event.globalPos(),
                                      plain_tooltip(self.parts.reaction_tooltip(chip)), view)
                    return True
                tip = full_time(msg.ts)
                readers = (marks.readers_tooltip(self._mark(msg), self.context)
                           if self.context is not None and self.context.is_group else "")
                # Names are other people's text: shown as typed, never as markup.
                QToolTip.showText(event.globalPos(),
                                  plain_tooltip(f"{tip}\n{readers}") if readers else tip, view)
                return True
            QToolTip.hideText()
            return True
        return super().helpEvent(event, view, option, index)
