"""The load tool itself, at a small scale: it runs end to end through the real suite and its
report adds up (every acknowledged message delivered, no error, a plot written)."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import REPO


def test_bench_load_small_run_reports_every_message_delivered(tmp_path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench.load", "--users", "10", "--duration", "3", "--rate", "20",
         "--drain", "5", "--processes", "2", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout + run.stderr
    report = run.stdout
    acked = int(re.search(r"acknowledged (\d+) =", report).group(1))
    delivered = int(re.search(r"send -> delivery\s+(\d+)", report).group(1))
    assert acked >= 50 and delivered == acked, report
    assert "errors: 0" in report, report
    assert "(30 opened)" in report, report   # 3 streams a user
    # every acknowledged message counted for its receiver (the trigger ran for each)
    assert "missing from their receiver's unreadIds at the end: 0" in report, report
    assert len(list(tmp_path.glob("load-10u-20r-*.png"))) == 1
    assert len(list(tmp_path.glob("load-10u-20r-*.txt"))) == 1
