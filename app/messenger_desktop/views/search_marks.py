"""Marking the words a search found: in a bubble's laid-out text, and in a result's snippet."""

from __future__ import annotations

import re
import unicodedata

from PySide6.QtGui import QColor, QTextCharFormat, QTextCursor, QTextDocument

from ..store.message_cache import MARK_END, MARK_START

_WORD = re.compile(r"\w+")


def _fold(text: str) -> str:
    """Lower case without diacritics (as the search index compares), one char for one."""
    out = []
    for ch in text:
        base = unicodedata.normalize("NFD", ch)[0] if ch not in "йЙ" else ch
        out.append(base.lower())
    return "".join(out)


def match_pattern(query: str) -> re.Pattern[str] | None:
    """A pattern for the start of every word typed (on folded text), or None."""
    words = [_fold(w) for w in _WORD.findall(query)]
    if not words:
        return None
    alternatives = "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\w*")


def mark_matches(doc: QTextDocument, pattern: re.Pattern[str], current: bool) -> None:
    """Give the matching words in `doc` a highlight (stronger in the current match)."""
    text = doc.toPlainText()
    fmt = QTextCharFormat()
    # Marker colours that read on both themes and on both bubble colours (own bubbles are
    # the accent colour, so the accent cannot mark).
    fmt.setBackground(QColor("#ff9f1a" if current else "#ffe066"))
    fmt.setForeground(QColor("#1c2330"))
    for m in pattern.finditer(_fold(text)):
        cursor = QTextCursor(doc)
        cursor.setPosition(m.start())
        cursor.setPosition(m.end(), QTextCursor.MoveMode.KeepAnchor)
        cursor.mergeCharFormat(fmt)


def snippet_parts(snippet: str) -> list[tuple[str, bool]]:
    """A search snippet as (text, matched) pieces."""
    parts: list[tuple[str, bool]] = []
    rest = snippet
    while rest:
        start = rest.find(MARK_START)
        if start < 0:
            parts.append((rest, False))
            break
        if start:
            parts.append((rest[:start], False))
        end = rest.find(MARK_END, start)
        if end < 0:
            parts.append((rest[start + 1:], True))
            break
        parts.append((rest[start + 1:end], True))
        rest = rest[end + 1:]
    return [(t.replace("\n", " "), m) for t, m in parts if t]
