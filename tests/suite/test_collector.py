"""The suite's garbage-collection policy (messenger_emulators/suite/collector.py)."""

import asyncio
import gc
import time
import weakref

from messenger_emulators.suite import collector
from messenger_emulators.suite.collector import CollectorPolicy


class Node:
    pass


def test_survivors_are_frozen_and_frozen_cycles_go_once_idle(monkeypatch):
    monkeypatch.setattr(collector, "IDLE_CHECK_S", 0.05)

    async def main():
        policy = CollectorPolicy()
        policy.install(asyncio.get_running_loop())
        try:
            node = Node()
            node.me = node                 # a cycle: only the cyclic collector frees it
            gone = weakref.ref(node)
            gc.collect(1)                  # a middle-generation collection: survivors frozen
            assert gc.get_freeze_count() > 0
            del node
            gc.collect()                   # a full collection skips frozen objects...
            assert gone() is not None
            await asyncio.sleep(0.3)       # ...the idle check collects them too
            assert gone() is None
        finally:
            policy.uninstall()
        assert gc.get_freeze_count() == 0
        assert policy._after_collection not in gc.callbacks

    asyncio.run(main())


def test_a_busy_process_is_not_paused_for_a_full_collection(monkeypatch):
    monkeypatch.setattr(collector, "IDLE_CHECK_S", 0.05)
    full = []

    async def main():
        policy = CollectorPolicy()
        monkeypatch.setattr(policy, "collect_all", lambda: full.append(1) or 0)
        policy.install(asyncio.get_running_loop())
        try:
            deadline = asyncio.get_running_loop().time() + 0.3
            while asyncio.get_running_loop().time() < deadline:
                sum(range(20_000))          # busy: well over 5% of a core
                await asyncio.sleep(0)
        finally:
            policy.uninstall()

    asyncio.run(main())
    assert full == []


def test_the_threaded_form_collects_frozen_cycles_once_idle(monkeypatch):
    # the functions worker has no event loop: a daemon thread does the idle check
    monkeypatch.setattr(collector, "IDLE_CHECK_S", 0.05)
    policy = CollectorPolicy()
    policy.install_threaded()
    try:
        node = Node()
        node.me = node
        gone = weakref.ref(node)
        gc.collect(1)
        del node
        gc.collect()
        assert gone() is not None
        deadline = time.monotonic() + 3
        while gone() is not None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert gone() is None
    finally:
        policy.uninstall()
