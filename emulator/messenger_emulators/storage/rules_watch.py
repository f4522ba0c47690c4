"""Hot reload of storage.rules, as firebase-tools' storage emulator reloads its rules file on
change (src/emulator/storage/rules/manager.ts). The file is polled (size and mtime); a new
valid file takes effect for the next request; an invalid one is logged with its line and the
old rules stay in force until the next good save."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from . import errors as msg
from .rules import RulesLoadError, StorageRules
from .service import StorageService

log = logging.getLogger("messenger_emulators.storage")
POLL_S = 0.25
SETTLE_S = 0.005   # let the writer finish before reading


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class StorageRulesWatcher:
    def __init__(self, service: StorageService, path: Path) -> None:
        self.service = service
        self.path = path
        self._stamp = _stamp(path)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            stamp = _stamp(self.path)
            if stamp == self._stamp or stamp is None:
                continue
            await asyncio.sleep(SETTLE_S)
            self._stamp = _stamp(self.path)
            self.reload()

    def reload(self) -> bool:
        log.info(msg.LOG_RULES_CHANGED.format(path=self.path))
        try:
            rules = StorageRules.from_text(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning(msg.RULES_UNREADABLE.format(path=self.path, detail=exc))
            log.warning(msg.LOG_RULES_FAILED)
            return False
        except RulesLoadError as exc:
            log.warning(msg.RULES_INVALID.format(path=self.path, detail=exc))
            log.warning(msg.LOG_RULES_FAILED)
            return False
        self.service.rules = rules
        log.info(msg.LOG_RULES_UPDATED)
        return True
