"""Hot reload of the rules file, as the official database emulator does (databaseEmulator.ts:
a file watcher that PUTs the file to /.settings/rules.json on every change).

The file is polled (size and mtime, a few times a second: no watcher dependency). A change is
logged with firebase-tools' texts: "Change detected, updating rules for NS...", then
"Rules updated." or, when the new file cannot be read or is not valid rules, the reason and
"Failed to update rules"; the old rules then stay in force until the next good save.

Namespaces that still have the file's rules (not ones set since by PUT /.settings/rules.json)
get the new ones, and so does every namespace created later.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from pathlib import Path

from messenger_emulators.rules import RulesError, RuleSet

from .engine import DatabaseEngine

log = logging.getLogger("messenger_emulators.database")
POLL_S = 0.25
SETTLE_S = 0.005  # as the official emulator: let the writer finish before reading


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class RulesFileWatcher:
    def __init__(self, engine: DatabaseEngine, path: Path) -> None:
        self.engine = engine
        self.path = path
        self._task: asyncio.Task | None = None
        self._stamp = _stamp(path)

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
                continue  # unchanged, or mid-replace (an editor's rename): look again
            await asyncio.sleep(SETTLE_S)
            self._stamp = _stamp(self.path)
            self.reload()

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
