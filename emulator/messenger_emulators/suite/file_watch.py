"""Polling a file for changes: what the database's and Storage's rules hot reload share.

The file is polled a few times a second by its (mtime, size) stamp, with no watcher
dependency. The size matters: an editor truncates, then writes, often within one tick of the
file system's clock. A stamp that is missing (an editor's rename in progress) is looked at
again on the next poll; a change waits a moment for the writer to finish, then calls
`reload()`, which subclasses implement.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from pathlib import Path

POLL_S = 0.25
SETTLE_S = 0.005  # as the official emulators: let the writer finish before reading


def file_stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class PolledFile:
    """Calls `reload()` on the event loop after each change of `path` (start() to stop())."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp = file_stamp(path)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            stamp = file_stamp(self.path)
            if stamp == self._stamp or stamp is None:
                continue  # unchanged, or mid-replace: look again
            await asyncio.sleep(SETTLE_S)
            self._stamp = file_stamp(self.path)
            self.reload()

    def reload(self) -> bool:
        raise NotImplementedError
