"""Shared by the database benchmarks: a server in its own process, percentiles."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence


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


def report(name: str, samples_ms: Sequence[float], target: str = "") -> None:
    values = sorted(samples_ms)
    print(f"{name}: n={len(values)} p50={percentile(values, 50):.2f}ms "
          f"p90={percentile(values, 90):.2f}ms p99={percentile(values, 99):.2f}ms "
          f"max={values[-1]:.2f}ms" + (f"  (target {target})" if target else ""), flush=True)
