"""Starting the bundled emulator suite when the client runs with no configuration.

If something already answers on all three ports (a suite started by `make emulators`, or by
another client), the client just uses it. Otherwise it starts
`python -m messenger_emulators.suite.cli start --config <repo>/firebase.json --data <folder>
--secure` where <folder> is the one suite folder of this OS user (store/paths.py: every
instance and profile, and `make emulators`, use the same one, so chats persist between runs
and nobody starts an empty database of their own), waits until it is ready, and stops it
again on exit. Only what this client started is ever stopped.

When the suite stops answering, `check()` says what to do: restart it if this client started
it (it died), or if the Messenger instance that started it has quit or died (its owner record
says so); otherwise (`make emulators`, another program) wait for it to come back.

``--secure``: the suite keeps the chats of a real person, and any web page in their browser can
reach 127.0.0.1. In secure mode the suite accepts only the tokens it signed and no page acts as
its admin, so a page cannot sign in as anyone (Google's emulator behaviour, which a plain
``messenger-emulators start`` keeps for tests and SDKs).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from ..config import DEFAULT_HOST, DEFAULT_PORTS, DEFAULT_PROJECT_ID
from ..errors import UserFacingError

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

log = logging.getLogger(__name__)

READY_TIMEOUT_S = 40.0
REPO_ROOT = Path(__file__).resolve().parents[3]



class EmulatorError(UserFacingError):
    pass


def suite_ports(config_path: Path | None) -> dict[str, int]:
    """The ports firebase.json gives the emulators (Firebase's defaults where it says none),
    so the client connects where the suite it starts will listen."""
    ports = dict(DEFAULT_PORTS)
    if config_path is None:
        return ports
    try:
        emulators = json.loads(config_path.read_text(encoding="utf-8")).get("emulators") or {}
    except (OSError, ValueError, AttributeError):
        return ports
    for name in ports:
        entry = emulators.get(name) if isinstance(emulators, dict) else None
        port = entry.get("port") if isinstance(entry, dict) else None
        if isinstance(port, int) and 0 < port < 65536:
            ports[name] = port
    return ports


def find_firebase_json() -> Path | None:
    for candidate in (Path.cwd() / "firebase.json", REPO_ROOT / "firebase.json"):
        if candidate.is_file():
            return candidate
    return None


async def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


class EmulatorLauncher:
    def __init__(
        self,
        data_dir: Path,
        config_path: Path | None = None,
        host: str = DEFAULT_HOST,
        ports: dict[str, int] | None = None,
        project_id: str = DEFAULT_PROJECT_ID,
    ) -> None:
        self.data_dir = data_dir
        self.config_path = config_path or find_firebase_json()
        self.host = host
        # The ports to check and wait for: exactly the given ones (a firebase.json that runs
        # fewer emulators), else Firebase's defaults for all four (storage is 9199).
        self.ports = dict(ports) if ports else dict(DEFAULT_PORTS)
        self.project_id = project_id
        self.process: subprocess.Popen | None = None
        self.suite_dir = data_dir / "emulator-data"
        self._log_path = data_dir / "emulators.log"
        self._owner_path = data_dir / "emulators-owner.json"

    async def _states(self) -> list[bool]:
        return list(
            await asyncio.gather(*(port_open(self.host, p) for p in self.ports.values()))
        )

    async def ensure_running(self) -> bool:
        """Returns True if this call started the suite. Raises EmulatorError in plain words."""
        states = await self._states()
        if all(states):
            return False
        if any(states):
            busy = [str(p) for p, up in zip(self.ports.values(), states, strict=True) if up]
            raise EmulatorError(
                translate("Emulator",
                    "Some of the local server ports ({0}) are taken by another program, so the "
                    "built-in servers cannot start. Close that program, or point Messenger at a "
                    "Firebase project in the settings."
                ).format(", ".join(busy))
            )
        if self.config_path is None:
            raise EmulatorError(
                translate(
                    "Emulator",
                    "The built-in servers' firebase.json was not found. Start Messenger from "
                    "its folder, or point it at a Firebase project with --config.",
                )
            )
        self._start_process(self.config_path)
        started = await self._wait_ready()
        if started:
            self._write_owner(True)
        return started

    async def check(self) -> str:
        """The suite stopped answering (or never did): "running" (it answers again),
        "busy" (half up, or ours and still alive: give it time), "restart" (ensure_running()
        may start it) or "wait" (someone else's: it is theirs to restart)."""
        states = await self._states()
        if all(states):
            return "running"
        if any(states):
            return "busy"  # starting or stopping
        if self.process is not None:
            return "busy" if self.process.poll() is None else "restart"
        owner = self._read_owner()
        if owner is None:
            return "wait"
        # The suite that last held the folder wrote its pid into LOCK: if that is not the one
        # the record names, someone else (`make emulators`) ran it since: theirs to restart.
        last = self._last_suite_pid()
        if last is not None and owner.get("suite_pid") not in (None, last):
            return "wait"
        if not owner.get("running") or not _pid_alive(owner.get("pid")):
            return "restart"  # the Messenger instance that started it quit or died
        return "wait"

    def _last_suite_pid(self) -> int | None:
        try:
            text = (self.suite_dir / "LOCK").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return int(text) if text.isdigit() else None

    def _read_owner(self) -> dict | None:
        try:
            doc = json.loads(self._owner_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return doc if isinstance(doc, dict) else None

    def _write_owner(self, running: bool) -> None:
        doc = {"pid": os.getpid(), "running": running}
        if self.process is not None:
            doc["suite_pid"] = self.process.pid
        try:
            self._owner_path.write_text(json.dumps(doc), encoding="utf-8")
        except OSError as exc:
            log.warning("could not write %s: %s", self._owner_path, exc)

    def _start_process(self, config_path: Path) -> None:
        emulator_data = self.suite_dir
        emulator_data.mkdir(parents=True, exist_ok=True)
        args = [
            sys.executable, "-m", "messenger_emulators.suite.cli", "start",
            "--config", str(config_path), "--project", self.project_id,
            "--data", str(emulator_data),
            "--secure",
        ]
        log.info("starting the emulator suite: %s", " ".join(args))
        log_file = open(self._log_path, "w", encoding="utf-8")  # noqa: SIM115 - child keeps it
        self.process = subprocess.Popen(
            args,
            cwd=str(config_path.parent),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            start_new_session=True,  # Ctrl-C in the terminal goes to us; we stop it in order
        )
        log_file.close()

    async def _wait_ready(self) -> bool:
        """True when the suite we started answers; False when another instance's won the
        race to start it (ours then stops at once: the ports or the data folder are taken)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_TIMEOUT_S
        while loop.time() < deadline:
            up = all(await self._states())
            if self.process is not None and self.process.poll() is not None:
                if up or all(await self._states()):
                    self.process = None
                    return False
                text = translate("Emulator", "The built-in servers stopped while starting: {0}")
                raise EmulatorError(text.format(self._last_line()))
            if up:
                return True
            await asyncio.sleep(0.1)
        text = translate("Emulator", "The built-in servers did not start within {0} seconds.")
        raise EmulatorError(text.format(int(READY_TIMEOUT_S)))

    def _last_line(self) -> str:
        try:
            lines = [ln for ln in self._log_path.read_text(encoding="utf-8").splitlines() if ln]
            return lines[-1] if lines else translate("Emulator", "no output")
        except OSError:
            return translate("Emulator", "no output")

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the suite if (and only if) this launcher started it."""
        process, self.process = self.process, None
        if process is None:
            return
        self._write_owner(False)  # whoever still uses it may start it again
        if process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)  # lets it flush its journal
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _pid_alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    except OSError:
        return False
    return True
