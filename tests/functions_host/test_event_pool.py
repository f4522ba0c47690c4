"""The worker's event pool: blocking calls run side by side, up to the maximum, threads reused."""

from __future__ import annotations

import threading

from messenger_emulators.functions_host.worker import EventPool


def test_blocking_calls_run_concurrently_and_threads_are_reused() -> None:
    pool = EventPool(8)
    release = threading.Event()
    started = threading.Semaphore(0)
    done = threading.Semaphore(0)

    def call() -> None:
        started.release()
        release.wait(10)
        done.release()

    for _ in range(5):
        pool.submit(call)
    for _ in range(5):  # all five block at once: each got its own thread
        assert started.acquire(timeout=10)
    release.set()
    for _ in range(5):
        assert done.acquire(timeout=10)
    assert pool.threads == 5
    for _ in range(5):  # later calls reuse the idle threads
        pool.submit(done.release)
    for _ in range(5):
        assert done.acquire(timeout=10)
    assert pool.threads == 5


def test_the_maximum_bounds_the_threads_and_calls_queue_and_a_raising_call_harms_none() -> None:
    pool = EventPool(2)
    release = threading.Event()
    done = threading.Semaphore(0)

    def call() -> None:
        release.wait(10)
        done.release()

    def boom() -> None:
        raise RuntimeError("boom")

    pool.submit(boom)
    for _ in range(6):
        pool.submit(call)
    release.set()
    for _ in range(6):
        assert done.acquire(timeout=10)
    assert pool.threads == 2
