"""The Suite: starts the chosen emulators on one asyncio loop, in order, and stops them."""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
from typing import TYPE_CHECKING, Protocol

from .collector import CollectorPolicy
from .errors import MSG_EXPORT_FAILED, MSG_HOST_UNUSABLE, PortInUseError, SuiteError
from .options import EMULATOR_ORDER, SuiteOptions

if TYPE_CHECKING:
    from ..persistence import Persistence
    from .hub import EmulatorHub

log = logging.getLogger(__name__)
EXPORTED = ("database", "auth", "storage")   # the emulators whose data an export holds
STOP_TIMEOUT = 15.0  # seconds per emulator; a stuck one must not keep the others running


class Emulator(Protocol):
    name: str
    port: int

    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    def describe(self) -> list[str]: ...
    # optional: `suite_ready()` (sync or async), called once all emulators have started


def check_port_free(name: str, host: str, port: int) -> None:
    """Fail early, with the emulator's name, if something already listens on host:port."""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # Same option as the servers use, so TIME_WAIT leftovers do not count as busy.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(name, host, port) from None
            detail = MSG_HOST_UNUSABLE.format(name=name, host=host, port=port, detail=exc)
            raise SuiteError(detail) from None


class Suite:
    def __init__(self, options: SuiteOptions, only: list[str] | None = None) -> None:
        self.options = options
        self.only = [n for n in EMULATOR_ORDER if only is None or n in only]
        self._running: dict[str, Emulator] = {}
        self._persistence: Persistence | None = None
        self._persistence_opened = False
        self._collector: CollectorPolicy | None = None
        self.hub: EmulatorHub | None = None

    # ---- what components use ----------------------------------------------------------
    def get(self, name: str) -> Emulator | None:
        return self._running.get(name)

    @property
    def persistence(self) -> Persistence | None:
        """The database's Persistence: the journal on --data (with --import applied by
        load()), the --import data alone, or None (nothing to load or keep). Created once, on
        first use, so a suite without a database never touches the data folder."""
        if not self._persistence_opened:
            from ..persistence import open_persistence

            self._persistence = open_persistence(self.options)
            self._persistence_opened = True
        return self._persistence

    @property
    def ports(self) -> dict[str, int]:
        return {name: int(getattr(em, "port", 0)) for name, em in self._running.items()}

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        from .registry import load_factory

        for name in self.only:
            check_port_free(name, self.options.host, self.options.port(name))
        try:
            for name in self.only:
                emulator = load_factory(name)(self.options, self)
                try:
                    await emulator.start()
                except OSError as exc:
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    host, port = self.options.host, self.options.port(name)
                    raise PortInUseError(name, host, port) from None
                self._running[name] = emulator
            # Optional hook: once every emulator is up, each may wire itself to the others
            # (e.g. auth installing its ID-token verifier into the database), before "ready".
            for emulator in list(self._running.values()):
                ready = getattr(emulator, "suite_ready", None)
                if ready is not None:
                    result = ready()
                    if asyncio.iscoroutine(result):
                        await result
            # The hub lists what runs (GET /emulators), as firebase-tools' hub does.
            from .hub import EmulatorHub

            self.hub = EmulatorHub(self.options.project_id, self.options.host,
                                   self.options.hub_port, lambda: self.ports, self.export_now,
                                   secure=self.options.secure, emulator=self.get)
            await self.hub.start()
            # no long collector pauses under load (collector.py)
            self._collector = CollectorPolicy()
            self._collector.install(asyncio.get_running_loop())
        except BaseException:
            await self.stop(export=False)
            raise

    def describe(self) -> list[str]:
        lines: list[str] = []
        for name in EMULATOR_ORDER:
            if name in self._running:
                lines.extend(self._running[name].describe())
        if self.hub is not None:
            lines.extend(self.hub.describe())
        return lines

    async def stop(self, export: bool = True) -> None:
        """Export (--export-on-exit) while the database still serves, then stop the emulators
        in reverse start order, then close the journal."""
        errors: list[BaseException] = []
        if self.hub is not None:
            await self.hub.stop()
            self.hub = None
        target = self.options.export_on_exit if export else None
        if target is not None and any(n in self._running for n in EXPORTED):
            try:
                await asyncio.to_thread(self._export, target)
            except (OSError, ValueError) as exc:
                errors.append(SuiteError(MSG_EXPORT_FAILED.format(path=target, detail=exc)))
        for name in reversed(list(self._running)):
            emulator = self._running.pop(name)
            try:
                await asyncio.wait_for(emulator.stop(), STOP_TIMEOUT)
            except Exception as exc:  # keep stopping the others
                log.error("could not stop the %s emulator cleanly: %s", name, exc)
        if self._persistence is not None:
            await self._persistence.close()
        if self._collector is not None:
            self._collector.uninstall()
            self._collector = None
        if errors:
            raise errors[0]

    def namespaces(self) -> set[str]:
        """Every namespace that may hold data: the default one, the journal's and the
        database's own list (read defensively: it is the database part's attribute)."""
        found = {self.options.namespace}
        found |= set(getattr(self._persistence, "namespaces", ()) or ())
        engine = getattr(self._running.get("database"), "engine", None)
        found |= set(getattr(engine, "namespaces", {}) or {})
        return found

    def export_now(self, target) -> None:
        """An export on request (the hub's POST /_admin/export); blocking."""
        if not any(name in self._running for name in EXPORTED):
            raise ValueError("none of the database, auth and storage emulators runs: "
                             "nothing to export")
        self._export(target)

    def _export(self, target) -> None:
        """As `firebase emulators:export`: each namespace read over HTTP with format=export
        as the admin, written in the official layout."""
        from ..persistence import write_export

        roots: dict[str, object] = {}
        if "database" in self._running:
            for namespace in sorted(self.namespaces()):
                root = self._read_namespace(namespace)
                if root is not None:
                    roots[namespace] = root
        # the Auth emulator's accounts and config (auth_export/), when it runs
        export_auth = getattr(self._running.get("auth"), "export_state", None)
        # the Storage emulator's objects (storage_export/), when it runs
        export_storage = getattr(self._running.get("storage"), "export_state", None)
        write_export(target, roots, export_auth() if export_auth is not None else None,
                     export_storage)

    def _read_namespace(self, namespace: str) -> object:
        import json
        import urllib.error
        import urllib.request

        from .environment import client_host

        base = f"http://{client_host(self.options.host)}:{self.ports['database']}"
        request = urllib.request.Request(
            f"{base}/.json?ns={namespace}&format=export",
            headers={"Authorization": "Bearer owner"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            # In secure mode the unsigned admin token is refused: read the database's own
            # state instead (what its reads serve), if it exposes it.
            engine = getattr(self._running.get("database"), "engine", None)
            spaces = getattr(engine, "namespaces", None)
            if exc.code in (401, 403) and isinstance(spaces, dict):
                from ..wide_nodes import plain

                return plain(getattr(spaces.get(namespace), "durable_root", None))
            raise
