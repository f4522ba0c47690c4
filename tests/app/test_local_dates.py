"""Dates and day names follow the UI's language, not Python's C locale."""

from __future__ import annotations

import time

from messenger_desktop import i18n
from messenger_desktop.models.presence import Status, describe
from messenger_desktop.views.text import list_time


def _noon(year: int, month: int, day: int) -> float:
    return time.mktime((year, month, day, 12, 0, 0, 0, 0, -1))


def test_older_dates_and_weekdays_follow_the_language(qapp):
    now = _noon(2026, 11, 29)                       # a Sunday
    march = _noon(2026, 3, 12) * 1000
    thursday = _noon(2026, 11, 26) * 1000
    try:
        assert i18n.install("en") == "en"
        assert list_time(march, now) == "12 Mar"
        assert list_time(thursday, now) == "Thu"
        assert i18n.install("ru") == "ru"
        assert list_time(march, now) == "12 мар."
        assert list_time(thursday, now) == "чт"
        seen = describe(Status(False, march), now * 1000)
        assert "2026" in seen and "мар" in seen, seen
    finally:
        i18n.install("en")
    assert list_time(march, now) == "12 Mar"
