"""Garbage collection for a long-running suite: no long pauses under load, nothing kept forever.

Used by the suite's process and by the functions worker's (whose full collections took
100-240 ms under the same load). CPython's cyclic collector scans every tracked object of the
generation it collects. In the suite the old generation is everything built at start
(modules, rules, the loaded data) plus every open connection: under the load tool
(500 messages/s) a full collection took 170-200 ms, a middle-generation one 35-70 ms, every
few seconds, and every request waits behind such a pause (the load tool's p99). So:
- At ready, and after every collection of the middle generation, the survivors are frozen
  (`gc.freeze()`: moved to a permanent generation that collections skip). Refcounting still
  frees each of them the moment it is unreferenced; only garbage *cycles* among them (a closed
  connection's protocol and transport, say) wait.
- When the process has been nearly idle for IDLE_CHECK_S (under IDLE_CPU_SHARE of a core),
  one full collection of everything (unfreeze, collect, freeze) reclaims those cycles, at a
  moment nobody is waiting. Measured under load: pauses above 10 ms went from a few per second
  to a few per minute (docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from typing import Any

IDLE_CHECK_S = 5.0
IDLE_CPU_SHARE = 0.05


class CollectorPolicy:
    def __init__(self) -> None:
        self._timer: asyncio.TimerHandle | None = None
        self._cpu = 0.0
        self._frozen_more = False  # something was frozen since the last full collection
        self._stopped = threading.Event()

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        """For an asyncio process (the suite): the idle check is a timer on `loop`."""
        self._start()
        self._timer = loop.call_later(IDLE_CHECK_S, self._check, loop)

    def install_threaded(self) -> None:
        """For a process without an event loop (the functions worker): a daemon thread checks
        for idleness (a full collection then stops the other threads for its duration, as any
        collection does)."""
        self._start()

        def watch() -> None:
            while not self._stopped.wait(IDLE_CHECK_S):
                self._collect_if_idle()

        threading.Thread(target=watch, name="collector", daemon=True).start()

    def _start(self) -> None:
        gc.freeze()
        self._frozen_more = True
        gc.callbacks.append(self._after_collection)
        self._cpu = time.process_time()

    def uninstall(self) -> None:
        self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._after_collection in gc.callbacks:
            gc.callbacks.remove(self._after_collection)
        gc.unfreeze()

    def _after_collection(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] >= 1:
            gc.freeze()
            self._frozen_more = True

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        self._collect_if_idle()
        self._timer = loop.call_later(IDLE_CHECK_S, self._check, loop)

    def _collect_if_idle(self) -> None:
        cpu = time.process_time()
        if self._frozen_more and cpu - self._cpu < IDLE_CPU_SHARE * IDLE_CHECK_S:
            self.collect_all()
        self._cpu = time.process_time()

    def collect_all(self) -> int:
        """One full collection, frozen objects included; returns what it freed."""
        gc.unfreeze()
        try:
            return gc.collect()
        finally:
            gc.freeze()
            self._frozen_more = False
