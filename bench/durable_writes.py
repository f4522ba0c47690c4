"""Acknowledged durable writes per second through the real suite, and journal vs SQLite.

    python -m bench.durable_writes                    # 50 clients, 10 s, suite with --data
    python -m bench.durable_writes --clients 50 --seconds 20 --no-data   # in-memory, to compare
    python -m bench.durable_writes --micro            # in-process: our journal vs SQLite WAL

Through the suite, each client is one keep-alive HTTP connection doing POSTs back to back (a
message with a server timestamp, as the app sends), so the figure includes HTTP, rules, the
engine and the group-committed fdatasync. The load generator runs in this process on asyncio.
"""

from __future__ import annotations

import argparse
import asyncio
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
async def _load(base: str, ns: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    import aiohttp

    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client(index: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        url = f"{base}/messages/chat{index % 10}.json?ns={ns}"
        n = 0
        while time.perf_counter() < stop_at:
            n += 1
            body = {"sender": f"u{index}", "text": f"message {n} from client {index}",
                    "ts": {".sv": "timestamp"}}
            started = time.perf_counter()
            async with session.post(url, json=body) as response:
                await response.read()
                if response.status == 200:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors += 1

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(client(i, session) for i in range(clients)))
    return len(latencies), errors, latencies


def bench_suite(clients: int, seconds: float, durable: bool) -> None:
    from tests.support.suite import running_suite

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data" if durable else None
        with running_suite(only=("database",), data_dir=data_dir) as suite:
            # a short warm-up so connection setup is not in the figures
            asyncio.run(_load(suite.database_url, suite.ns, clients, 0.5))
            ok, errors, latencies = asyncio.run(
                _load(suite.database_url, suite.ns, clients, seconds))
            suite.stop()
    mode = "durable (--data, fdatasync per group commit)" if durable else "in memory (no --data)"
    print(f"suite, {mode}: {clients} clients, {seconds:.0f} s, {os.cpu_count()} cores")
    print(f"  acknowledged writes/s: {ok / seconds:,.0f}   ({ok} ok, {errors} errors)")
    print(f"  latency: {percentiles(latencies)}")


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
        import json

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


def bench_micro(clients: int, total: int) -> None:
    from messenger_emulators.persistence import Journal

    per_client = max(1, total // clients)
    for name in ("journal", "sqlite-wal-full"):
        with tempfile.TemporaryDirectory() as tmp:
            async def run(name: str = name, tmp: str = tmp) -> tuple[float, list[float], str]:
                if name == "journal":
                    store = Journal(tmp)
                    store.load()
                else:
                    store = SqliteLog(Path(tmp))
                started = time.perf_counter()
                latencies = await _drive(store, clients, per_client)
                elapsed = time.perf_counter() - started
                extra = ""
                if name == "journal":
                    extra = f"  ({store.stats['fsyncs']} fdatasyncs)"
                await store.close()
                return elapsed, latencies, extra

            elapsed, latencies, extra = asyncio.run(run())
        count = clients * per_client
        print(f"{name:>16}: {count / elapsed:>9,.0f} durable appends/s, {clients} concurrent"
              f"{extra}\n{'':>18}{percentiles(latencies)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--no-data", action="store_true", help="run the suite without --data")
    parser.add_argument("--micro", action="store_true", help="journal vs SQLite, in process")
    parser.add_argument("--appends", type=int, default=20000, help="appends for --micro")
    args = parser.parse_args()
    if args.micro:
        bench_micro(args.clients, args.appends)
    else:
        bench_suite(args.clients, args.seconds, durable=not args.no_data)


if __name__ == "__main__":
    main()
