"""A LAN on this machine: the suite in a private network namespace, attacked from a stranger.

Secure mode is meant for a suite shared over a LAN. To attack it as a LAN stranger without
sending anything off this machine, the suite runs in its own network namespace (``unshare -rn``:
an unprivileged user namespace, no root needed) where loopback carries two more addresses:
the suite's ``SUITE_ADDRESS`` and a stranger's ``STRANGER_ADDRESS``. Nothing in there reaches
any real network.

The test process stays outside; it talks to the suite through a relay running inside the
namespace (``python -m tests.support.netns relay ...``): each target port gets a Unix socket
(the file system is shared across network namespaces) whose connections the relay forwards to
the suite from a chosen source address. So the suite sees a real socket peer of
``STRANGER_ADDRESS``, exactly as for a connection from another machine on its network.

    with running_suite(extra_args=["--host", SUITE_ADDRESS], prefix=namespace_prefix()) as s:
        with Relay(s.pid, {"auth": s.ports["auth"]}) as stranger:
            status, headers, body = stranger.request("auth", "GET", "/")
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

SUITE_ADDRESS = "10.213.0.1"
STRANGER_ADDRESS = "10.213.0.2"
REPO = Path(__file__).resolve().parents[2]
_SETUP = (f"ip link set lo up && ip addr add {SUITE_ADDRESS}/32 dev lo && "
          f"ip addr add {STRANGER_ADDRESS}/32 dev lo")
_available: bool | None = None


def available() -> bool:
    """True when this machine lets an unprivileged process make a network namespace."""
    global _available
    if _available is None:
        try:
            done = subprocess.run(["unshare", "-rn", "sh", "-c", _SETUP], capture_output=True,
                                  timeout=10)
            _available = done.returncode == 0
        except (OSError, subprocess.SubprocessError):
            _available = False
    return _available


def namespace_prefix() -> list[str]:
    """Put before a command to run it in a fresh namespace with the two LAN addresses."""
    return ["unshare", "-rn", "sh", "-c", _SETUP + ' && exec "$0" "$@"']


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, host: str, timeout: float) -> None:
        super().__init__(host, timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


class Relay:
    """HTTP requests to the suite in the namespace of process ``pid``, from ``source``."""

    def __init__(self, pid: int, ports: Mapping[str, int], source: str = STRANGER_ADDRESS,
                 target: str = SUITE_ADDRESS) -> None:
        self.pid, self.ports, self.source, self.target = pid, dict(ports), source, target
        self.folder = Path(tempfile.mkdtemp(prefix="relay-"))
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Relay:
        specs = [f"{self.folder / name}.sock={self.target}:{port}"
                 for name, port in self.ports.items()]
        self.process = subprocess.Popen(
            ["nsenter", "-t", str(self.pid), "-U", "-n", "--preserve-credentials",
             sys.executable, "-m", "tests.support.netns", "relay", self.source, *specs],
            cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)})
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.__exit__()
            raise RuntimeError(f"the relay did not start: {line!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)

    def request(self, name: str, method: str, path: str, headers: Mapping[str, str] | None = None,
                body: bytes | str | None = None, timeout: float = 20.0
                ) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) of one request to the ``name`` port, from the stranger."""
        conn = _UnixConnection(str(self.folder / f"{name}.sock"),
                               f"{self.target}:{self.ports[name]}", timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()


def _pump(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _serve(listener: socket.socket, source: str, host: str, port: int) -> None:
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        upstream.bind((source, 0))
        try:
            upstream.connect((host, port))
        except OSError:
            client.close()
            upstream.close()
            continue
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pump, args=(a, b), daemon=True).start()


def _relay(source: str, specs: list[str]) -> None:
    for spec in specs:
        path, _, target = spec.partition("=")
        host, _, port = target.rpartition(":")
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        listener.listen(64)
        threading.Thread(target=_serve, args=(listener, source, host, int(port)),
                         daemon=True).start()
    print("ready", flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__" and sys.argv[1:2] == ["relay"]:
    _relay(sys.argv[2], sys.argv[3:])
