"""Who is typing in the open chat, from the `typing/{chatId}` stream, and the line that says so.

Each entry is the server time of the typer's latest write; an entry older than
TYPING_FRESH_MS is ignored (a crashed client's indicator dies by itself). Expiry is judged in
server time (the app's ServerClock) by ONE single-shot timer set for the moment the oldest
shown entry goes stale: nothing runs while the line shows (no animation, no polling).
"""

from __future__ import annotations

from typing import Any

from messenger_model.limits import TYPING_FRESH_MS
from messenger_model.receipts import typing_now
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from .plurals import plurals
from .presence import ServerClock

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

# The expiry timer fires this much after an entry's 6 s are over (never early).
EXPIRY_SLACK_MS = 20


def typing_line(names: list[str]) -> str:
    """"анна is typing…", "анна and борис are typing…", "3 people are typing…", or ""."""
    if not names:
        return ""
    if len(names) == 1:
        return translate("Typing", "{0} is typing…").format(names[0])
    if len(names) == 2:
        return translate("Typing", "{0} and {1} are typing…").format(names[0], names[1])
    return plurals().people_typing(len(names))


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


class TypingWatch(QObject):
    """The fresh entries of one chat's `typing/{chatId}`, but mine; `changed` when the set of
    typers changes (an entry arrives, is deleted, goes stale, or its typer's message lands)."""

    changed = Signal()

    def __init__(self, my_uid: str, clock: ServerClock, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.my_uid = my_uid
        self.clock = clock
        self.typers: list[str] = []
        self._entries: dict[str, float] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.recompute)

    @property
    def timer_active(self) -> bool:
        return self._timer.isActive()

    def set_entries(self, entries: Any) -> None:
        """The whole `typing/{chatId}` as streamed (None: nobody)."""
        self._entries = {}
        if isinstance(entries, dict):
            for uid, value in entries.items():
                stamp = _number(value)
                if stamp is not None:
                    self._entries[str(uid)] = stamp
        self.recompute()

    def message_from(self, uid: str, ts: float) -> None:
        """`uid`'s message (sent at server time `ts`) arrived: they are done typing it, even
        before their delete of the entry reaches us. A newer entry (typing the next one)
        stays."""
        stamp = self._entries.get(uid)
        if stamp is not None and stamp <= ts:
            del self._entries[uid]
            self.recompute()

    def recompute(self) -> None:
        now = self.clock.now_ms()
        typers = typing_now(self._entries, now, exclude=self.my_uid)
        if typers:
            # One wake-up: when the oldest shown entry goes stale.
            due = min(self._entries[u] for u in typers) + TYPING_FRESH_MS - now
            self._timer.start(max(1, int(due) + EXPIRY_SLACK_MS))
        else:
            self._timer.stop()
        if typers != self.typers:
            self.typers = typers
            self.changed.emit()

    def stop(self) -> None:
        self._timer.stop()
