"""Hot reload of storage.rules, as firebase-tools' storage emulator reloads its rules file on
change (src/emulator/storage/rules/manager.ts). The file is polled (size and mtime); a new
valid file takes effect for the next request; an invalid one is logged with its line and the
old rules stay in force until the next good save."""

from __future__ import annotations

import logging
from pathlib import Path

from ..suite.file_watch import PolledFile
from . import errors as msg
from .rules import RulesLoadError, StorageRules
from .service import StorageService

log = logging.getLogger("messenger_emulators.storage")


class StorageRulesWatcher(PolledFile):
    def __init__(self, service: StorageService, path: Path) -> None:
        super().__init__(path)
        self.service = service

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
