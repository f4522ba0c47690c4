"""The app's async-generator hooks (public asyncio API only): qasync's loop installs none, so
without them an abandoned generator would be finalized by the collector outside the loop."""

from __future__ import annotations

import asyncio
import gc
import sys

import qasync
from messenger_desktop.main import install_asyncgen_hooks


def test_an_abandoned_generator_is_closed_on_the_loop(qapp) -> None:
    closed_on: list[object] = []

    async def events():
        try:
            yield 1
            yield 2
        finally:
            await asyncio.sleep(0)  # cleanup that needs the loop (as httpx's does)
            closed_on.append(asyncio.get_running_loop())

    async def abandon() -> None:
        gen = events()
        await gen.__anext__()  # started, never finished
        del gen
        gc.collect()
        await asyncio.sleep(0.01)  # the finalizer's aclose() runs on the loop meanwhile

    old = sys.get_asyncgen_hooks()
    loop = qasync.QEventLoop(qapp)
    try:
        install_asyncgen_hooks(loop)  # without: "Exception ignored in: <async_generator ...>"
        loop.run_until_complete(abandon())
    finally:
        sys.set_asyncgen_hooks(*old)
        loop.close()
    assert closed_on == [loop]
