"""What message actions add to a bubble (views/bubble_delegate.py lays it out and calls this):

    Forwarded from анна          <- forwardedFrom
    ┃ борис                      <- the quote of a reply (click: scroll to the original)
    ┃ the original's first line     ("deleted message" when it is gone)
    the text, cut after SHOWN_LINES lines when it is long
    Show more                    <- long messages only (click: expand / collapse)
    [👍 2] [❤ 1]                 <- reactions: counts, mine outlined (click: toggle)
                    edited 14:05 <- the delegate's meta line

Sizes depend only on the message itself (and whether it is expanded): a quote is one elided
line, so reading the original later never changes a row's height.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from ..models.message_extras import reaction_counts
from ..models.messages import Message
from .text import same_day
from .theme import Colors

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

FWD_H = 18
QUOTE_H = 38
QUOTE_GAP = 6
QUOTE_MIN_W = 160
MORE_H = 20
CHIP_H = 22
CHIP_GAP = 4
CHIPS_TOP = 6
COLLAPSE_LINES = 16  # texts longer than this many lines are collapsed...
SHOWN_LINES = 10  # ...to this many, with "Show more"


@dataclass(frozen=True)
class Chip:
    emoji: str
    uids: tuple[str, ...]
    rect: QRect  # relative to the parts' left edge and the chips' row top

    @property
    def label(self) -> str:
        return f"{self.emoji} {len(self.uids)}"


@dataclass(frozen=True)
class PartsLayout:
    fwd_h: int
    quote_h: int
    text_h: int  # the text as shown (collapsed or whole)
    more_h: int
    chips: tuple[Chip, ...]
    chips_h: int
    min_w: int
    att_h: int = 0  # a picture or file above the text (attachments/bubble_part.py)

    @property
    def top(self) -> int:
        """Height above the text."""
        return self.fwd_h + self.quote_h + self.att_h

    @property
    def bottom(self) -> int:
        """Height below the text (before the meta line)."""
        return self.more_h + self.chips_h


RUN_GAP_MS = 5 * 60 * 1000  # consecutive messages of one sender within this share a header


def starts_run(prev: Message | None, msg: Message) -> bool:
    """`msg` is the first of a sender's run: the previous one is someone else's, a system
    line, of another day, or more than 5 minutes older (a run shares one name/avatar header
    and sits closer together)."""
    return (prev is None or prev.sender != msg.sender or prev.system is not None
            or not (prev.ts > 0 and msg.ts > 0 and msg.ts - prev.ts <= RUN_GAP_MS
                    and same_day(prev.ts, msg.ts)))


def small_font(font: QFont, scale: float = 0.85) -> QFont:
    f = QFont(font)
    f.setPointSizeF(max(7.0, font.pointSizeF() * scale))
    return f


class BubbleParts:
    def __init__(self) -> None:
        self.my_uid = ""
        # Set by the chat view: display names, and a reply's original (a Message, or
        # chat_actions.Quoted.DELETED / .LOADING).
        self.names: Callable[[str], str] = lambda uid: uid
        self.quoted: Callable[[str], Message | str] | None = None
        self.expanded: set[str] = set()  # long messages shown whole

    def key(self, msg: Message) -> tuple:
        """What the layout depends on besides the message's text and width."""
        return (msg.reply_to, msg.forwarded_from, msg.reactions, msg.id in self.expanded,
                self.names(msg.forwarded_from.sender) if msg.forwarded_from else "")

    def forwarded_text(self, msg: Message) -> str:
        if msg.forwarded_from is None:
            return ""
        return translate("Bubble", "Forwarded from {0}").format(
            self.names(msg.forwarded_from.sender))

    def layout(self, msg: Message, text_w: int, text_h: int, line_h: int, max_w: int,
               font: QFont) -> PartsLayout:
        small = QFontMetrics(small_font(font))
        min_w = 0
        fwd_h = quote_h = more_h = chips_h = 0
        if msg.forwarded_from is not None:
            fwd_h = FWD_H
            min_w = max(min_w, small.horizontalAdvance(self.forwarded_text(msg)) + 2)
        if msg.reply_to:
            quote_h = QUOTE_H + QUOTE_GAP
            min_w = max(min_w, QUOTE_MIN_W)
        shown = text_h
        if text_h > COLLAPSE_LINES * line_h:
            more_h = MORE_H
            if msg.id not in self.expanded:
                shown = SHOWN_LINES * line_h
            min_w = max(min_w, small.horizontalAdvance(self.more_text(msg)) + 2)
        chips: list[Chip] = []
        if msg.reactions:
            x = y = 0
            width = max(max_w, 80)
            for emoji, uids in reaction_counts(msg):
                w = small.horizontalAdvance(f"{emoji} {len(uids)}") + 16
                if x and x + w > width:
                    x, y = 0, y + CHIP_H + CHIP_GAP
                chips.append(Chip(emoji, tuple(uids), QRect(x, y, w, CHIP_H)))
                min_w = max(min_w, x + w)
                x += w + CHIP_GAP
            chips_h = CHIPS_TOP + y + CHIP_H
        return PartsLayout(fwd_h, quote_h, shown, more_h, tuple(chips), chips_h,
                           min(min_w, max_w))

    def more_text(self, msg: Message) -> str:
        return (translate("Bubble", "Show less") if msg.id in self.expanded
                else translate("Bubble", "Show more"))

    # where things are (relative to the text's left edge, the bubble's content top) ---------
    def quote_rect(self, parts: PartsLayout, left: int, top: int, width: int) -> QRect:
        return QRect(left, top + parts.fwd_h, width, QUOTE_H) if parts.quote_h else QRect()

    def more_rect(self, parts: PartsLayout, left: int, text_top: int, width: int) -> QRect:
        return QRect(left, text_top + parts.text_h, width, MORE_H) if parts.more_h else QRect()

    def chip_rects(self, parts: PartsLayout, left: int, text_top: int) -> list[tuple[Chip, QRect]]:
        top = text_top + parts.text_h + parts.more_h + CHIPS_TOP
        return [(chip, chip.rect.translated(left, top)) for chip in parts.chips]

    # painting ------------------------------------------------------------------------------
    def paint_top(self, painter: QPainter, msg: Message, parts: PartsLayout, own: bool,
                  left: int, top: int, width: int, font: QFont, c: Colors) -> None:
        fg = QColor(c.own_text if own else c.other_text)
        accent = QColor(c.own_text if own else c.accent)
        small = small_font(font)
        if parts.fwd_h:
            f = QFont(small)
            f.setItalic(True)
            painter.setFont(f)
            painter.setPen(accent)
            text = QFontMetrics(f).elidedText(self.forwarded_text(msg),
                                              Qt.TextElideMode.ElideRight, width)
            painter.drawText(QRect(left, top, width, FWD_H),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
        if not parts.quote_h:
            return
        box = self.quote_rect(parts, left, top, width)
        tint = QColor(fg)
        tint.setAlpha(28)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(tint)
        painter.drawRoundedRect(QRectF(box), 4, 4)
        painter.setBrush(accent)
        painter.drawRect(QRect(box.left(), box.top(), 3, box.height()))
        inner = box.adjusted(9, 3, -6, -3)
        original = self.quoted(msg.reply_to) if self.quoted is not None else None
        bold = QFont(small)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(accent)
        half = inner.height() // 2
        if isinstance(original, Message):
            name = self.names(original.sender)
            body = original.text.replace("\n", " ")
            body_color = fg
            italic = False
        else:
            name = ""
            body = (translate("Bubble", "deleted message") if original == "deleted"
                    else "…")
            body_color = QColor(c.own_text if own else c.muted)
            italic = True
        fm = QFontMetrics(bold)
        painter.drawText(QRect(inner.left(), inner.top(), inner.width(), half),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         fm.elidedText(name, Qt.TextElideMode.ElideRight, inner.width()))
        f = QFont(small)
        f.setItalic(italic)
        painter.setFont(f)
        painter.setPen(body_color)
        painter.drawText(QRect(inner.left(), inner.top() + half, inner.width(), half),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         QFontMetrics(f).elidedText(body, Qt.TextElideMode.ElideRight,
                                                    inner.width()))

    def paint_bottom(self, painter: QPainter, msg: Message, parts: PartsLayout, own: bool,
                     left: int, text_top: int, width: int, font: QFont, c: Colors) -> None:
        small = small_font(font)
        if parts.more_h:
            painter.setFont(small)
            painter.setPen(QColor(c.own_link if own else c.link))
            painter.drawText(self.more_rect(parts, left, text_top, width),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             self.more_text(msg))
        if not parts.chips:
            return
        painter.setFont(small)
        fg = QColor(c.own_text if own else c.other_text)
        for chip, rect in self.chip_rects(parts, left, text_top):
            mine = self.my_uid in chip.uids
            fill = QColor(fg)
            fill.setAlpha(60 if mine else 22)
            border = QColor(c.own_text if own else c.accent)
            painter.setPen(QPen(border, 1.2) if mine else Qt.PenStyle.NoPen)
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(rect).adjusted(0.5, 0.5, -0.5, -0.5),
                                    CHIP_H / 2, CHIP_H / 2)
            painter.setPen(fg)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, chip.label)

    def reaction_tooltip(self, chip: Chip) -> str:
        """"👍 You, анна, борис": who chose this emoji, me first."""
        uids = sorted(chip.uids, key=lambda uid: uid != self.my_uid)
        names = ", ".join(self.names(uid) for uid in uids)
        return f"{chip.emoji} {names}"
