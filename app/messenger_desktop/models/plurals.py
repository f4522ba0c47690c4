"""Texts with plural forms, as tr() calls of one QObject class.

pyside6-lupdate 6.11 does not see the plural form of a module-level
`translate("Context", "… %n …", None, n)` and rewrites such entries as singular (or drops
them), so anyone refreshing the translations would lose them; it keeps `self.tr("… %n …",
None, n)` inside a class. Functions elsewhere call `plurals()`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject


class Plurals(QObject):
    def people_typing(self, n: int) -> str:
        return self.tr("%n people are typing…", None, n)

    def members(self, n: int) -> str:
        return self.tr("%n members", None, n)

    def read_by(self, n: int) -> str:
        return self.tr("read by %n", None, n)

    def last_seen_minutes(self, n: int) -> str:
        return self.tr("last seen %n min ago", None, n)

    def last_seen_hours(self, n: int) -> str:
        return self.tr("last seen %n h ago", None, n)

    def last_seen_days(self, n: int) -> str:
        return self.tr("last seen %n day(s) ago", None, n)


_plurals: Plurals | None = None


def plurals() -> Plurals:
    global _plurals
    if _plurals is None:
        _plurals = Plurals()
    return _plurals
