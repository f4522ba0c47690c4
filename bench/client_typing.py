"""Typing indicators: keystroke -> "… is typing…" shown, send -> gone, and idle CPU with one
showing.

    .venv/bin/python -m bench.client_typing [--trials 20] [--seconds 60]

Two real app processes (bench/client_soak_app.py: the real Application, registered through
its form) on the full suite (rules, triggers). Bob types in the chat with Alice; Alice's
window shows the line.

- latency: Bob's first keystroke -> Alice's header shows "Bob is typing…" (target <= 300 ms),
  and Bob sending -> it is gone (target <= 1 s); wall clock of one machine, checked every 2 ms.
- CPU: Alice's process, share of one core, over --seconds with nothing happening (baseline),
  then over --seconds while Bob keeps typing (a key every 250 ms, so his typing entry is
  rewritten every 3 s and the line shows all the time). Target <= 1 % of a core.

Exit status 2 when a target is missed, 1 on a failure.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from pathlib import Path

from messenger_desktop.config import emulator_config

from bench.client_soak import AppFailed, AppProcess, both
from bench.client_support import RULES, finish, summary
from tests.support.suite import running_suite

SHOWN_MS = 300.0
GONE_MS = 1000.0
CPU_PCT = 1.0


def cpu_over(app: AppProcess, seconds: float) -> float:
    t0, c0 = time.monotonic(), app.cpu_seconds()
    time.sleep(seconds)
    return 100 * (app.cpu_seconds() - c0) / (time.monotonic() - t0)


def watch(app: AppProcess, shown: bool) -> tuple[threading.Thread, dict]:
    """Start waiting (in a thread) for `app`'s typing line to show or go."""
    box: dict = {}

    def wait() -> None:
        try:
            box.update(app.call("wait_typing", shown=shown, timeout=10))
        except AppFailed as exc:
            box["error"] = str(exc)

    thread = threading.Thread(target=wait)
    thread.start()
    time.sleep(0.05)  # waiting before the other side acts
    return thread, box


def run(args, config, workdir: Path) -> int:
    alice = AppProcess("Alice", config, workdir / "alice")
    bob = AppProcess("Bob", config, workdir / "bob")
    apps = [alice, bob]
    try:
        alice.wait_ready()
        bob.wait_ready()
        both([(alice, "open", {"peer": bob.uid}), (bob, "open", {"peer": alice.uid})])
        time.sleep(2)  # both listening, heartbeats measured the clock offset

        shown, gone = [], []
        for _ in range(args.trials):
            waiter, box = watch(alice, True)
            typed = bob.call("type", count=1)["at"]
            waiter.join()
            if "at" not in box:
                raise AppFailed(f"the typing line did not show: {box.get('error')}")
            shown.append(1000 * (box["at"] - typed))
            waiter, box = watch(alice, False)
            stopped = bob.call("stop_typing")["at"]
            waiter.join()
            if "at" not in box:
                raise AppFailed(f"the typing line did not go: {box.get('error')}")
            gone.append(1000 * (box["at"] - stopped))
            time.sleep(0.3)
        print(summary("keystroke -> shown", shown))
        print(summary("send -> gone", gone))

        time.sleep(3)
        base = cpu_over(alice, args.seconds)
        print(f"Alice idle, nothing showing: {base:.2f} % of a core over {args.seconds:g} s")
        stop = threading.Event()

        def keep_typing() -> None:
            while not stop.wait(0.25):
                bob.call("type", count=1)

        typer = threading.Thread(target=keep_typing)
        typer.start()
        alice.call("wait_typing", shown=True, timeout=10)
        time.sleep(1)
        showing = cpu_over(alice, args.seconds)
        still = alice.call("wait_typing", shown=True, timeout=1)["text"]
        stop.set()
        typer.join()
        print(f"Alice with '{still}' showing ({args.seconds:g} s of Bob typing, a key every "
              f"250 ms): {showing:.2f} % of a core")
    except AppFailed as exc:
        print(f"\nFAILURE: {exc}", flush=True)
        for app in apps:
            if app.proc.poll() is None:
                app.quit(10)
        return 1
    for app in apps:
        app.quit()
    # Every trial, not a percentile: the line must show in time each time.
    ok = max(shown) <= SHOWN_MS and max(gone) <= GONE_MS and showing <= CPU_PCT
    print(f"targets (shown <= {SHOWN_MS:g} ms, gone <= {GONE_MS:g} ms, CPU <= {CPU_PCT:g} %): "
          + ("met" if ok else "MISSED"))
    return 0 if ok else 2


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="messenger-typing-") as tmp:
        data = Path(tmp) / "suite-data"
        data.mkdir()
        with running_suite(rules=RULES, data_dir=data) as suite:
            config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
            return run(args, config, Path(tmp))


if __name__ == "__main__":
    import sys

    code = main()
    if code == 0:
        finish()
    sys.exit(code)
