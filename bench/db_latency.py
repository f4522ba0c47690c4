"""Database latency: sequential writes, and delivery (write -> SSE event) with many streams.

    python -m bench.db_latency [--streams 200] [--rate 200] [--seconds 5] [--readers N]

The server runs in its own process; the streams are read by lean raw-socket readers in
`--readers` other processes, and this process writes (keep-alive HTTP, at a fixed rate).
By default there is one reader process per core beyond the server's: on 2 cores, one. More
readers than free cores only make the server, the writer and the readers queue for the same
cores (2 readers on 2 cores: p99 9.8-12.2 ms where 1 reader gives 8-8.9 ms).
Delivery latency is measured from the write's acknowledgement to each stream's event (0 when
the event arrived first: the server sends events before it answers the write), and from the
moment the write was sent. Clocks: time.perf_counter (CLOCK_MONOTONIC, shared by processes).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import time

from .db_common import Readers, ServerProcess, machine_load, report


def _connection(url: str) -> http.client.HTTPConnection:
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=30)


def _put(conn: http.client.HTTPConnection, path: str, value: object) -> None:
    conn.request("PUT", path, body=json.dumps(value),
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"PUT {path} answered {response.status}")


def sequential_writes(url: str, count: int) -> list[float]:
    conn = _connection(url)
    samples = []
    for i in range(count):
        t0 = time.perf_counter()
        _put(conn, f"/seq/k{i % 100}.json", {"i": i, "t": "x" * 64})
        samples.append((time.perf_counter() - t0) * 1000)
    conn.close()
    return samples


def delivery(url: str, streams: int, rate: float, seconds: float, readers: int,
             server_cpu=lambda: 0.0) -> None:
    pool = Readers(url, "/room.json", streams, readers)
    conn = _connection(url)
    cpu0, wall0 = server_cpu(), time.perf_counter()
    sent: dict[int, float] = {}
    acked: dict[int, float] = {}
    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent[i] = time.perf_counter()
        _put(conn, f"/room/m{i}.json", {"n": i})
        acked[i] = time.perf_counter()
    cpu = (server_cpu() - cpu0) / (time.perf_counter() - wall0)
    time.sleep(1.0)      # let the last events arrive
    received = pool.collect()
    conn.close()
    from_ack = [max(0.0, t - acked[i]) * 1000 for i, ts in received.items() for t in ts]
    from_send = [(t - sent[i]) * 1000 for i, ts in received.items() for t in ts]
    print(f"delivery with {streams} streams at {rate:.0f} writes/s for {seconds:.0f}s "
          f"(events expected {total * streams}, missing {total * streams - len(from_ack)}; "
          f"server CPU {cpu:.0%} of a core)")
    report("  write acknowledged -> event", from_ack, "p50 <= 2 ms, p99 <= 10 ms")
    report("  write sent -> event", from_send)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument("--readers", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                        help="reader processes (default: cores - 1, leaving one to the server)")
    args = parser.parse_args()
    print(f"machine: {machine_load()}")
    with ServerProcess() as server:
        report("sequential PUT latency (keep-alive, 1 client)",
               sequential_writes(server.url, args.writes))
        delivery(server.url, args.streams, args.rate, args.seconds, args.readers,
                 server.cpu_seconds)


if __name__ == "__main__":
    main()
