"""Runs and supervises the functions worker subprocess (worker.py) from the asyncio loop.

The worker starts in the background so the suite is ready without waiting for function code
to import; callers that need it ``await wait_ready()``. A worker that dies is restarted (with
a growing delay if it keeps dying); one whose code fails to load stays down, with the error
shown, until ``restart()`` (the --watch reloader calls it when a file changes).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from . import messages as msg
from .manifest import Manifest

log = logging.getLogger("messenger_emulators.functions")

RESTART_DELAY_MIN = 0.2
RESTART_DELAY_MAX = 10.0
STABLE_AFTER = 10.0  # seconds up before a crash counts as a fresh one (delay resets)
STOP_GRACE = 3.0
LINE_LIMIT = 1 << 20


class WorkerUnavailable(Exception):
    """The worker cannot take a request now; str() says why (a sentence for the user)."""


def _print_line(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


class WorkerProcess:
    def __init__(self, manifest: Manifest, env: dict[str, str],  # the worker's whole env
                 output: Callable[[str], None] = _print_line) -> None:
        self.manifest = manifest
        self.env = env
        self.output = output
        self.port: int | None = None
        self.events_port: int | None = None  # the event channel (channel.py)
        self.error: str | None = None
        self.starts = 0  # how many workers were spawned (tests and logs)
        self._proc: asyncio.subprocess.Process | None = None
        self._changed = asyncio.Condition()
        self._supervisor: asyncio.Task | None = None
        self._stopping = False
        self._delay = RESTART_DELAY_MIN

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        self._stopping = False
        self._supervisor = asyncio.get_running_loop().create_task(self._supervise())

    async def wait_ready(self, timeout: float) -> str:
        """The worker's base URL once it serves; WorkerUnavailable if it failed or timed out."""
        if self.port is not None:  # the usual case, once per trigger event: no waiting
            return self.base_url
        async def ready() -> str:
            async with self._changed:
                await self._changed.wait_for(lambda: self.port is not None or self.error)
            if self.error:
                raise WorkerUnavailable(msg.WORKER_LOAD_FAILED.format(error=self.error))
            return self.base_url
        try:
            return await asyncio.wait_for(ready(), timeout)
        except TimeoutError:
            raise WorkerUnavailable(msg.WORKER_NOT_READY.format(timeout=timeout)) from None

    async def restart(self, manifest: Manifest | None = None) -> None:
        """Replace the worker (new code, or a new manifest)."""
        await self.stop()
        if manifest is not None:
            self.manifest = manifest
        self._delay = RESTART_DELAY_MIN
        self.start()

    async def stop(self) -> None:
        self._stopping = True
        await self._terminate()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
            self._supervisor = None
        await self._set(port=None, error=None)

    async def _set(self, port: int | None, error: str | None,
                   events_port: int | None = None) -> None:
        async with self._changed:
            self.port, self.error, self.events_port = port, error, events_port
            self._changed.notify_all()

    async def _terminate(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        if proc.stdin is not None:
            proc.stdin.close()  # the worker exits when its stdin closes
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def _supervise(self) -> None:
        while not self._stopping:
            started = time.monotonic()
            code = await self._run_once()
            if self._stopping or self.error:
                return  # a load failure waits for restart(): running it again changes nothing
            if time.monotonic() - started > STABLE_AFTER:
                self._delay = RESTART_DELAY_MIN
            log.warning(msg.LOG_WORKER_EXITED.format(code=code, delay=self._delay))
            await asyncio.sleep(self._delay)
            self._delay = min(self._delay * 2, RESTART_DELAY_MAX)

    async def _run_once(self) -> int:
        functions = [{"name": f.name, "entryPoint": f.entry_point,
                      "signatureType": f.signature_type} for f in self.manifest.functions]
        began = time.monotonic()
        self.starts += 1
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "messenger_emulators.functions_host.worker",
            str(self.manifest.source), json.dumps(functions),
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, env=self.env,
            cwd=str(self.manifest.source), limit=LINE_LIMIT)
        assert self._proc.stdout is not None
        try:
            while True:
                try:
                    raw = await self._proc.stdout.readline()
                except ValueError:  # a line over LINE_LIMIT: pass a chunk through
                    raw = await self._proc.stdout.read(LINE_LIMIT)
                if not raw:
                    break
                await self._handle_line(raw.decode(errors="replace").rstrip("\n"), began)
        finally:
            code = await self._proc.wait()
            if self.port is not None:
                await self._set(port=None, error=self.error)
        return code

    async def _handle_line(self, line: str, began: float) -> None:
        if line.startswith(msg.WORKER_READY):
            ready = json.loads(line[len(msg.WORKER_READY):])
            names = ", ".join(f.name for f in self.manifest.functions) or "no functions"
            log.info(msg.LOG_WORKER_READY.format(seconds=time.monotonic() - began, names=names))
            await self._set(port=ready["port"], error=None, events_port=ready.get("events"))
        elif line.startswith(msg.WORKER_FAILED):
            error = json.loads(line[len(msg.WORKER_FAILED):])["error"]
            log.error(msg.LOG_WORKER_FAILED.format(error=error))
            await self._set(port=None, error=error)
        else:
            self.output(line)


def snapshot_mtimes(source: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of the files whose change reloads the functions (.py and functions.json).

    The size matters: an editor (or `Path.write_text`) truncates, then writes, often within
    one tick of the file system's clock, so a poll that caught the empty file would see the
    same mtime for the full one and never reload again."""
    found: dict[str, tuple[int, int]] = {}
    for root, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("__pycache__", "venv")]
        for name in files:
            if name.endswith(".py") or name == "functions.json":
                path = os.path.join(root, name)
                with contextlib.suppress(OSError):
                    stat = os.stat(path)
                    found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_file(before: dict[str, tuple[int, int]],
                 after: dict[str, tuple[int, int]]) -> str | None:
    for path in after.keys() | before.keys():
        if before.get(path) != after.get(path):
            return path
    return None
