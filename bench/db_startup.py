"""Start-to-ready: from spawning `python -m messenger_emulators.database` to its first
answered request (interpreter start and imports included).

    python -m bench.db_startup [--runs 10]

Target: <= 1 s.
"""

from __future__ import annotations

import argparse
import time
import urllib.request

from .db_common import ServerProcess, machine_load, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    print(f"machine: {machine_load()}")
    ready, answered = [], []
    for _ in range(args.runs):
        with ServerProcess() as server:
            ready.append(server.ready_after * 1000)
            with urllib.request.urlopen(f"{server.url}/.json", timeout=10) as response:
                response.read()
            answered.append((time.perf_counter() - server.started) * 1000)
    report("spawn -> 'ready' line", ready)
    report("spawn -> first GET answered", answered, "<= 1000 ms")


if __name__ == "__main__":
    main()
