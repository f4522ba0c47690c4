"""Stream parsing is linear: time to receive and parse an initial snapshot of 0.1-3 MB.

    .venv/bin/python -m bench.client_sse_parse

For each size, a tree of that size is written to the real database emulator (in-process, free
port) and the client's Listener (httpx + httpx-sse) opens a stream on it; the figure is the time
from opening to the parsed first `put` in hand. Time per MB should stay roughly constant.
pyrebase4's stream() (quadratic) took 192 s for 0.29 MB on this machine; with --pyrebase the
benchmark also times it on a small snapshot (it is far too slow for the large ones).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

import httpx
from messenger_desktop.firebase.sse import Listener
from messenger_emulators.database.testing import run_in_thread

from bench import client_support  # noqa: F401  (sets QT_QPA_PLATFORM, sys.path)

SIZES_MB = (0.1, 0.3, 1.0, 3.0)
ROUNDS = 5


def tree_of(size_mb: float) -> dict:
    # Chat-like records: ~100 bytes each.
    n = int(size_mb * 2**20 / 100)
    return {f"m{i:07d}": {"sender": "u" * 28, "text": f"message number {i} " + "x" * 20,
                          "ts": 1_700_000_000_000 + i} for i in range(n)}


async def time_first_put(db, path: str) -> float:
    got = asyncio.get_running_loop().create_future()

    def handler(kind: str, _path: str, data) -> None:
        if kind == "put" and not got.done():
            got.set_result(data)

    async def tokens(_force: bool) -> None:
        return None

    async with httpx.AsyncClient() as client:
        listener = Listener(client, db.url, path, handler, tokens,
                            extra_params={"ns": db.namespace})
        t0 = time.perf_counter()
        listener.start()
        await asyncio.wait_for(got, 120)
        elapsed = time.perf_counter() - t0
        await listener.aclose()
    return elapsed


def pyrebase_small(db) -> None:
    import threading

    import pyrebase

    app = pyrebase.initialize_app({"apiKey": "x", "authDomain": "x", "storageBucket": "x",
                                   "databaseURL": db.url})
    size = 0.02
    httpx.put(f"{db.url}/pyre.json", params={"ns": db.namespace}, json=tree_of(size))
    done = threading.Event()
    t0 = time.perf_counter()
    stream = app.database().child("pyre").stream(lambda _m: done.set())
    done.wait(300)
    elapsed = time.perf_counter() - t0
    print(f"pyrebase4 stream(): {size} MB first event after {elapsed:.2f} s "
          f"({elapsed / size:.0f} s per MB, for comparison)")
    try:
        stream.close()
    except AttributeError:
        pass  # pyrebase4's close() trips over its own half-closed response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pyrebase", action="store_true")
    args = parser.parse_args()
    rules = json.dumps({"rules": {".read": True, ".write": True}})
    db = run_in_thread(rules_text=rules)
    try:
        print(f"{'size':>8} {'bytes':>10} {'p50 s':>8} {'min s':>8} {'s per MB':>9}")
        per_mb = []
        for size in SIZES_MB:
            doc = tree_of(size)
            body = json.dumps(doc)
            httpx.put(f"{db.url}/big.json", params={"ns": db.namespace}, content=body,
                      timeout=120).raise_for_status()
            times = [asyncio.run(time_first_put(db, "big")) for _ in range(ROUNDS)]
            p50 = statistics.median(times)
            mb = len(body) / 2**20
            per_mb.append(p50 / mb)
            print(f"{size:>6} MB {len(body):>10} {p50:>8.3f} {min(times):>8.3f} {p50 / mb:>9.3f}")
        quadratic = SIZES_MB[-1] / SIZES_MB[0]
        print(f"time per MB, largest / smallest: {per_mb[-1] / per_mb[0]:.2f}x "
              f"(linear parsing keeps this near 1; quadratic would be ~{quadratic:.0f}x)")
        if args.pyrebase:
            pyrebase_small(db)
    finally:
        db.stop()


if __name__ == "__main__":
    main()
