"""Message text as safe HTML with clickable links, and short times for the list and bubbles."""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import QLocale, Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from ..i18n import current_locale, local_date

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
    label = QLabel(text, objectName=object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label


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
    return local_date(t, "d MMM")
