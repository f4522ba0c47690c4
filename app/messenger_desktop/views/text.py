"""Message text as safe HTML with clickable links, and short times for the list and bubbles."""

from __future__ import annotations

import datetime
import html
import re
import time

from PySide6.QtCore import QCoreApplication, QDate, QLocale, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QMessageBox, QSizePolicy

from ..i18n import current_locale, local_date

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

_URL = re.compile(r"(?i)\b((?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]])")


def to_html(text: str, link_color: str) -> str:
    """Escape everything the user typed; only URLs become links (no HTML injection)."""
    out: list[str] = []
    pos = 0
    for m in _URL.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        url = m.group(1)
        href = url if "://" in url else "http://" + url
        out.append(
            f'<a href="{html.escape(href, quote=True)}" style="color:{link_color}">'
            f"{html.escape(url)}</a>"
        )
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def plain_label(object_name: str = "", text: str = "") -> QLabel:
    """A label that shows its text as typed (QLabel's default AutoText renders anything that
    looks like HTML): for every label that can carry user or server data."""
    label = QLabel(text)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


class ElidedLabel(QLabel):
    """A one-line plain-text label that ends in "…" when it does not fit (a long name, a long
    translation), instead of being cut off; the whole text is in its tooltip then."""

    def __init__(self, object_name: str = "") -> None:
        super().__init__()
        self.setObjectName(object_name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._tip = ""

    def shown_text(self) -> str:
        """What is drawn: the text, elided to the label's width."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight,
                                             self.contentsRect().width())

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())

    def set_tooltip(self, tip: str) -> None:
        """A tooltip besides the full text (which is added when the text is elided)."""
        self._tip = tip
        self._update_tip()

    def _update_tip(self) -> None:
        parts = [self.text()] if self.shown_text() != self.text() else []
        parts += [self._tip] if self._tip else []
        self.setToolTip(plain_tooltip("\n".join(parts)) if parts else "")

    def setText(self, text: str) -> None:
        super().setText(text)
        self._update_tip()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._update_tip()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        self.style().drawItemText(painter, self.contentsRect(),
                                  int(self.alignment()) | Qt.AlignmentFlag.AlignVCenter,
                                  self.palette(), self.isEnabled(), self.shown_text(),
                                  self.foregroundRole())
        painter.end()


def plain_message_box(parent, icon, title: str, text: str) -> QMessageBox:
    """A message box whose text (a project id, a file path, a server's sentence) is shown as
    typed; the static QMessageBox helpers use AutoText. The caller exec()s or open()s it."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    return box


def plain_tooltip(text: str) -> str:
    """A tooltip that shows `text` as typed. Qt renders a tooltip as rich text whenever it
    looks like markup (Qt::mightBeRichText), so user data is escaped and wrapped in <qt>
    (which forces rich text, so the entities read back as the typed characters)."""
    return "<qt>" + html.escape(text).replace("\n", "<br>") + "</qt>"


def window_title(text: str) -> str:
    """A window title showing `text` as typed: Qt hides "[*]" (the modified marker) in titles
    unless it is doubled."""
    return text.replace("[*]", "[*][*]")


def clock_time(ms: float) -> str:
    return time.strftime("%H:%M", time.localtime(ms / 1000)) if ms > 0 else ""


def list_time(ms: float, now_s: float | None = None) -> str:
    """Today: 14:05; this week: Mon; older: 12 Mar (day and month names in the UI's language)."""
    if ms <= 0:
        return ""
    now = time.localtime(now_s if now_s is not None else time.time())
    t = time.localtime(ms / 1000)
    if t.tm_yday == now.tm_yday and t.tm_year == now.tm_year:
        return time.strftime("%H:%M", t)
    if (now_s or time.time()) - ms / 1000 < 6 * 86400:
        # struct_time counts Monday as 0, Qt as 1
        return current_locale().dayName(t.tm_wday + 1, QLocale.FormatType.ShortFormat)
    if t.tm_year != now.tm_year:  # never "12 Mar" for a March of another year
        date = QDate(t.tm_year, t.tm_mon, t.tm_mday)
        return current_locale().toString(date, QLocale.FormatType.ShortFormat)
    return local_date(t, "d MMM")


def _days_ago(t: time.struct_time, now: time.struct_time) -> int:
    return datetime.date(now.tm_year, now.tm_mon, now.tm_mday).toordinal() - datetime.date(
        t.tm_year, t.tm_mon, t.tm_mday).toordinal()


def day_label(ms: float, now_s: float | None = None) -> str:
    """A chat's date separator, in the UI's language: Today, Yesterday, a weekday within the
    week, "12 March" this year, "12 March 2025" before (a message from last year never
    looks like one from this year)."""
    now = time.localtime(now_s if now_s is not None else time.time())
    t = time.localtime(ms / 1000)
    days = _days_ago(t, now)
    if days <= 0:
        return translate("Dates", "Today")
    if days == 1:
        return translate("Dates", "Yesterday")
    if days < 7:
        name = current_locale().dayName(t.tm_wday + 1, QLocale.FormatType.LongFormat)
        return name[:1].upper() + name[1:]
    if t.tm_year == now.tm_year:
        return local_date(t, "d MMMM")
    return local_date(t, "d MMMM yyyy")


def same_day(a_ms: float, b_ms: float) -> bool:
    a, b = time.localtime(a_ms / 1000), time.localtime(b_ms / 1000)
    return (a.tm_year, a.tm_yday) == (b.tm_year, b.tm_yday)


def full_time(ms: float) -> str:
    """Date and time in full, for hovering a message: "Sunday, 29 November 2026, 14:05"."""
    if ms <= 0:
        return ""
    t = time.localtime(ms / 1000)
    day = local_date(t, "dddd, d MMMM yyyy")
    return f"{day[:1].upper()}{day[1:]}, {time.strftime('%H:%M', t)}"
