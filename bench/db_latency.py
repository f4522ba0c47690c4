"""Database latency: sequential writes, and delivery (write -> SSE event) with many streams.

    python -m bench.db_latency [--streams 200] [--rate 200] [--seconds 5]

The server runs in its own process; this process is the client (aiohttp, one loop).
Delivery latency is measured from the moment the write's acknowledgement arrives to the
moment each stream has the event (0 when the event arrived first, as the server sends events
before it answers the write), and also from the moment the write was sent.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time

import aiohttp

from .db_common import ServerProcess, report


async def sequential_writes(url: str, count: int) -> list[float]:
    samples = []
    async with aiohttp.ClientSession() as session:
        for i in range(count):
            t0 = time.perf_counter()
            async with session.put(f"{url}/seq/k{i % 100}.json", json={"i": i, "t": "x" * 64}) \
                    as resp:
                await resp.read()
                assert resp.status == 200
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


_EVENT = re.compile(rb'"path":"/m(\d+)"')


async def _read_stream(resp: aiohttp.ClientResponse, received: dict[int, list[float]],
                       ready: asyncio.Event) -> None:
    """A lean reader (regex over raw chunks) so the client is not the bottleneck."""
    tail = b""
    async for chunk in resp.content.iter_any():
        now = time.perf_counter()
        buf = tail + chunk
        cut = buf.rfind(b"\n\n") + 2
        complete, tail = buf[:cut], buf[cut:]
        if not ready.is_set() and b'"path":"/"' in complete:
            ready.set()
        for match in _EVENT.finditer(complete):
            received.setdefault(int(match.group(1)), []).append(now)


async def delivery(url: str, streams: int, rate: float, seconds: float) -> None:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        received: dict[int, list[float]] = {}
        readers, responses = [], []
        for _ in range(streams):
            ready = asyncio.Event()
            resp = await session.get(f"{url}/room.json",
                                     headers={"Accept": "text/event-stream"})
            responses.append(resp)
            readers.append((asyncio.ensure_future(_read_stream(resp, received, ready)), ready))
        for _, ready in readers:
            await ready.wait()
        sent: dict[int, float] = {}
        acked: dict[int, float] = {}
        total = int(rate * seconds)
        start = time.perf_counter()
        writer = aiohttp.ClientSession()

        async def one(i: int) -> None:
            sent[i] = time.perf_counter()
            async with writer.put(f"{url}/room/m{i}.json", json={"n": i}) as resp:
                await resp.read()
            acked[i] = time.perf_counter()

        tasks = []
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.ensure_future(one(i)))
        await asyncio.gather(*tasks)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and (
                len(received) < total or any(len(v) < streams for v in received.values())):
            await asyncio.sleep(0.05)
        await writer.close()
        for task, _ in readers:
            task.cancel()
        for resp in responses:
            resp.close()
    from_ack = [max(0.0, t - acked[i]) * 1000 for i, ts in received.items() for t in ts]
    from_send = [(t - sent[i]) * 1000 for i, ts in received.items() for t in ts]
    missing = total * streams - len(from_ack)
    print(f"delivery with {streams} streams at {rate:.0f} writes/s for {seconds:.0f}s "
          f"(missing events: {missing})")
    report("  write acknowledged -> event", from_ack, "p50 <= 2 ms, p99 <= 10 ms")
    report("  write sent -> event", from_send)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--writes", type=int, default=1000)
    args = parser.parse_args()
    with ServerProcess() as server:
        report("sequential PUT latency", asyncio.run(sequential_writes(server.url, args.writes)))
        asyncio.run(delivery(server.url, args.streams, args.rate, args.seconds))


if __name__ == "__main__":
    main()
