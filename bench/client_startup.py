"""Cold start of `messenger` to a usable window (the sign-in page, painted).

    .venv/bin/python -m bench.client_startup [--runs 7]

Each run starts the real console script as a new process (offscreen Qt, a fresh data folder,
`--config` pointing at an emulator suite that is already running, so the figure is the client's
own start, not the servers'). The time is measured by this parent process, from spawning the
process to the child's "window shown" line, printed once the shown window's pending events
(expose, paint) have been handled. The child is then asked to quit with SIGTERM, as a
desktop session would, and must exit with status 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.client_support import REPO, RULES, summary
from tests.support.suite import running_suite

SCRIPT = Path(sys.executable).parent / "messenger"


def one_run(config_path: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "MESSENGER_DATA_DIR": data,
               "MESSENGER_REPORT_STARTUP": "1", "MESSENGER_NO_KEYRING": "1"}
        t0 = time.perf_counter()
        child = subprocess.Popen([str(SCRIPT), "--config", str(config_path)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                 cwd=REPO)
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("window shown"):
                break
        elapsed = time.perf_counter() - t0
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return elapsed * 1000, child.returncode


def bare_qt() -> float:
    """What any PySide6 program pays before its first line runs (on this machine, now)."""
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import PySide6.QtWidgets"], check=True)
    return (time.perf_counter() - t0) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with running_suite(rules=RULES) as suite, tempfile.TemporaryDirectory() as tmp:
        config_path = Path(tmp) / "project.json"
        config_path.write_text(json.dumps({
            "apiKey": "fake-api-key", "projectId": suite.project_id,
            "databaseURL": suite.database_url, "functionsURL": f"{suite.functions_url}/api",
            "emulator": True, "authEmulatorHost": suite.auth_host,
        }))
        one_run(config_path)  # warm the OS file cache once, as a second launch would
        results = [one_run(config_path) for _ in range(args.runs)]
        floor = [bare_qt() for _ in range(args.runs)]
    times = [t for t, _ in results]
    codes = sorted({c for _, c in results})
    print(summary("spawn -> usable sign-in window", times))
    print(summary("floor: spawn python + import PySide6.QtWidgets + exit", floor))
    print(f"exit statuses after SIGTERM: {codes}; target: p50 <= 1500 ms")


if __name__ == "__main__":
    main()
