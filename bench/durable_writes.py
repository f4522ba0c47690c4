"""Acknowledged durable writes per second through the real suite, and journal vs SQLite.

    python -m bench.durable_writes                    # 50 clients, 10 s, suite with --data
    python -m bench.durable_writes --clients 50 --seconds 20 --no-data   # in-memory, to compare
    python -m bench.durable_writes --micro            # in-process: our journal vs SQLite WAL
    python -m bench.durable_writes --startup 10 [--only database,auth,functions]

Through the suite, each client is one keep-alive HTTP connection doing POSTs back to back (a
message with a server timestamp, as the app sends), so the figure includes HTTP, rules, the
engine and the group-committed fdatasync. The load generator runs in this process on asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def percentiles(samples: list[float]) -> str:
    if not samples:
        return "no samples"
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return (f"p50 {at(50):.1f} ms  p90 {at(90):.1f} ms  p99 {at(99):.1f} ms  "
            f"max {ordered[-1] * 1000:.1f} ms  mean {statistics.fmean(ordered) * 1000:.1f} ms")


# ---- through the suite ---------------------------------------------------------------------
async def _client(host: str, port: int, path: str, index: int, stop_at: float,
                  latencies: list[float]) -> int:
    """One keep-alive connection posting back to back. A hand-rolled HTTP/1.1 client (like
    wrk's) so the load generator costs far less CPU than the server it measures."""
    reader, writer = await asyncio.open_connection(host, port)
    errors, n = 0, 0
    try:
        while time.perf_counter() < stop_at:
            n += 1
            body = json.dumps({"sender": f"u{index}", "text": f"message {n} from client {index}",
                               "ts": {".sv": "timestamp"}}).encode()
            request = (f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
                       ).encode() + body
            started = time.perf_counter()
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head.split(b" ", 2)[1])
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            if status == 200:
                latencies.append(time.perf_counter() - started)
            else:
                errors += 1
    finally:
        writer.close()
    return errors


async def _load(base: str, ns: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    host, port = base.removeprefix("http://").rsplit(":", 1)
    latencies: list[float] = []
    stop_at = time.perf_counter() + seconds
    errors = await asyncio.gather(*(
        _client(host, int(port), f"/messages/chat{i % 10}.json?ns={ns}", i, stop_at, latencies)
        for i in range(clients)))
    return len(latencies), sum(errors), latencies


def bench_suite(clients: int, seconds: float, durable: bool) -> None:
    from tests.support.suite import running_suite

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data" if durable else None
        with running_suite(only=("database",), data_dir=data_dir) as suite:
            import psutil

            server = psutil.Process(suite.pid)
            # a short warm-up so connection setup is not in the figures
            asyncio.run(_load(suite.database_url, suite.ns, clients, 0.5))
            server_cpu, client_cpu = sum(server.cpu_times()[:2]), time.process_time()
            ok, errors, latencies = asyncio.run(
                _load(suite.database_url, suite.ns, clients, seconds))
            server_cpu = sum(server.cpu_times()[:2]) - server_cpu
            client_cpu = time.process_time() - client_cpu
            suite.stop()
    mode = "durable (--data, fdatasync per group commit)" if durable else "in memory (no --data)"
    print(f"suite, {mode}: {clients} clients, {seconds:.0f} s, {os.cpu_count()} cores")
    print(f"  acknowledged writes/s: {ok / seconds:,.0f}   ({ok} ok, {errors} errors)")
    print(f"  latency: {percentiles(latencies)}")
    per_write = 1e6 / max(ok, 1)
    print(f"  CPU per write: suite {server_cpu * per_write:.0f} us, load generator "
          f"{client_cpu * per_write:.0f} us (load average {os.getloadavg()[0]:.1f})")


# ---- journal vs SQLite, in process -----------------------------------------------------------
class SqliteLog:
    """The alternative we measured: SQLite in WAL mode, synchronous=FULL, with the same group
    commit (one transaction per batch, committed in a worker thread)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path / "journal.sqlite", check_same_thread=False,
                                  isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS log (seq INTEGER PRIMARY KEY, ns TEXT, "
                        "writes TEXT)")
        self.queue: list[tuple[str, str, asyncio.Future[None]]] = []
        self.flusher: asyncio.Task[None] | None = None
        self.io = ThreadPoolExecutor(1)

    async def append(self, namespace: str, writes: list) -> None:
        done = asyncio.get_running_loop().create_future()
        self.queue.append((namespace, json.dumps([[list(p), v] for p, v in writes]), done))
        if self.flusher is None or self.flusher.done():
            self.flusher = asyncio.ensure_future(self._flush())
        await done

    def _commit(self, rows: list[tuple[str, str]]) -> None:
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO log (ns, writes) VALUES (?, ?)", rows)
        self.db.execute("COMMIT")

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self.queue:
            batch, self.queue = self.queue, []
            await loop.run_in_executor(self.io, self._commit, [(n, w) for n, w, _ in batch])
            for *_, done in batch:
                done.set_result(None)

    async def close(self) -> None:
        if self.flusher is not None:
            await self.flusher
        self.db.close()
        self.io.shutdown()


async def _drive(store, clients: int, per_client: int) -> list[float]:
    latencies: list[float] = []

    async def client(index: int) -> None:
        for n in range(per_client):
            value = {"sender": f"u{index}", "text": f"message {n}", "ts": 1700000000000 + n}
            started = time.perf_counter()
            await store.append("demo-messenger", [(("messages", f"c{index % 10}", f"m{index}-{n}"),
                                                   value)])
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return latencies


async def _micro_round(name: str, tmp: str, clients: int, per_client: int
                       ) -> tuple[float, list[float]]:
    from messenger_emulators.persistence import Journal

    store: Journal | SqliteLog
    if name == "journal":
        store = Journal(tmp)
        store.load()
    else:
        store = SqliteLog(Path(tmp))
    started = time.perf_counter()
    latencies = await _drive(store, clients, per_client)
    elapsed = time.perf_counter() - started
    await store.close()
    return clients * per_client / elapsed, latencies


def bench_micro(clients: int, total: int, rounds: int) -> None:
    """Rounds alternate which store goes first, so a burst of load from other jobs does not
    always land on the same one; the median round is reported."""
    per_client = max(1, total // clients)
    results: dict[str, tuple[list[float], list[float]]] = {
        "journal": ([], []), "sqlite-wal-full": ([], [])}
    for round_no in range(rounds):
        order = list(results) if round_no % 2 == 0 else list(reversed(results))
        for name in order:
            with tempfile.TemporaryDirectory() as tmp:
                rate, latencies = asyncio.run(_micro_round(name, tmp, clients, per_client))
            results[name][0].append(rate)
            results[name][1].extend(latencies)
    print(f"{clients} concurrent writers, {clients * per_client} appends a round, {rounds} rounds"
          f" (load average {os.getloadavg()[0]:.1f})")
    for name, (rates, latencies) in results.items():
        print(f"{name:>16}: median {statistics.median(rates):>8,.0f} durable appends/s "
              f"(rounds {min(rates):,.0f}-{max(rates):,.0f})\n{'':>18}{percentiles(latencies)}")


def bench_startup(runs: int, only: str) -> None:
    """Start-to-ready of `messenger-emulators start` (process spawn to the ready line)."""
    import subprocess
    import sys

    from messenger_emulators.suite.cli import READY_LINE

    from tests.support.suite import FUNCTIONS_SOURCE, free_ports

    names = only.split(",")
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(runs):
            ports = dict(zip(names, free_ports(len(names)), strict=True))
            config = Path(tmp) / "firebase.json"
            config.write_text(json.dumps({
                "emulators": {n: {"host": "127.0.0.1", "port": p} for n, p in ports.items()},
                "functions": {"source": str(FUNCTIONS_SOURCE)}}))
            started = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-m", "messenger_emulators.suite.cli", "start", "--only", only,
                 "--config", str(config), "--data", str(Path(tmp) / "data")],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp)
            assert child.stdout is not None
            for line in child.stdout:
                if READY_LINE in line:
                    samples.append(time.perf_counter() - started)
                    break
            child.terminate()
            child.wait(30)
    print(f"start to ready, --only {only}, {len(samples)} runs: {percentiles(samples)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-data", action="store_true", help="run the suite without --data")
    parser.add_argument("--micro", action="store_true", help="journal vs SQLite, in process")
    parser.add_argument("--appends", type=int, default=10000, help="appends a --micro round")
    parser.add_argument("--rounds", type=int, default=6, help="rounds for --micro")
    parser.add_argument("--startup", type=int, metavar="RUNS",
                        help="measure start-to-ready of the suite instead")
    parser.add_argument("--only", default="database", help="emulators for --startup")
    args = parser.parse_args()
    if args.startup:
        bench_startup(args.startup, args.only)
    elif args.micro:
        bench_micro(args.clients, args.appends, args.rounds)
    else:
        bench_suite(args.clients, args.seconds, durable=not args.no_data)


if __name__ == "__main__":
    main()
