"""Shared pieces of the desktop client's benchmarks (bench/client_*.py).

Everything is real: the emulator suite runs as a subprocess on free ports, clients are the
shipped classes. Users for the large-chat benchmark sign in with unsigned custom tokens, which
the Auth emulator accepts as the official one does (no functions worker needed).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MESSENGER_NO_KEYRING", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tests.support.suite

RULES = (REPO / "database.rules.json").read_text(encoding="utf-8")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(name: str, values: list[float], unit: str = "ms") -> str:
    return (
        f"{name}: n={len(values)} p50={percentile(values, 50):.2f}{unit} "
        f"p90={percentile(values, 90):.2f}{unit} p99={percentile(values, 99):.2f}{unit} "
        f"max={max(values):.2f}{unit} mean={statistics.fmean(values):.2f}{unit}"
    )


def unsigned_custom_token(uid: str) -> str:
    def part(doc: dict[str, Any]) -> str:
        raw = json.dumps(doc, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    now = int(time.time())
    payload = {
        "iss": "bench@demo-messenger.iam.gserviceaccount.com",
        "sub": "bench@demo-messenger.iam.gserviceaccount.com",
        "aud": "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1"
        ".IdentityToolkit",
        "uid": uid,
        "iat": now,
        "exp": now + 3600,
    }
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def qt_loop() -> tuple[Any, asyncio.AbstractEventLoop]:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    app.setQuitOnLastWindowClosed(False)  # benchmarks close their windows before the end
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    from messenger_desktop.main import install_asyncgen_hooks

    install_asyncgen_hooks(loop)
    # The same executor setup as messenger_desktop.main (qasync's own default is slower).
    loop.set_default_executor(ThreadPoolExecutor(max_workers=4, thread_name_prefix="firebase"))
    return app, loop


async def until(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("benchmark condition not reached")
        await asyncio.sleep(0.005)


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def finish() -> None:
    """Leave without the interpreter's final garbage collection of Qt objects: with PySide6
    6.12 it can abort after the figures are printed, which would read like a failure."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
