"""The Auth emulator as a suite component: create(options, suite) per docs/CONTRACTS.md."""

from __future__ import annotations

import asyncio
import errno
import logging
import time
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ..suite.errors import PortInUseError
from . import errors
from .keys import ServiceAccount, SigningKey, default_state_dir
from .server import AuthService, build_app
from .store import AccountStore
from .tokens import InvalidIdToken

if TYPE_CHECKING:
    from ..suite.options import SuiteOptions
    from ..suite.runner import Suite

log = logging.getLogger("messenger_emulators.auth")
INSTALL_POLL = 0.005  # seconds between looks for the database (secure mode only)
INSTALL_WAIT = 120.0


class AuthEmulator:
    name = "auth"

    def __init__(self, options: SuiteOptions, suite: Suite | None = None) -> None:
        self.options = options
        self.suite = suite
        self.host: str = options.host
        self.port: int = options.port("auth")
        self.secure: bool = bool(options.secure)
        self.state_dir = default_state_dir(options.data_dir, options.project_id)
        self.service_account: ServiceAccount | None = None
        self.service: AuthService | None = None
        self._runner: web.AppRunner | None = None
        self._installer: asyncio.Task | None = None

    async def start(self) -> None:
        signing_key = None
        if self.secure:
            signing_key = SigningKey.load_or_create(self.state_dir)
            self.service_account = ServiceAccount.load_or_create(self.state_dir,
                                                                 self.options.project_id)
        # Accounts persist only with --data; without it the emulator starts empty, as Google's.
        store = AccountStore(self.state_dir if self.options.data_dir is not None else None)
        self.service = AuthService(self.options.project_id, self.options.id_token_ttl, store,
                                   signing_key, self.service_account)
        self._runner = web.AppRunner(build_app(self.service), access_log=None,
                                     handle_signals=False)
        if getattr(self.options, "import_dir", None) is not None:
            self.import_state(self.options.import_dir)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            self._runner = None
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(self.name, self.host, self.port) from None
            raise
        self.port = self._runner.addresses[0][1]
        if signing_key is not None:
            log.info(errors.LOG_SECURE.format(kid=signing_key.kid))
        if self.secure and not self.install_verifier() and self.suite is not None:
            # The suite starts auth before the database: hand the verifier over as soon as the
            # database appears. (A database component that asks suite.get("auth") for
            # id_token_verifier at its own start closes the remaining startup window.)
            self._installer = asyncio.get_running_loop().create_task(self._install_later())

    def install_verifier(self) -> bool:
        """In secure mode, make the database accept only ID tokens this emulator signed."""
        database = self.suite.get("database") if self.suite is not None else None
        # Duck-typed like the database's own _adopt_auth_verifier: the suite types its
        # components only as Emulator.
        install = getattr(database, "set_id_token_verifier", None)
        if not self.secure or install is None:
            return False
        install(self.id_token_verifier)
        return True

    async def _install_later(self) -> None:
        deadline = time.monotonic() + INSTALL_WAIT
        while time.monotonic() < deadline:
            if self.install_verifier():
                return
            await asyncio.sleep(INSTALL_POLL)

    def id_token_verifier(self, token: str) -> dict[str, Any]:
        """The database's verifier seam: claims, or the database's InvalidToken."""
        assert self.service is not None
        try:
            return self.service.id_tokens.verify(token)
        except InvalidIdToken as e:
            raise _database_invalid_token()(str(e)) from None

    def import_state(self, folder: Any) -> None:
        """An export's auth_export/ (accounts.json, config.json), as the official emulator
        imports it (accounts:batchCreate, PATCH config): accounts added or replaced by uid."""
        from ..persistence import read_auth_export

        accounts, config = read_auth_export(folder)
        assert self.service is not None
        if config is not None:
            self.service.passwords.config.update(config)
        if accounts is not None and accounts.get("users"):
            result = self.service.passwords.batch_create(accounts)
            for failure in result.get("error", []):
                log.warning("auth import: account %s of %s not imported: %s",
                            failure["index"], folder, failure["message"])

    def export_state(self) -> tuple[dict, dict]:
        """(accounts, config) in the layout of auth_export/ (what the suite's export writes)."""
        assert self.service is not None
        passwords = self.service.passwords
        return passwords.batch_get("-1", None), passwords.config.to_google()

    async def stop(self) -> None:
        if self._installer is not None:
            self._installer.cancel()
            self._installer = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def describe(self) -> list[str]:
        lines = [f"Auth emulator: {self.url} (FIREBASE_AUTH_EMULATOR_HOST={self.host}:{self.port})"]
        if self.secure and self.service is not None and self.service.signing_key is not None:
            lines.append(f"  secure mode: ID tokens signed (RS256, kid "
                         f"{self.service.signing_key.kid}); custom tokens must be signed by "
                         f"{self.service_account.path if self.service_account else '?'}")
        return lines


def _database_invalid_token() -> type[Exception]:
    """The database's InvalidToken (its seam), or ours while the database is not installed."""
    try:
        from ..database import InvalidToken
    except ImportError:
        return InvalidIdToken
    return InvalidToken


def create(options: SuiteOptions, suite: Suite | None) -> AuthEmulator:
    return AuthEmulator(options, suite)
