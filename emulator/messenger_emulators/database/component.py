"""The database as a suite component: `create(options, suite) -> DatabaseEmulator`."""

from __future__ import annotations

import asyncio
import errno
import gc
import logging
from pathlib import Path as FsPath
from typing import TYPE_CHECKING, Any

from messenger_emulators.rules import RulesError
from messenger_emulators.suite.options import SuiteOptions, is_loopback

from . import http
from . import messages as msg
from .engine import DatabaseEngine, Persistence
from .identity import TokenPolicy, TokenVerifier
from .rules_watch import RulesFileWatcher
from .server import HttpServerState, create_protocol_factory
from .streaming import StreamHub

if TYPE_CHECKING:
    from messenger_emulators.suite.runner import Suite

log = logging.getLogger("messenger_emulators.database")


# Writes are copy-on-write: each one copies the dicts along its path, and a young-generation
# collection scans every entry of those fresh copies (a chat of 3,000 messages: 3,000 entries
# per copy). At Python's default (a collection every 700 container allocations, ~30 writes)
# that scanning cost more than the write itself once nodes grew to thousands of children.
GC_GEN0_THRESHOLD = 10_000


def _tune_gc() -> None:
    gen0, gen1, gen2 = gc.get_threshold()
    if 0 < gen0 < GC_GEN0_THRESHOLD:       # 0: collection disabled by the host; leave it
        gc.set_threshold(GC_GEN0_THRESHOLD, gen1, gen2)


class DatabaseRulesFileError(ValueError):
    """The configured rules file cannot be read or is not valid rules."""


def _port_in_use(name: str, host: str, port: int) -> Exception:
    try:
        from messenger_emulators.suite.errors import PortInUseError
    except ImportError:  # the suite is optional for the database alone
        return OSError(errno.EADDRINUSE, f"Could not start the {name} emulator: port {port} "
                                          f"on {host} is already in use.")
    return PortInUseError(name, host, port)


class DatabaseEmulator:
    name = "database"

    def __init__(self, project_id: str = "demo-messenger", host: str = "127.0.0.1",
                 port: int = 0, rules_text: str | None = None,
                 persistence: Persistence | None = None,
                 initial_roots: dict[str, object] | None = None,
                 rules_trace: bool = False, keepalive_s: float = msg.DEFAULT_KEEPALIVE_S,
                 owns_persistence: bool = True, secure: bool = False,
                 suite: Any = None, rules_path: FsPath | None = None) -> None:
        self.suite = suite
        self.host = host
        self.port = port
        self.persistence = persistence
        self._owns_persistence = owns_persistence
        self._initial_roots = initial_roots
        self.rules_from_file = rules_text is not None
        self.engine = DatabaseEngine(project_id, rules_text, None, None, rules_trace)
        self.hub = StreamHub(self.engine, keepalive_s=keepalive_s)
        # secure: ID tokens only through an installed verifier, the admin only from this
        # machine. Forced on beyond loopback here too, not only by the suite's options: the
        # database alone (`python -m messenger_emulators.database --host ADDR`) has none.
        self.tokens = TokenPolicy(secure=secure or not is_loopback(host), host=host)
        self._server: asyncio.base_events.Server | None = None
        self._http: HttpServerState | None = None
        # edits to the rules file apply while running (rules_watch.py)
        self._rules_watcher = RulesFileWatcher(self.engine, rules_path) \
            if rules_path is not None else None

    @property
    def project_id(self) -> str:
        return self.engine.project_id

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def set_id_token_verifier(self, fn: TokenVerifier | None) -> None:
        self.tokens.verifier = fn

    async def start(self) -> None:
        roots = dict(self._initial_roots or {})
        if self.persistence is not None:
            roots.update(self.persistence.load())
        for name, root in roots.items():
            ns = self.engine.namespace(name)
            ns.root = ns.durable_root = root
        self.engine.persistence = self.persistence
        _tune_gc()
        self._adopt_auth_verifier()
        state = http.build_server(self.engine, self.hub, self.tokens)
        loop = asyncio.get_running_loop()
        try:
            self._server = await loop.create_server(
                create_protocol_factory(state), self.host, self.port, reuse_address=True,
                backlog=1024)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise _port_in_use(self.name, self.host, self.port) from None
            raise
        self._http = state
        state.start()
        self.port = self._server.sockets[0].getsockname()[1]
        self.hub.start()
        if self._rules_watcher is not None:
            self._rules_watcher.start()

    async def stop(self) -> None:
        if self._rules_watcher is not None:
            await self._rules_watcher.stop()
        if self._server is not None:
            self._server.close()          # no new connections
        await self.hub.stop()             # every stream ends cleanly
        await self.engine.close()
        if self._http is not None:
            await self._http.close()      # idle keep-alive connections, then the others
            self._http = None
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self.persistence is not None and self._owns_persistence:
            await self.persistence.close()

    def _adopt_auth_verifier(self) -> None:
        """The suite starts auth first; in secure mode take its verifier before listening, so
        no request is ever served without signature checks."""
        auth = self.suite.get("auth") if self.suite is not None else None
        verifier = getattr(auth, "id_token_verifier", None)
        if self.tokens.secure and self.tokens.verifier is None and callable(verifier):
            self.tokens.verifier = verifier

    def describe(self) -> list[str]:
        rules = "rules from firebase.json" if self.rules_from_file else \
            "no rules file: open read/write"
        return [f"Database emulator: {self.url}/?ns={self.project_id} "
                f"(FIREBASE_DATABASE_EMULATOR_HOST={self.host}:{self.port}; {rules})"]


def _rules_file(options: SuiteOptions) -> FsPath | None:
    if options.rules_path is None:
        return None
    path = FsPath(options.rules_path)
    if not path.is_absolute():
        path = FsPath(options.config_dir) / path
    return path


def _rules_text(options: SuiteOptions) -> str | None:
    path = _rules_file(options)
    if path is None:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatabaseRulesFileError(f"Could not read the database rules {path}: "
                                     f"{exc.strerror}") from None
    try:
        from messenger_emulators.rules import RuleSet
        RuleSet.from_text(text)
    except RulesError as exc:
        raise DatabaseRulesFileError(f"Invalid database rules in {path}: {exc}") from None
    return text


def create(options: SuiteOptions, suite: Suite | None = None) -> DatabaseEmulator:
    persistence = suite.persistence if suite is not None else None
    return DatabaseEmulator(
        project_id=options.project_id, host=options.host, port=options.port("database"),
        rules_text=_rules_text(options), persistence=persistence,
        rules_trace=options.rules_trace, secure=options.secure,
        # the suite closes its own persistence after stopping every emulator
        owns_persistence=suite is None, suite=suite, rules_path=_rules_file(options))
