"""The emulator hub, as firebase-tools runs it (src/emulator/hub.ts): how tools find the suite.

    GET  /              the locator: {"version", "origins", "pid", "host", "port"}
    GET  /emulators     every running emulator: {"database": {"name", "host", "port",
                        "listen": [{"address", "family", "port"}]}, ..., "hub": {...}}
    PUT  /functions/disableBackgroundTriggers, /functions/enableBackgroundTriggers
                        database triggers off / on (what @firebase/rules-unit-testing's
                        withFunctionTriggersDisabled and the Emulator UI send)
    POST /_admin/export {"path": DIR}: write an export now (what `firebase emulators:export`
                        asks the hub for)

It also writes the locator file firebase-tools reads to find a running hub
(`$TMPDIR/hub-<project>.json`, removed on stop), so `firebase emulators:export DIR` reaches
this suite. Port: firebase.json `emulators.hub.port`, else 4400, else (4400 busy, as the CLI's
FIND_AVAILABLE_PORT_BY_DEFAULT allows for the hub) any free port.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from . import trust
from .environment import client_host
from .errors import MSG_HUB_PORT_IN_USE, SuiteError

log = logging.getLogger("messenger_emulators.hub")
DEFAULT_HUB_PORT = 4400
CLI_VERSION = "13.0.0"  # the firebase-tools release whose layouts the suite follows


def _family(host: str) -> str:
    return "IPv6" if ":" in host else "IPv4"


def locator_path(project_id: str) -> Path:
    """Where firebase-tools looks for a running hub of `project_id` (hub.ts)."""
    return Path(tempfile.gettempdir()) / f"hub-{project_id}.json"


class EmulatorHub:
    def __init__(self, project_id: str, host: str, port: int | None,
                 running: Callable[[], dict[str, int]],
                 export: Callable[[Path], Any], secure: bool = False,
                 emulator: Callable[[str], Any] | None = None) -> None:
        self._emulator = emulator  # name -> running emulator (or None)
        self.project_id = project_id
        self.secure = secure
        self.host = host
        self.requested_port = port  # None: 4400, else any free port
        self.port = 0
        self._running = running  # name -> bound port of every running emulator
        self._export = export  # blocking; run in a thread
        self._runner: web.AppRunner | None = None
        self._locator: Path | None = None

    # ---- what tools read ---------------------------------------------------------------
    def _info(self, name: str, port: int) -> dict[str, Any]:
        reach = client_host(self.host).strip("[]")
        return {"name": name, "host": reach, "port": port,
                "listen": [{"address": self.host.strip("[]"), "family": _family(self.host),
                            "port": port}]}

    def emulators(self) -> dict[str, Any]:
        found = {name: self._info(name, port) for name, port in self._running().items()}
        found["hub"] = self._info("hub", self.port)
        return found

    def locator(self) -> dict[str, Any]:
        origin = f"http://{client_host(self.host)}:{self.port}"
        return {"version": CLI_VERSION, "origins": [origin], "pid": os.getpid(),
                "host": client_host(self.host).strip("[]"), "port": self.port}

    # ---- routes --------------------------------------------------------------------------
    async def _get_root(self, _request: web.Request) -> web.Response:
        return web.json_response(self.locator())

    async def _get_emulators(self, _request: web.Request) -> web.Response:
        return web.json_response(self.emulators())

    def _admin_place(self, request: web.Request) -> bool:
        """trust.py's rule for the admin: never a web page; in secure mode only this machine."""
        transport = request.transport
        peer = trust.peer_host(transport.get_extra_info("peername")) if transport else None
        local = trust.peer_host(transport.get_extra_info("sockname")) if transport else None
        return trust.may_act_as_admin(secure=self.secure,
                                      local_peer=trust.is_local_peer(peer, local),
                                      browser=trust.is_browser_request(request.headers))

    # aiohttp wants coroutine functions as handlers (a lambda returning a coroutine is a
    # deprecated "bare function", an error under the tests' filterwarnings)
    async def _put_triggers_off(self, request: web.Request) -> web.Response:
        return await self._put_triggers(request, False)

    async def _put_triggers_on(self, request: web.Request) -> web.Response:
        return await self._put_triggers(request, True)

    async def _put_triggers(self, request: web.Request, enabled: bool) -> web.Response:
        if not self._admin_place(request):
            return web.json_response({"error": "Only this machine's programs may switch the "
                                      "functions' triggers."}, status=403)
        functions = self._emulator("functions") if self._emulator is not None else None
        switch = getattr(functions, "set_background_triggers", None)
        if switch is None:
            return web.json_response({"error": "The Cloud Functions emulator is not running."},
                                     status=400)
        log.info("%s Cloud Functions triggers, non-HTTP functions will %sexecute.",
                 "Enabling" if enabled else "Disabling", "" if enabled else "not ")
        switch(enabled)
        return web.json_response({"enabled": enabled})

    async def _post_export(self, request: web.Request) -> web.Response:
        # An export writes files where the caller says: the admin's, by trust.py's rule (never
        # a web page; in secure mode only from this machine).
        if not self._admin_place(request):
            return web.json_response(
                {"message": "Export cannot be triggered by external callers."}, status=403)
        try:
            body = await request.json()
            target = body["path"]
            if not isinstance(target, str) or not target:
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return web.json_response({"message": 'The body must be {"path": DIR}.'}, status=400)
        log.info("Received export request. Exporting data to %s.", target)
        try:
            await asyncio.to_thread(self._export, Path(target).resolve())
        except (OSError, ValueError) as exc:
            log.warning("Export failed: %s", exc)
            return web.json_response({"message": str(exc)}, status=500)
        log.info("Export complete.")
        return web.json_response({"message": "OK"})

    # ---- lifecycle ---------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self._get_root)
        app.router.add_get("/emulators", self._get_emulators)
        app.router.add_post("/_admin/export", self._post_export)
        app.router.add_put("/functions/disableBackgroundTriggers", self._put_triggers_off)
        app.router.add_put("/functions/enableBackgroundTriggers", self._put_triggers_on)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        ports = [self.requested_port] if self.requested_port is not None \
            else [DEFAULT_HUB_PORT, 0]
        for port in ports:
            try:
                await web.TCPSite(self._runner, self.host.strip("[]"), port).start()
                break
            except OSError as exc:
                if exc.errno not in (errno.EADDRINUSE, errno.EACCES) or port == ports[-1]:
                    await self._runner.cleanup()
                    self._runner = None
                    if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                        raise SuiteError(MSG_HUB_PORT_IN_USE.format(
                            host=self.host, port=port)) from None
                    raise
        self.port = self._runner.addresses[0][1]
        self._write_locator()

    def _write_locator(self) -> None:
        path = locator_path(self.project_id)
        try:
            previous = json.loads(path.read_text(encoding="utf-8"))
            pid = int(previous.get("pid", 0))
            if pid and pid != os.getpid() and _alive(pid):
                log.warning("It seems that you are running multiple instances of the emulator "
                            "suite for project %s. This may result in unexpected behavior.",
                            self.project_id)
                return
        except (OSError, ValueError, TypeError, AttributeError):
            pass
        try:
            path.write_text(json.dumps(self.locator()), encoding="utf-8")
            self._locator = path
        except OSError as exc:
            log.warning("Could not write the hub locator %s: %s", path, exc)

    async def stop(self) -> None:
        if self._locator is not None:
            try:
                if json.loads(self._locator.read_text(encoding="utf-8")).get("pid") == \
                        os.getpid():
                    self._locator.unlink()
            except (OSError, ValueError, AttributeError):
                pass
            self._locator = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def describe(self) -> list[str]:
        return [f"Emulator hub: http://{client_host(self.host)}:{self.port} "
                f"(FIREBASE_EMULATOR_HUB={client_host(self.host)}:{self.port})"]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
