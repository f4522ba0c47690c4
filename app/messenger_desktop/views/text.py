"""Message text as safe HTML with clickable links, and short times for the list and bubbles."""

from __future__ import annotations

import html
import re
import time

from PySide6.QtCore import QLocale

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
