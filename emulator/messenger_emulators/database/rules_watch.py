"""Hot reload of the rules file, as the official database emulator does (databaseEmulator.ts:
a file watcher that PUTs the file to /.settings/rules.json on every change).

The file is polled (suite/file_watch.py). A change is
logged with firebase-tools' texts: "Change detected, updating rules for NS...", then
"Rules updated." or, when the new file cannot be read or is not valid rules, the reason and
"Failed to update rules"; the old rules then stay in force until the next good save.

Namespaces that still have the file's rules (not ones set since by PUT /.settings/rules.json)
get the new ones, and so does every namespace created later.
"""

from __future__ import annotations

import logging
from pathlib import Path

from messenger_emulators.rules import RulesError, RuleSet

from ..suite.file_watch import PolledFile
from .engine import DatabaseEngine

log = logging.getLogger("messenger_emulators.database")


class RulesFileWatcher(PolledFile):
    def __init__(self, engine: DatabaseEngine, path: Path) -> None:
        super().__init__(path)
        self.engine = engine

    def reload(self) -> bool:
        """Load the file now; True if the new rules are in force."""
        names = sorted(self.engine.namespaces) or [self.engine.project_id]
        log.info("Change detected, updating rules for %s...", ", ".join(names))
        try:
            rules = RuleSet.from_text(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("Could not read %s: %s", self.path, exc)
            log.warning("Failed to update rules")
            return False
        except RulesError as exc:
            log.warning("%s: %s", self.path, exc)
            log.warning("Failed to update rules")
            return False
        old = self.engine.default_rules
        self.engine.default_rules = rules
        for name, namespace in list(self.engine.namespaces.items()):
            if namespace.rules is old:
                self.engine.set_rules(name, rules)
        log.info("Rules updated.")
        return True
