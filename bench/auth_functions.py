"""Functions host figures: proxy overhead on HTTP functions, and write-to-trigger latency.

    python -m bench.auth_functions [--n 300]

A real database emulator and the functions host run in-process (one loop thread); the function
code runs in the worker subprocess, as in the suite. "direct" calls the worker's own port,
"proxied" goes through the host's public port: the difference is the proxy's cost. Trigger
latency is from the moment the client sends the PUT to the moment the function starts running
(same machine clock), with the writes sent back to back.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path

import requests
from messenger_emulators.functions_host.secret import SECRET_HEADER

MAIN = '''
import json, os, time
import functions_framework

OUT = os.environ["BENCH_OUT"]

@functions_framework.http
def echo(request):
    return request.get_data() or b"ok"

@functions_framework.cloud_event
def rec(event):
    with open(OUT, "a") as f:
        f.write(json.dumps({"at": time.time(), "sent": event.data["delta"]["sent"]}) + "\\n")
'''
MANIFEST = {"functions": [
    {"name": "echo", "entryPoint": "echo", "trigger": {"http": {}}},
    {"name": "rec", "entryPoint": "rec",
     "trigger": {"database": {"ref": "/items/{id}", "instance": "*"}}}]}


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return (f"p50 {at(50):.2f} ms  p90 {at(90):.2f} ms  p99 {at(99):.2f} ms  "
            f"max {ordered[-1] * 1000:.2f} ms  mean {statistics.fmean(ordered) * 1000:.2f} ms")


def timed(session: requests.Session, method: str, url: str, n: int, **kw) -> list[float]:
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        r = session.request(method, url, **kw)
        samples.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    args = parser.parse_args()

    import os

    from messenger_emulators.database.testing import run_in_thread
    from messenger_emulators.functions_host.component import FunctionsEmulator
    from messenger_emulators.suite.options import SuiteOptions

    work = Path(tempfile.mkdtemp(prefix="bench-functions-"))
    (work / "main.py").write_text(MAIN)
    (work / "functions.json").write_text(json.dumps(MANIFEST))
    out = work / "events.jsonl"
    os.environ["BENCH_OUT"] = str(out)

    class Suite:
        def get(self, name: str):
            return db.emulator if name == "database" else None

    db = run_in_thread()
    host = FunctionsEmulator(SuiteOptions(ports={"functions": 0}, functions_source=work),
                             Suite())
    run = lambda coro: asyncio.run_coroutine_threadsafe(coro, db.loop).result(60)  # noqa: E731
    began = time.perf_counter()
    run(host.start())
    listening = time.perf_counter() - began
    run(host.worker.wait_ready(60))
    ready = time.perf_counter() - began
    print(f"Functions host: port open after {listening * 1000:.0f} ms, worker ready after "
          f"{ready * 1000:.0f} ms (the suite does not wait for the worker)")

    session = requests.Session()
    # Only the host may call the worker: the direct path carries the run's secret as the host
    # does (the host drops a client's copy and adds its own, so both paths pay for it).
    session.headers[SECRET_HEADER] = host.secret
    direct = f"{host.worker.base_url}/echo/"
    proxied = f"{host.base_url}/demo-messenger/us-central1/echo/"
    timed(session, "GET", proxied, 20)  # warm both paths
    timed(session, "GET", direct, 20)
    print(f"HTTP function, {args.n} sequential GETs, keep-alive:")
    print(f"  direct to worker   {percentiles(timed(session, 'GET', direct, args.n))}")
    print(f"  through the host   {percentiles(timed(session, 'GET', proxied, args.n))}")
    body = os.urandom(1 << 20)
    n_big = max(10, args.n // 10)
    print(f"HTTP function, {n_big} sequential 1 MiB POST echoes:")
    print(f"  direct to worker   {percentiles(timed(session, 'POST', direct, n_big, data=body))}")
    print(f"  through the host   {percentiles(timed(session, 'POST', proxied, n_big, data=body))}")

    for i in range(args.n):
        r = session.put(f"{db.url}/items/i{i}.json?ns={db.namespace}",
                        json={"sent": time.time()})
        assert r.status_code == 200, r.text
    run(host.dispatcher.drain())
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(events) == args.n, f"{len(events)} events for {args.n} writes"
    print(f"Database trigger, {args.n} writes back to back, one event each (exactly {len(events)}"
          f" delivered):")
    print(f"  write -> function  {percentiles([e['at'] - e['sent'] for e in events])}")
    isolated = []
    for i in range(max(20, args.n // 5)):
        count = len(events) + i + 1
        r = session.put(f"{db.url}/items/solo{i}.json?ns={db.namespace}",
                        json={"sent": time.time()})
        assert r.status_code == 200, r.text
        while len(out.read_text().splitlines()) < count:
            time.sleep(0.001)
        last = json.loads(out.read_text().splitlines()[-1])
        isolated.append(last["at"] - last["sent"])
    print(f"Database trigger, {len(isolated)} writes one at a time (each waits for its event):")
    print(f"  write -> function  {percentiles(isolated)}")
    run(host.stop())
    db.stop()


if __name__ == "__main__":
    main()
