"""What the local message cache adds to send -> shown in the other client.

    .venv/bin/python -m bench.cache_latency [--messages 150] [--pairs 3]

bench.client_latency's scenario (two real clients, the full suite with the trigger, Alice
sends, Bob has the chat open), run in pairs: with the cache (a real cache file in each
client's profile folder, written by its writer thread) and without it (keep_messages=False),
alternating so that the machine's load falls on both alike. The cache's share is the
difference of the two. Also timed: the cache's own work on the GUI thread per stream event
(apply_stream_event: queueing the change for the writer thread), which is what it adds to
the path from the event to the row.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from messenger_desktop import chat_session
from messenger_desktop.config import emulator_config

from bench.client_latency import scenario
from bench.client_support import RULES, finish, percentile, qt_loop
from tests.support.suite import running_suite


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=150)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--gap", type=float, default=0.2)
    args = parser.parse_args()
    _app, loop = qt_loop()
    on_gui: list[float] = []
    original = chat_session.apply_stream_event

    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            on_gui.append((time.perf_counter() - t0) * 1000)

    chat_session.apply_stream_event = timed  # the session looks it up at each event
    # The control: a call of a few microseconds at the same place (every event, with or
    # without the cache), timed the same way: the machine's own noise on the GUI thread
    # (preemption under load, other threads holding the GIL).
    control: list[float] = []
    split = chat_session.split_path

    def timed_split(path):
        t0 = time.perf_counter()
        try:
            return split(path)
        finally:
            control.append((time.perf_counter() - t0) * 1000)

    chat_session.split_path = timed_split
    results: dict[bool, list[float]] = {True: [], False: []}
    with running_suite(rules=RULES) as suite, tempfile.TemporaryDirectory() as tmp:
        config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
        for i in range(args.pairs):
            for keep in (True, False) if i % 2 == 0 else (False, True):
                folder = Path(tmp) / f"run{i}-{keep}"
                latencies, _rtt, _after = loop.run_until_complete(
                    scenario(config, args.messages, args.gap, keep, folder))
                results[keep] += latencies
                print(f"run {i + 1} {'with' if keep else 'without'} the cache: "
                      f"p50 {percentile(latencies, 50):.2f} ms, "
                      f"p99 {percentile(latencies, 99):.2f} ms", flush=True)
    for keep in (True, False):
        v = results[keep]
        print(f"send -> shown, {'with' if keep else 'without'} the cache: n={len(v)} "
              f"p50 {percentile(v, 50):.2f} ms, p90 {percentile(v, 90):.2f} ms, "
              f"p99 {percentile(v, 99):.2f} ms")
    for p in (50, 90, 99):
        diff = percentile(results[True], p) - percentile(results[False], p)
        print(f"the cache adds at p{p}: {diff:+.2f} ms")
    print(f"the cache's work on the GUI thread per stream event: n={len(on_gui)} "
          f"p50 {percentile(on_gui, 50) * 1000:.0f} µs, p99 {percentile(on_gui, 99) * 1000:.0f} "
          f"µs, max {max(on_gui) * 1000:.0f} µs")
    print(f"control (split_path at the same place, every event): n={len(control)} "
          f"p50 {percentile(control, 50) * 1000:.0f} µs, p99 "
          f"{percentile(control, 99) * 1000:.0f} µs, max {max(control) * 1000:.0f} µs")
    print("target: the cache adds <= 5 ms")


if __name__ == "__main__":
    main()
    finish()
