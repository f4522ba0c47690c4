"""Unsent text per chat: what you typed stays in its chat, and survives a restart.

Kept in memory, written to `drafts-<uid>.json` in the data folder (mode 0600: drafts are
private) a moment after typing stops, and at once when the messenger stops. A missing or
damaged file means no drafts, never a crash.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from .private_json import write_private_json

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 500


class Drafts(QObject):
    changed = Signal(str, str)  # chat id, its draft ("" when gone)

    def __init__(self, file: Path | None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._file = file
        self._texts: dict[str, str] = self._load()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SAVE_DELAY_MS)
        self._timer.timeout.connect(self.flush)

    def _load(self) -> dict[str, str]:
        if self._file is None:
            return {}
        try:
            doc = json.loads(self._file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            log.warning("ignoring the drafts file %s: %s", self._file, exc)
            return {}
        if not isinstance(doc, dict):
            return {}
        return {str(k): v for k, v in doc.items() if isinstance(v, str) and v}

    def get(self, chat_id: str) -> str:
        return self._texts.get(chat_id, "")

    def chats(self) -> list[str]:
        return list(self._texts)

    def set(self, chat_id: str, text: str) -> None:
        """Remember `text` for the chat ("" or only whitespace forgets it); saved shortly."""
        if not text.strip():
            text = ""
        if self._texts.get(chat_id, "") == text:
            return
        if text:
            self._texts[chat_id] = text
        else:
            self._texts.pop(chat_id, None)
        self._timer.start()
        self.changed.emit(chat_id, text)

    def flush(self) -> None:
        self._timer.stop()
        if self._file is None:
            return
        try:
            write_private_json(self._file, self._texts, ensure_ascii=False)
        except OSError:
            log.warning("could not save the drafts to %s", self._file, exc_info=True)
