"""The Storage emulator as a suite component: `create(options, suite) -> StorageEmulator`."""

from __future__ import annotations

import asyncio
import errno
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..suite.environment import client_host
from ..suite.errors import PortInUseError
from ..suite.options import is_loopback
from . import errors as msg
from .access import TokenPolicy
from .rules import RulesLoadError, StorageRules
from .rules_watch import StorageRulesWatcher
from .server import StorageState, build_app
from .service import StorageService
from .store import ObjectStore
from .uploads import UploadSessions

if TYPE_CHECKING:
    from ..suite.options import SuiteOptions
    from ..suite.runner import Suite

log = logging.getLogger("messenger_emulators.storage")
MAX_UPLOAD = 130 * 1024 * 1024   # firebase-tools' body limit; storage.rules set the real one


class StorageRulesFileError(ValueError):
    """storage.rules cannot be read or is not valid rules (the suite prints it, exit 1)."""


def load_rules(path: Path | None) -> StorageRules | None:
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise StorageRulesFileError(msg.RULES_UNREADABLE.format(path=path,
                                                                detail=exc.strerror)) from None
    try:
        return StorageRules.from_text(text)
    except RulesLoadError as exc:
        raise StorageRulesFileError(msg.RULES_INVALID.format(path=path, detail=exc)) from None


class StorageEmulator:
    name = "storage"

    def __init__(self, options: SuiteOptions, suite: Suite | None = None,
                 max_upload: int = MAX_UPLOAD) -> None:
        self.options = options
        self.suite = suite
        self.host = options.host
        self.port = options.port("storage")
        self.rules_path = options.storage_rules_path
        self.rules = load_rules(self.rules_path)     # compiled once, before listening
        folder = Path(options.data_dir) / "storage" if options.data_dir is not None else None
        self.store = ObjectStore(folder)
        self.service = StorageService(options.project_id, self.store, self.rules, max_upload)
        self.tokens = TokenPolicy(secure=bool(options.secure) or not is_loopback(self.host),
                                  host=self.host)
        self.service.trace = bool(getattr(options, "rules_trace", False))
        self.sessions = UploadSessions(max_upload)
        self._runner: web.AppRunner | None = None
        # edits to storage.rules apply while running (rules_watch.py)
        self._watcher = StorageRulesWatcher(self.service, self.rules_path) \
            if self.rules_path is not None else None

    @property
    def default_bucket(self) -> str:
        return f"{self.options.project_id}.appspot.com"

    async def start(self) -> None:
        self._adopt_auth_verifier()
        import_dir = getattr(self.options, "import_dir", None)
        if import_dir is not None:
            await asyncio.to_thread(self.import_state, import_dir)
        state = StorageState(self.options.project_id, self.service, self.sessions, self.tokens)
        self._runner = web.AppRunner(build_app(state), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(self.name, self.host, self.port) from None
            raise
        self.port = self._runner.addresses[0][1]
        if self._watcher is not None:
            self._watcher.start()

    def _adopt_auth_verifier(self) -> None:
        """In secure mode, ID tokens are checked by the Auth emulator's keys (it starts first);
        without it, database.identity refuses unsigned tokens in secure mode."""
        auth = self.suite.get("auth") if self.suite is not None else None
        verifier = getattr(auth, "id_token_verifier", None)
        if self.tokens.secure and callable(verifier):
            self.tokens.verifier = verifier

    def import_state(self, folder: Path) -> None:
        """An export's storage_export/ (firebase-tools' layout): objects added or replaced."""
        from .export import read_storage_export

        # StorageImportError is a ValueError: the command line prints it in one line
        for meta, data in read_storage_export(folder):
            self.store.put(meta, data)

    def export_state(self, folder: Path) -> None:
        """Write the objects as an export's storage_export/ (`folder`, not existing yet)."""
        from .export import write_storage_export

        write_storage_export(self.store, folder)

    async def stop(self) -> None:
        if self._watcher is not None:
            await self._watcher.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.store.close()

    @property
    def url(self) -> str:
        return f"http://{client_host(self.host)}:{self.port}"

    def describe(self) -> list[str]:
        rules = msg.DESCRIBE_RULES.format(path=self.rules_path) if self.rules is not None \
            else msg.DESCRIBE_NO_RULES
        return [msg.DESCRIBE.format(url=self.url, host=client_host(self.host), port=self.port,
                                    rules=rules)]


def create(options: SuiteOptions, suite: Any = None) -> StorageEmulator:
    return StorageEmulator(options, suite)
