"""`--profile`: sample the suite with py-spy during the run and name its hot functions.

py-spy reads the process from outside (no instrumentation, ~1-2% overhead at 50 Hz), so the
figures of a profiled run stay comparable. The report lists each function of the emulators by
the share of samples in which it is on the stack (inclusive) and at the top (self).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^:()]+):\d+\)$")
OURS = "messenger_emulators/"


def py_spy() -> str | None:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    return found if Path(found).exists() else None


def start(pid: int, seconds: float, out: Path) -> subprocess.Popen | None:
    exe = py_spy()
    if exe is None:
        print("--profile: py-spy is not installed (pip install py-spy); skipping", flush=True)
        return None
    return subprocess.Popen(
        [exe, "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
         "--rate", "50", "--format", "raw", "--nonblocking", "-o", str(out)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def summary(raw: Path, top: int = 15) -> str:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        n, total = int(count), total + int(count)
        names = []
        for frame in stack.split(";"):
            match = FRAME.match(frame)
            # the CLI frame is on every stack of the main thread (the event loop): skip it
            if match and OURS in match["file"] and "suite/cli.py" not in match["file"]:
                names.append(f"{match['file'].split(OURS)[-1]}:{match['func']}")
        for name in set(names):
            inclusive[name] += n
        if names:
            own[names[-1]] += n
    if not total:
        return "  profile: no samples"
    lines = [f"  profile of the suite ({total} samples; % of samples, inclusive / self, "
             "within the emulators' code):"]
    for name, n in inclusive.most_common(top):
        lines.append(f"    {100 * n / total:5.1f}% / {100 * own[name] / total:5.1f}%  {name}")
    return "\n".join(lines)
