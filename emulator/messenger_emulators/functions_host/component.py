"""The functions host as a suite component: create(options, suite) per docs/CONTRACTS.md.

Serves HTTP functions through proxy.py, runs the code in a worker subprocess (process.py),
subscribes database triggers to the database's commits (delivery.py), and with --watch
restarts the worker when a .py file or functions.json under the source changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from ..auth.server import JWK_PATH
from ..suite.environment import client_host
from ..suite.errors import ConfigError, PortInUseError
from . import messages as msg
from .channel import EventChannel
from .delivery import DeliveryPolicy, TriggerDispatcher
from .discovery import discover_async
from .dotenv import DotenvError, load_user_envs
from .manifest import FunctionSpec, Manifest, ManifestError
from .process import WorkerProcess, changed_file, snapshot_mtimes
from .proxy import build_app
from .secret import SECRET_ENV, SECRET_HEADER, new_secret
from .storage_events import StorageDispatcher
from .triggers import CloudEvent

if TYPE_CHECKING:
    from ..suite.options import SuiteOptions
    from ..suite.runner import Suite

log = logging.getLogger("messenger_emulators.functions")
WATCH_INTERVAL = 0.5


def _ensure_log_output() -> None:
    """Show the host's INFO lines (worker ready, reloads) when nobody configured logging."""
    if not logging.getLogger().handlers and not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)


class FunctionsEmulator:
    name = "functions"

    def __init__(self, options: SuiteOptions, suite: Suite | None = None,
                 policy: DeliveryPolicy | None = None) -> None:
        self.options = options
        self.suite = suite
        self.host: str = options.host
        self.port: int = options.port("functions")
        source = Path(options.functions_source)
        if not source.is_absolute():
            source = Path(options.config_dir) / source
        self.source = source
        self.policy = policy or DeliveryPolicy()
        self.manifest: Manifest | None = None
        self.worker: WorkerProcess | None = None
        self.dispatcher: TriggerDispatcher | None = None
        self.storage_dispatcher: StorageDispatcher | None = None
        self._storage: Any = None
        self._database: Any = None
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        # Host <-> worker: only the host may call the worker (secret.py); new every run.
        self.secret = new_secret()
        self.channel = EventChannel(self.secret.encode())
        self._watcher: asyncio.Task | None = None
        self.background_triggers = True  # the hub may switch them off (set_background_triggers)

    # ---- what the worker sees -----------------------------------------------------------------
    def worker_env(self, announce: bool = True) -> dict[str, str]:
        project = self.options.project_id
        env = dict(os.environ)
        # the functions' own variables first (.env files): what the suite sets below wins,
        # as Firebase's reserved keys can never come from them (dotenv.py)
        try:
            user_envs, files = load_user_envs(self.source, project,
                                              getattr(self.options, "project_alias", None))
        except DotenvError as e:
            if announce:
                log.error(msg.LOG_DOTENV_FAILED.format(error=e))
            user_envs, files = {}, []
        if files and announce:
            log.info(msg.LOG_DOTENV.format(files=", ".join(f.name for f in files)))
        env.update(user_envs)
        env.update({"GCLOUD_PROJECT": project, "GOOGLE_CLOUD_PROJECT": project,
                    "FUNCTIONS_EMULATOR": "true", "PYTHONUNBUFFERED": "1",
                    "TZ": "UTC"})  # as the official emulator and Cloud Functions
        config: dict[str, str] = {"projectId": project}
        database = self._database
        if database is not None:
            db_host = f"{client_host(self.host)}:{database.port}"
            env["FIREBASE_DATABASE_EMULATOR_HOST"] = db_host
            config["databaseURL"] = f"http://{db_host}?ns={self.options.namespace}"
        auth = self.suite.get("auth") if self.suite is not None else None
        env.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
        service_account = getattr(auth, "service_account", None)
        if auth is not None and service_account is not None:
            # Secure mode: firebase-admin signs custom tokens with the suite's service account
            # (it would make unsigned ones, which the Auth emulator refuses, with the variable).
            env["GOOGLE_APPLICATION_CREDENTIALS"] = str(service_account.path)
            # ... and ID tokens are verified against the Auth emulator's keys, published in
            # Google's JWK format, instead of Google's certificates (which need the internet).
            env["ID_TOKEN_JWKS_URL"] = f"http://{client_host(self.host)}:{auth.port}{JWK_PATH}"
        elif auth is not None:
            env["FIREBASE_AUTH_EMULATOR_HOST"] = f"{client_host(self.host)}:{auth.port}"
        storage = self.suite.get("storage") if self.suite is not None else None
        env.pop("STORAGE_EMULATOR_HOST", None)
        env.pop("FIREBASE_STORAGE_EMULATOR_HOST", None)
        if storage is not None:
            # firebase-admin's storage.bucket() (google-cloud-storage) reaches the emulator
            storage_host = f"{client_host(self.host)}:{storage.port}"
            env["FIREBASE_STORAGE_EMULATOR_HOST"] = storage_host
            env["STORAGE_EMULATOR_HOST"] = f"http://{storage_host}"
            config["storageBucket"] = f"{project}.appspot.com"
        env["FIREBASE_CONFIG"] = json.dumps(config)
        env[SECRET_ENV] = self.secret
        return env

    def _discovery_env(self) -> dict[str, str]:
        """The worker's environment without the host's secret: main.py runs at discovery."""
        env = self.worker_env(announce=False)
        env.pop(SECRET_ENV, None)
        return env

    # ---- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        _ensure_log_output()
        self._database = self.suite.get("database") if self.suite is not None else None
        try:
            # functions.json, functions.yaml, or the firebase_functions SDK (discovery.py)
            self.manifest = await discover_async(self.source, self._discovery_env())
        except ManifestError as e:
            raise ConfigError(str(e)) from None
        self._session = aiohttp.ClientSession(auto_decompress=False,
                                              timeout=aiohttp.ClientTimeout(total=None))
        self.worker = WorkerProcess(self.manifest, self.worker_env())
        app = build_app(self.options.project_id, self._live_manifest, self.worker,
                        self._live_session, self.secret, bool(self.options.secure))
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except OSError as e:
            await self._cleanup()
            if e.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortInUseError(self.name, self.host, self.port) from None
            raise
        self.port = self._runner.addresses[0][1]
        # The worker imports function code in the background: the suite is ready meanwhile.
        self.worker.start()
        self._start_triggers()
        if self.options.watch:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    # The proxy reads these per request (a reload replaces the manifest); start() sets both
    # before the proxy listens, stop() closes the proxy before the session.
    def _live_manifest(self) -> Manifest:
        assert self.manifest is not None
        return self.manifest

    def _live_session(self) -> aiohttp.ClientSession:
        assert self._session is not None
        return self._session

    def _start_triggers(self) -> None:
        assert self.manifest is not None
        self._start_storage_triggers()
        if self._database is None:
            if self.manifest.triggers:
                log.warning(msg.LOG_NO_DATABASE)
            return
        db_host = f"{client_host(self.host)}:{self._database.port}"
        self.dispatcher = TriggerDispatcher(self.manifest.triggers, db_host, self._post_event,
                                            self.policy, self._send_event,
                                            instance=self.options.namespace)
        self.dispatcher.start()
        self._database.engine.add_commit_listener(self.dispatcher.on_commit)

    def _start_storage_triggers(self) -> None:
        """Storage object events, from the Storage emulator's service (storage_events.py)."""
        assert self.manifest is not None
        self._storage = self.suite.get("storage") if self.suite is not None else None
        service = getattr(self._storage, "service", None)
        if service is None:
            if self.manifest.storage_triggers:
                log.warning(msg.LOG_NO_STORAGE)
            return
        self.storage_dispatcher = StorageDispatcher(
            self.manifest.storage_triggers, self._post_event,
            f"{self.options.project_id}.appspot.com",
            f"http://{client_host(self.host)}:{self._storage.port}", self.policy,
            self._send_event)
        self.storage_dispatcher.enabled = self.background_triggers
        self.storage_dispatcher.start()
        service.listeners.append(self.storage_dispatcher.on_object)

    def set_background_triggers(self, enabled: bool) -> None:
        """The hub's PUT /functions/{enable,disable}BackgroundTriggers: while off, commits
        reach no trigger, and are not delivered later (as the official emulator)."""
        if self.storage_dispatcher is not None:
            self.storage_dispatcher.enabled = enabled
        if self.dispatcher is None or self._database is None or \
                enabled == self.background_triggers:
            return
        engine = self._database.engine
        if enabled:
            engine.add_commit_listener(self.dispatcher.on_commit)
        else:
            engine.remove_commit_listener(self.dispatcher.on_commit)
        self.background_triggers = enabled

    def _send_event(self, spec: FunctionSpec, event: CloudEvent,
                    on_reply: Callable[[int, BaseException | None], None]) -> bool:
        """One attempt over the connected channel, answered through ``on_reply``; False when
        the worker is not ready or not connected yet (then ``_post_event`` does it)."""
        worker = self.worker
        if worker is None or worker.port is None:
            return False
        port = worker.events_port
        if port is None or not self.channel.connected_to(port):
            return False
        self.channel.send(spec.name, event.headers, event.body, on_reply,
                          spec.timeout_s or self.policy.timeout, event.headers_json)
        return True

    async def _post_event(self, spec: FunctionSpec, event: CloudEvent) -> int:
        assert self.worker is not None and self._session is not None
        base = await self.worker.wait_ready(self.policy.timeout)
        port = self.worker.events_port
        if port is not None:  # the lean channel (channel.py); HTTP only if the worker has none
            return await self.channel.call(port, spec.name, event.headers, event.body,
                                           event.headers_json)
        headers = {**event.headers, SECRET_HEADER: self.secret}
        async with self._session.post(f"{base}/{spec.name}/", data=event.body,
                                      headers=headers) as response:
            await response.read()
            return response.status

    async def _watch(self) -> None:
        before = snapshot_mtimes(self.source)
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            after = snapshot_mtimes(self.source)
            path = changed_file(before, after)
            if path is None:
                continue
            before = after
            log.info(msg.LOG_RELOAD.format(path=path))
            await self.reload()

    async def reload(self) -> None:
        """Re-read the manifest and restart the worker (what --watch does on a change)."""
        assert self.worker is not None
        try:
            self.manifest = await discover_async(self.source, self._discovery_env())
        except ManifestError as e:
            log.error(str(e))  # keep serving the previous manifest; the next save retries
        await self.worker.restart(self.manifest)
        if self.dispatcher is not None and self.manifest is not None:
            self.dispatcher.set_triggers(self.manifest.triggers)
        if self.storage_dispatcher is not None and self.manifest is not None:
            self.storage_dispatcher.set_triggers(self.manifest.storage_triggers)

    async def stop(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self.dispatcher is not None:
            if self._database is not None:
                remove = getattr(self._database.engine, "remove_commit_listener", None)
                if remove is not None:
                    remove(self.dispatcher.on_commit)
            await self.dispatcher.stop()
        if self.storage_dispatcher is not None:
            listeners = getattr(getattr(self._storage, "service", None), "listeners", [])
            if self.storage_dispatcher.on_object in listeners:
                listeners.remove(self.storage_dispatcher.on_object)
            await self.storage_dispatcher.stop()
        if self.worker is not None:
            await self.worker.stop()
        await self.channel.close()
        await self._cleanup()

    async def _cleanup(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    # ---- what the suite prints ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{client_host(self.host)}:{self.port}"

    def function_url(self, name: str) -> str:
        region = self.manifest.region if self.manifest else "us-central1"
        return f"{self.base_url}/{self.options.project_id}/{region}/{name}"

    def describe(self) -> list[str]:
        lines = [f"Functions emulator: {self.base_url} (source {self.source}; worker starting "
                 f"in the background{', reloading on change' if self.options.watch else ''})"]
        if self.manifest is None:
            return lines
        for spec in self.manifest.functions:
            if spec.storage is not None:
                lines.append(f"  storage trigger {spec.name}: "
                             f"{spec.storage.event_type.rsplit('.', 1)[1]} "
                             f"(bucket {spec.storage.bucket})")
            elif spec.database is None:
                lines.append(f"  http function {spec.name}: {self.function_url(spec.name)}")
            else:
                t = spec.database
                lines.append(f"  database trigger {spec.name}: {t.event_type.rsplit('.', 1)[1]}"
                             f" {t.ref} (instance {t.instance})")
        return lines


def create(options: SuiteOptions, suite: Suite | None) -> FunctionsEmulator:
    return FunctionsEmulator(options, suite)
