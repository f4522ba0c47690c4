"""Writes my own `typing/{chatId}/{me}` while I type in the open chat.

At most one write per TYPING_WRITE_EVERY_S while typing (the first keystroke writes at once,
so the others see it within their stream's latency), always the server's timestamp; deleted
when I send, when I stop typing for TYPING_IDLE_S, and when I leave the chat. Readers ignore
entries older than 6 s, so the idle delete keeps "is typing…" from outliving a pause by more
than ~4 s, and a crashed client's entry dies by itself.

Writes go out one after another (each waits for the one before): a delete must never overtake
the write it undoes on the worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from messenger_model.limits import TYPING_WRITE_EVERY_S
from PySide6.QtCore import QObject, QTimer

from .errors import UserFacingError
from .firebase.db import SERVER_TIMESTAMP

if TYPE_CHECKING:
    from .firebase.db import Database

log = logging.getLogger(__name__)

# No keystroke for this long: "stopped typing" (the entry is deleted).
TYPING_IDLE_S = 4.0


class TypingWriter(QObject):
    def __init__(self, db: Database, chat_id: str, uid: str,
                 enabled: Callable[[], bool] = lambda: True,
                 every_s: float = TYPING_WRITE_EVERY_S, idle_s: float = TYPING_IDLE_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self.path = f"typing/{chat_id}/{uid}"
        self._enabled = enabled
        self.every_s = every_s
        self._last_write: float | None = None  # monotonic time of the last put
        self._written = False  # an entry of mine may be there
        self._closed = False
        self._chain: asyncio.Future | None = None
        self.writes: list[tuple[str, float]] = []  # ("put"|"delete", monotonic): for tests
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(int(idle_s * 1000))
        self._idle.timeout.connect(self.stop)

    def keystroke(self) -> None:
        """The user changed the text of this chat's message (typing, not a draft loaded)."""
        if self._closed or not self._enabled():
            return
        # Read the clock before the idle timer starts: a put is then never recorded after
        # the start its idle delete is timed from (a coarse timer may fire 5 % early).
        now = time.monotonic()
        self._idle.start()
        if self._last_write is None or now - self._last_write >= self.every_s:
            self._last_write = now
            self._written = True
            self._queue("put", now)

    def stop(self) -> None:
        """Sent, idle, or left: delete my entry (if I wrote one)."""
        self._idle.stop()
        self._last_write = None
        if self._written:
            self._written = False
            self._queue("delete", time.monotonic())

    def close(self) -> None:
        self.stop()
        self._closed = True

    def _queue(self, op: str, at: float) -> None:
        self.writes.append((op, at))
        self._chain = asyncio.ensure_future(self._write(self._chain, op))

    async def _write(self, before: asyncio.Future | None, op: str) -> None:
        if before is not None:
            try:
                await before
            except Exception:  # logged there
                pass
        try:
            if op == "put":
                await self._db.put(self.path, SERVER_TIMESTAMP)
            else:
                await self._db.delete(self.path)
        except UserFacingError as exc:  # offline, or no longer a member: it goes stale
            log.debug("typing %s failed: %s", op, exc)
