"""Run a DatabaseEmulator on a free port in a background thread, for other parts' tests.

    from messenger_emulators.database.testing import run_in_thread
    db = run_in_thread(rules_text=open("database.rules.json").read())
    ... requests.get(f"{db.url}/x.json?ns={db.namespace}") ...
    db.stop()
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from .component import DatabaseEmulator


class RunningDatabase:
    def __init__(self, emulator: DatabaseEmulator, loop: asyncio.AbstractEventLoop,
                 thread: threading.Thread) -> None:
        self.emulator = emulator
        self.loop = loop
        self._thread = thread

    @property
    def port(self) -> int:
        return self.emulator.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        """For FIREBASE_DATABASE_EMULATOR_HOST."""
        return f"127.0.0.1:{self.port}"

    @property
    def namespace(self) -> str:
        return self.emulator.project_id

    @property
    def engine(self) -> Any:
        return self.emulator.engine

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the emulator's loop (engine state is not thread-safe) and return it."""
        async def run() -> Any:
            return fn()
        return asyncio.run_coroutine_threadsafe(run(), self.loop).result(10)

    def stop(self) -> None:
        if not self.loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self.emulator.stop(), self.loop).result(15)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(15)

    def __enter__(self) -> RunningDatabase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def run_in_thread(rules_text: str | None = None, project_id: str = "demo-messenger",
                  **kwargs: Any) -> RunningDatabase:
    """Start a database emulator on 127.0.0.1 and a free port; kwargs go to DatabaseEmulator
    (persistence, initial_roots, rules_trace, keepalive_s)."""
    emulator = DatabaseEmulator(project_id=project_id, host="127.0.0.1", port=0,
                                rules_text=rules_text, **kwargs)
    loop = asyncio.new_event_loop()
    started: Future = Future()

    def main() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(emulator.start())
        except BaseException as exc:
            started.set_exception(exc)
            loop.close()
            return
        started.set_result(None)
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=main, name="database-emulator", daemon=True)
    thread.start()
    started.result(30)
    return RunningDatabase(emulator, loop, thread)
