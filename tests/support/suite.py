"""`running_suite()`: the real `messenger-emulators start` in a subprocess, for end-to-end tests.

    with running_suite(only=("database", "auth"), rules={"rules": {".read": True}}) as s:
        requests.put(f"{s.database_url}/a.json?ns={s.ns}", json=1)
        s.kill(); s.restart()           # same ports, same --data folder

Every run gets its own temporary folder with a firebase.json on free ports. Whatever happens,
the suite's processes are gone when the block ends, and if the block raises, the suite's
output is printed (pytest shows it with the failure).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from messenger_emulators.suite.cli import READY_LINE
from messenger_emulators.suite.environment import emulator_env
from messenger_emulators.suite.options import DEFAULT_PROJECT_ID, DEFAULT_REGION, EMULATOR_ORDER

REPO = Path(__file__).resolve().parents[2]
FUNCTIONS_SOURCE = REPO / "functions"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
PORT_RETRIES = 3


class SuiteFailed(RuntimeError):
    """The suite did not start (or stop) as expected; the message carries its output."""


def free_ports(count: int) -> list[int]:
    """Ports the kernel just handed out; all held open together so they are distinct."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class RunningSuite:
    only: tuple[str, ...]
    project_id: str
    ports: dict[str, int]
    workdir: Path
    config_path: Path
    data_dir: Path | None
    args: list[str]
    extra_env: dict[str, str] = field(default_factory=dict)
    prefix: list[str] = field(default_factory=list)  # e.g. netns.namespace_prefix()
    process: subprocess.Popen[str] | None = None
    _lines: list[str] = field(default_factory=list)
    _reader: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    # ---- where things are ------------------------------------------------------------------
    @property
    def ns(self) -> str:
        return self.project_id

    @property
    def database_url(self) -> str:
        return f"http://{HOST}:{self.ports['database']}"

    @property
    def auth_host(self) -> str:
        return f"{HOST}:{self.ports['auth']}"

    @property
    def auth_url(self) -> str:
        return f"http://{self.auth_host}"

    @property
    def storage_url(self) -> str:
        return f"http://{HOST}:{self.ports['storage']}"

    @property
    def functions_url(self) -> str:
        """Base of HTTP functions: append "/NAME/..."."""
        return f"http://{HOST}:{self.ports['functions']}/{self.project_id}/{DEFAULT_REGION}"

    @property
    def env(self) -> dict[str, str]:
        """The variables `messenger-emulators exec` sets (merge into os.environ for a child)."""
        running = {name: port for name, port in self.ports.items() if name in self.only}
        return emulator_env(self.project_id, HOST, running)

    @property
    def output(self) -> str:
        return "".join(self._lines)

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    # ---- lifecycle ---------------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> None:
        if self.process is not None and self.process.poll() is None:
            raise SuiteFailed("the suite is already running")
        self._ready.clear()
        self._lines.append(f"--- messenger-emulators {' '.join(self.args)}\n")
        # EXIT_WITH_PARENT: if the test runner dies without cleaning up, the suite follows.
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "MESSENGER_EMULATORS_EXIT_WITH_PARENT": "1",
               **self.extra_env}
        self.process = subprocess.Popen(
            [*self.prefix, sys.executable, "-m", "messenger_emulators.suite.cli", *self.args],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            # Its own process group: kill() takes the functions worker down with it, and a
            # Ctrl-C in the test runner does not hit the suite behind our back.
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, args=(self.process,), daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not self._ready.wait(0.02):
            if self.process.poll() is not None:
                self._reader.join(2)
                raise SuiteFailed(
                    f"the suite exited with status {self.process.returncode} before it was "
                    f"ready:\n{self.output}"
                )
            if time.monotonic() > deadline:
                self.kill()
                raise SuiteFailed(f"the suite was not ready within {timeout:.0f} s:\n{self.output}")

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        with process.stdout:  # closed at EOF (the suite and its children are gone)
            for line in process.stdout:
                self._lines.append(line)
                if READY_LINE in line:
                    self._ready.set()

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """SIGTERM, as Ctrl-C would; returns the exit status. SIGKILL if it hangs."""
        process = self.process
        if process is None:
            return 0
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._lines.append(f"--- did not stop within {timeout:.0f} s: killed\n")
                self.kill()
        self._reap()
        return process.returncode

    def kill(self) -> None:
        """SIGKILL the suite and everything it started (kill -9: no cleanup at all)."""
        process = self.process
        if process is None:
            return
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()
        self._reap()

    def _reap(self) -> None:
        # Children the suite started (functions worker) share its group; leave none behind.
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self._reader is not None:
            self._reader.join(5)
            self._reader = None

    def restart(self, timeout: float = START_TIMEOUT) -> None:
        """Stop (if running) and start again on the same ports and data folder."""
        if self.process is not None and self.process.poll() is None:
            self.stop()
        self.wait_port_free()  # after kill(), the kernel may still hold a port for a moment
        self.start(timeout)

    def wait_port_free(self, timeout: float = 10.0) -> None:
        """After kill(), until the kernel has let go of the ports."""
        deadline = time.monotonic() + timeout
        for name in self.only:
            while True:
                with socket.socket() as probe:
                    probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    try:
                        probe.bind((HOST, self.ports[name]))
                        break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise SuiteFailed(f"port {self.ports[name]} stays busy") from None
                        time.sleep(0.05)


def _write_config(
    workdir: Path,
    ports: Mapping[str, int],
    rules: dict | str | None,
    functions_source: Path,
    storage_rules: str | Path | None = None,
) -> Path:
    config: dict = {
        # the hub on any free port: 4400 stays for a developer's own suite
        "emulators": {**{name: {"host": HOST, "port": port} for name, port in ports.items()},
                      "hub": {"host": HOST, "port": 0}},
        "functions": {"source": str(functions_source)},
    }
    if rules is not None:
        text = rules if isinstance(rules, str) else json.dumps(rules, indent=2)
        (workdir / "database.rules.json").write_text(text, encoding="utf-8")
        config["database"] = {"rules": "database.rules.json"}
    if storage_rules is not None:
        text = Path(storage_rules).read_text(encoding="utf-8") if isinstance(storage_rules, Path) \
            else storage_rules
        (workdir / "storage.rules").write_text(text, encoding="utf-8")
        config["storage"] = {"rules": "storage.rules"}
    path = workdir / "firebase.json"
    path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    return path


@contextmanager
def running_suite(
    only: Iterable[str] = EMULATOR_ORDER,
    rules: dict | str | None = None,
    data_dir: Path | str | None = None,
    extra_args: Iterable[str] = (),
    project_id: str = DEFAULT_PROJECT_ID,
    functions_source: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT,
    prefix: Iterable[str] = (),
    storage_rules: str | Path | None = None,
) -> Iterator[RunningSuite]:
    """Start the suite; yield a RunningSuite; always stop it (printing its output on error)."""
    only = tuple(name for name in EMULATOR_ORDER if name in set(only))
    workdir = Path(tempfile.mkdtemp(prefix="messenger-suite-"))
    suite: RunningSuite | None = None
    try:
        for attempt in range(PORT_RETRIES):
            ports = dict(zip(only, free_ports(len(only)), strict=True))
            config = _write_config(
                workdir, ports, rules, Path(functions_source or FUNCTIONS_SOURCE).resolve(),
                storage_rules,
            )
            args = ["start", "--config", str(config), "--project", project_id,
                    "--only", ",".join(only)]
            if data_dir is not None:
                args += ["--data", str(Path(data_dir).resolve())]
            args += list(extra_args)
            suite = RunningSuite(only, project_id, ports, workdir, config,
                                 Path(data_dir) if data_dir else None, args, dict(env or {}),
                                 list(prefix))
            try:
                suite.start(timeout)
                break
            except SuiteFailed as exc:
                # Another test grabbed one of our free ports in between: pick new ones.
                if "is not open" not in str(exc) or attempt == PORT_RETRIES - 1:
                    raise
        assert suite is not None
        try:
            yield suite
        except BaseException:
            print(f"\n===== emulator suite output =====\n{suite.output}=====", flush=True)
            raise
    finally:
        if suite is not None:
            suite.stop()
        _remove_tree(workdir)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
