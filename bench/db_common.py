"""Shared by the database benchmarks: a server in its own process, percentiles."""

from __future__ import annotations

import multiprocessing
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from multiprocessing.connection import Connection


class ServerProcess:
    """`python -m messenger_emulators.database --port 0` in a child process."""

    def __init__(self, *extra: str) -> None:
        self.started = time.perf_counter()
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "messenger_emulators.database", "--port", "0", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line.startswith("ready "):
            self.proc.kill()
            raise RuntimeError(f"database emulator did not start: {line!r}")
        self.ready_after = time.perf_counter() - self.started
        self.url = line.split()[1]

    def cpu_seconds(self) -> float:
        """CPU time the server process used so far (user + system)."""
        import psutil
        times = psutil.Process(self.proc.pid).cpu_times()
        return times.user + times.system

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(sorted_values: Sequence[float], p: float) -> float:
    if not sorted_values:
        return float("nan")
    k = min(len(sorted_values) - 1, max(0, round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[k]


def machine_load() -> str:
    """Figures on a shared machine mean little without its load; print it with them."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min) {five:.1f} (5 min)"


def report(name: str, samples_ms: Sequence[float], target: str = "") -> None:
    values = sorted(samples_ms)
    print(f"{name}: n={len(values)} p50={percentile(values, 50):.2f}ms "
          f"p90={percentile(values, 90):.2f}ms p99={percentile(values, 99):.2f}ms "
          f"max={values[-1]:.2f}ms" + (f"  (target {target})" if target else ""), flush=True)


# --- lean stream readers in their own processes (so the client is not the bottleneck) ---

_EVENT = re.compile(rb'"path":"/m(\d+)"')


def _reader_main(host: str, port: int, path: str, count: int, conn: Connection) -> None:
    """Open `count` raw SSE connections, report ready, then record when each event arrives.

    While measuring, a reader only receives and timestamps: epoll, `recv`, and an append of
    (socket, time, bytes). Frames are reassembled and searched after the run, each event
    dated by the chunk that completed it. Parsing during the run (a regex per chunk) cost
    ~30 µs an event, which at 40,000 events/s took more CPU than the server it measured."""
    import select

    socks = []
    request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Accept: text/event-stream\r\n\r\n").encode()
    for _ in range(count):
        s = socket.create_connection((host, port))
        s.sendall(request)
        socks.append(s)
    by_fd = {s.fileno(): s for s in socks}
    poller = select.epoll()
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    tails: dict[int, bytes] = {fd: b"" for fd in by_fd}
    ready: set[int] = set()
    while len(ready) < count:      # wait for every initial put
        for fd, _ in poller.poll(10):
            tails[fd] += by_fd[fd].recv(65536)
            if b'"path":"/"' in tails[fd]:
                ready.add(fd)
                tails[fd] = tails[fd][tails[fd].rfind(b"\n\n") + 2:]
    conn.send("ready")
    chunks: list[tuple[int, float, bytes]] = []
    record = chunks.append
    clock = time.perf_counter
    poll = poller.poll
    stop_fd = conn.fileno()
    poller.register(stop_fd, select.EPOLLIN)
    running = True
    while running:
        for fd, _ in poll(1.0):
            if fd == stop_fd:
                running = False
                continue
            data = by_fd[fd].recv(262144)
            record((fd, clock(), data))
    conn.recv()
    received: dict[int, list[float]] = {}
    for fd, arrived, data in chunks:
        buf = tails[fd] + data
        cut = buf.rfind(b"\n\n") + 2
        tails[fd] = buf[cut:]
        for match in _EVENT.finditer(buf, 0, cut):
            received.setdefault(int(match.group(1)), []).append(arrived)
    conn.send(received)
    for s in socks:
        s.close()


class Readers:
    """`streams` SSE connections to `url` + `path`, spread over `processes` processes."""

    def __init__(self, url: str, path: str, streams: int, processes: int = 2) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.conns = []
        self.procs = []
        ctx = multiprocessing.get_context("spawn")
        for i in range(processes):
            share = streams // processes + (1 if i < streams % processes else 0)
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_reader_main, args=(host, int(port), path, share, child))
            proc.start()
            self.conns.append(parent)
            self.procs.append(proc)
        for conn in self.conns:
            if not conn.poll(60) or conn.recv() != "ready":
                raise RuntimeError("stream readers did not get their initial put")

    def collect(self) -> dict[int, list[float]]:
        """Stop reading; every event's arrival times by write index."""
        for conn in self.conns:
            conn.send("stop")
        merged: dict[int, list[float]] = {}
        for conn, proc in zip(self.conns, self.procs, strict=True):
            for index, times in conn.recv().items():
                merged.setdefault(index, []).extend(times)
            proc.join(10)
        return merged

