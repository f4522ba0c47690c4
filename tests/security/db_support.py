"""What the database sweep needs: the real suite (Auth + Database emulators, the project's
rules) in a background thread, real ID tokens from the Auth emulator's own minting code,
a raw keep-alive HTTP client, and network namespaces for a peer that is not loopback.

The suite runs in-process (one per test module) so the sweep's thousands of requests cost a
round trip each and no process start-up; everything still goes through real sockets.
"""

from __future__ import annotations

import asyncio
import ctypes
import http.client
import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from messenger_emulators.suite.options import SuiteOptions
from messenger_emulators.suite.runner import Suite

REPO = Path(__file__).resolve().parents[2]
RULES_PATH = REPO / "database.rules.json"
PROJECT = "demo-messenger"
CLIENT_TIMEOUT = 5.0

# --- network namespaces (a non-loopback peer without touching this machine's network) ---
_CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


def enter_netns(name: str) -> None:
    """Move the calling thread (only it: network namespaces are per thread) into `name`;
    sockets it creates from now on live there."""
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if _libc.setns(fd, _CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"setns({name}): {os.strerror(err)}")
    finally:
        os.close(fd)


@dataclass(frozen=True)
class NetnsPair:
    """Two namespaces joined by a veth pair: the server side and the client (LAN) side."""
    server: str
    client: str
    server_ip: str = "10.200.0.1"
    client_ip: str = "10.200.0.2"


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def netns_unavailable() -> str | None:
    """Why network namespaces cannot be made here (not root, no `ip`, not permitted), or None."""
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    probe = f"sdbp{os.getpid()}"
    try:
        _ip("netns", "add", probe)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        return f"`ip netns add` is not permitted here: {exc} {detail.decode(errors='replace')}"
    finally:
        subprocess.run(["ip", "netns", "del", probe], capture_output=True, timeout=10)
    return None


@contextmanager
def netns_pair() -> Iterator[NetnsPair]:
    """Namespaces of our own (named after this process), addresses 10.200.0.1/.2 that exist
    only inside them; no traffic ever leaves them. Deleted (with the veth pair) afterwards."""
    tag = f"{os.getpid() % 100000}"
    pair = NetnsPair(server=f"sdbs{tag}", client=f"sdbc{tag}")
    try:
        _ip("netns", "add", pair.server)
        _ip("netns", "add", pair.client)
        _ip("-n", pair.server, "link", "add", "sdbv0", "type", "veth", "peer", "name",
            "sdbv1", "netns", pair.client)
        _ip("-n", pair.server, "addr", "add", f"{pair.server_ip}/24", "dev", "sdbv0")
        _ip("-n", pair.client, "addr", "add", f"{pair.client_ip}/24", "dev", "sdbv1")
        for ns, dev in ((pair.server, "sdbv0"), (pair.client, "sdbv1")):
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "link", "set", dev, "up")
        yield pair
    finally:
        for ns in (pair.server, pair.client):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=10)


# --- services in a background thread ---
class ThreadedService:
    """Anything with async start()/stop() on its own loop and thread, optionally inside a
    network namespace (its listening sockets are then made there)."""

    def __init__(self, service: Any, netns: str | None = None) -> None:
        self.service = service
        self.netns = netns
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Any:
        started: Future = Future()

        def main() -> None:
            if self.netns is not None:
                enter_netns(self.netns)
            loop = self.loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.service.start())
            except BaseException as exc:
                started.set_exception(exc)
                loop.close()
                return
            started.set_result(None)
            loop.run_forever()
            loop.close()

        self._thread = threading.Thread(target=main, name="security-service", daemon=True)
        self._thread.start()
        started.result(60)
        return self

    def stop(self) -> None:
        loop = self.loop
        if loop is None or not loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self.service.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        assert self._thread is not None
        self._thread.join(30)


class InProcessSuite(ThreadedService):
    """The real Suite (auth + database, the project's rules)."""

    def __init__(self, data_dir: Path, *, secure: bool, host: str = "127.0.0.1",
                 netns: str | None = None) -> None:
        self.options = SuiteOptions(
            project_id=PROJECT, host=host, ports={"auth": 0, "database": 0},
            config_dir=REPO, rules_path=RULES_PATH, data_dir=data_dir, secure=secure)
        self.suite = Suite(self.options, ["auth", "database"])
        super().__init__(self.suite, netns)

    @property
    def database(self) -> Any:
        return self.suite.get("database")

    @property
    def auth(self) -> Any:
        return self.suite.get("auth")

    @property
    def db_port(self) -> int:
        return self.database.port

    # --- tokens, minted by the Auth emulator's own code (signed RS256 in secure mode) ---
    def token(self, uid: str, *, expired: bool = False) -> str:
        now = time.time() - (7200 if expired else 0)
        return self.auth.service.id_tokens.mint(uid, {}, int(now), now=now)

    def other_project_token(self, uid: str) -> str:
        """A valid token of another project: signed by that project's own key in secure
        mode, unsigned otherwise (as that project's emulator would mint it)."""
        from messenger_emulators.auth.keys import SigningKey
        from messenger_emulators.auth.tokens import IdTokens

        key = None
        if self.options.secure:
            key = SigningKey.load_or_create(self.options.data_dir / "other-project-key")
        return IdTokens("other-project", 3600, key).mint(uid, {}, int(time.time()))


# --- a raw client ---
@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]     # lower-case names, sorted, without Date
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k == name), None)

    def short(self) -> str:
        body = self.body[:160].decode("utf-8", "replace")
        return f"{self.status} {dict(self.headers)} {body!r}"


class Client:
    """Keep-alive HTTP/1.1 to one host:port; reconnects after a failure or a close. Sockets
    are made in the calling thread, so a thread inside a namespace connects from there."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, params: dict[str, str] | None = None,
                headers: dict[str, str] | None = None, body: bytes | None = None) -> Answer:
        target = path + ("?" + urlencode(params) if params else "")
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port,
                                                       timeout=CLIENT_TIMEOUT)
            try:
                self.conn.request(method, target, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                if attempt or isinstance(exc, socket.timeout):
                    # a refused caller answered with an event stream never ends: a finding
                    return Answer(-1, (("error", repr(exc)),), b"")
                continue
            if response.will_close:
                self.close()
            kept = tuple(sorted((k.lower(), v) for k, v in response.getheaders()
                                if k.lower() != "date"))
            return Answer(response.status, kept, data)
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def as_admin(client: Client, method: str, path: str, value: Any = None,
             params: dict[str, str] | None = None,
             headers: dict[str, str] | None = None) -> Answer:
    body = None if value is None else json.dumps(value).encode()
    return client.request(method, path, {"auth": "owner", **(params or {})}, headers, body)
