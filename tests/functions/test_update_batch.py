"""The trigger's group commit (update_batch.py): concurrent updates share writes, and each caller
still gets exactly what its own update alone would give.

The write here is a function recording what it was given (the database is not what is being
tested: the end-to-end trigger tests, test_trigger_concurrency.py among them, run the batcher
against the real suite through firebase-admin)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from messenger_functions.update_batch import UpdateBatcher


class Store:
    """A write that takes a while (as one on the wire does) and can refuse a path."""

    def __init__(self, delay: float = 0.01, refuse: str = "") -> None:
        self.delay = delay
        self.refuse = refuse
        self.writes: list[dict] = []
        self.data: dict = {}
        self.lock = threading.Lock()

    def write(self, changes: dict) -> None:
        time.sleep(self.delay)
        if self.refuse and any(p.startswith(self.refuse) for p in changes):
            raise PermissionError(f"refused: {sorted(changes)}")
        with self.lock:
            self.writes.append(dict(changes))
            self.data.update(changes)


def test_a_call_alone_writes_at_once() -> None:
    store = Store(delay=0)
    batcher = UpdateBatcher(store.write)
    batcher.update({"u/a/ids/m1": 1, "u/b/p/m1": {"t": "x"}})
    assert store.writes == [{"u/a/ids/m1": 1, "u/b/p/m1": {"t": "x"}}]
    batcher.update({})  # nothing to write: no write
    assert len(store.writes) == 1


def test_concurrent_calls_share_writes_and_return_once_written() -> None:
    store = Store(delay=0.02)
    batcher = UpdateBatcher(store.write)
    missing: list[str] = []

    def call(i: int) -> None:
        path = f"userChats/u{i % 7}/c{i}/unreadIds/m{i}"
        batcher.update({path: i, f"userChats/x/c{i}/previews/m{i}": {"n": i}})
        with store.lock:  # returned: its paths are written
            if store.data.get(path) != i:
                missing.append(path)

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(call, range(400)))
    assert missing == []
    assert len(store.data) == 800
    assert batcher.calls == 400
    # 400 calls, 32 at a time, a write taking 20 ms: far fewer writes than calls
    assert len(store.writes) < 100, len(store.writes)


def test_a_refused_update_fails_alone() -> None:
    store = Store(delay=0.01, refuse="userChats/bad/")
    batcher = UpdateBatcher(store.write)
    results: dict[int, str] = {}

    def call(i: int) -> None:
        who = "bad" if i == 13 else f"u{i}"
        try:
            batcher.update({f"userChats/{who}/c/unreadIds/m{i}": i})
            results[i] = "ok"
        except PermissionError as exc:
            results[i] = f"refused {exc}"

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(call, range(60)))
    assert results[13].startswith("refused") and "userChats/bad/c/unreadIds/m13" in results[13]
    assert all(results[i] == "ok" for i in range(60) if i != 13), results
    assert len(store.data) == 59
    # the refusal names only the refused caller's own paths (it was written again alone)
    assert results[13] == "refused refused: ['userChats/bad/c/unreadIds/m13']"


@pytest.mark.parametrize("second", [
    "a/b/c",        # the same path
    "a/b",          # a path above it
    "a/b/c/d",      # a path below it
])
def test_overlapping_updates_never_share_a_write_and_keep_their_order(second: str) -> None:
    store = Store(delay=0.05)
    batcher = UpdateBatcher(store.write)
    started = threading.Event()

    def first_writer() -> None:
        started.set()
        batcher.update({"z/0": 0})  # on the wire while the others queue up

    t = threading.Thread(target=first_writer)
    t.start()
    started.wait()
    time.sleep(0.01)
    order = []
    t1 = threading.Thread(target=lambda: (batcher.update({"a/b/c": 1}), order.append(1)))
    t1.start()
    time.sleep(0.01)
    t2 = threading.Thread(target=lambda: (batcher.update({second: 2, "q/r": 2}),
                                          order.append(2)))
    t2.start()
    for thread in (t, t1, t2):
        thread.join(5)
    together = [w for w in store.writes if "a/b/c" in w and second in w and second != "a/b/c"]
    assert together == []
    first = next(i for i, w in enumerate(store.writes) if w.get("a/b/c") == 1)
    later = next(i for i, w in enumerate(store.writes) if w.get(second) == 2)
    assert first < later  # the later caller's write comes after the earlier one's


def test_updates_of_one_path_never_share_a_write() -> None:
    store = Store(delay=0.03)
    batcher = UpdateBatcher(store.write)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(batcher.update, {"same/path": i, f"other/{i}": i})
                   for i in range(8)]
        for f in futures:
            f.result(5)
    assert sorted(w["same/path"] for w in store.writes) == list(range(8))
    assert all(len(w) == 2 for w in store.writes)  # one path: never two in one write


def test_the_writer_returns_once_its_own_update_is_written_under_endless_load() -> None:
    store = Store(delay=0.05)
    batcher = UpdateBatcher(store.write)
    stop = threading.Event()

    def load(n: int) -> None:
        i = 0
        while not stop.is_set():
            batcher.update({"load/same": (n, i)})  # one path: one a write, the rest wait
            i += 1

    def first() -> float:
        t0 = time.monotonic()
        batcher.update({"first": 1})
        return time.monotonic() - t0

    with ThreadPoolExecutor(9) as pool:
        mine = pool.submit(first)  # the writer: nothing else is waiting yet
        time.sleep(0.01)
        loaders = [pool.submit(load, n) for n in range(8)]  # writes never stop coming
        try:
            took = mine.result(5)
        finally:
            stop.set()
        for f in loaders:
            f.result(5)
    # one write of 50 ms for its own update (maybe one more); not the whole 5 s of load
    assert took < 1.0, took
    assert store.data["first"] == 1


class OverlapStore(Store):
    """A Store that also records how many writes are on the wire at once, and fails the
    test if two writes on the wire at once touch one path (or one above the other)."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay=delay)
        self.flying: list[set[tuple[str, ...]]] = []
        self.most_at_once = 0
        self.overlaps: list[str] = []

    def write(self, changes: dict) -> None:
        mine = {tuple(p.split("/")) for p in changes}
        with self.lock:
            for other in self.flying:
                for a in mine:
                    for b in other:
                        if a[:len(b)] == b or b[:len(a)] == a:
                            self.overlaps.append("/".join(a))
            self.flying.append(mine)
            self.most_at_once = max(self.most_at_once, len(self.flying))
        try:
            super().write(changes)
        finally:
            with self.lock:
                self.flying.remove(mine)


def test_a_backlog_goes_out_in_several_bounded_writes_at_once() -> None:
    store = OverlapStore(delay=0.02)
    batcher = UpdateBatcher(store.write, max_paths=6, writers=3)
    missing: list[str] = []

    def call(i: int) -> None:
        path = f"userChats/u{i % 5}/c{i}/unreadIds/m{i}"
        batcher.update({path: i, f"userChats/x/c{i}/previews/m{i}": i})
        with store.lock:
            if store.data.get(path) != i:
                missing.append(path)

    with ThreadPoolExecutor(48) as pool:
        list(pool.map(call, range(300)))
    assert missing == [] and len(store.data) == 600
    assert all(len(w) <= 6 for w in store.writes)  # bounded: three callers' updates a write
    assert store.most_at_once == 3  # the backlog had more writers than one, never more than 3
    assert store.overlaps == []
    assert len(store.writes) < 150  # still shared: 300 updates in fewer writes
    # every writer handed over or stopped: a call alone afterwards writes at once, alone
    store.most_at_once = 0
    batcher.update({"after": 1})
    assert store.writes[-1] == {"after": 1} and store.most_at_once == 1


def test_a_backlog_that_fits_in_one_write_waits_for_one_writer() -> None:
    # ten callers at once, two paths each: what waits always fits in one write of 60 paths,
    # so a second writer would only make more, smaller writes
    store = OverlapStore(delay=0.005)
    batcher = UpdateBatcher(store.write, max_paths=60, writers=3)

    def caller(n: int) -> None:
        for i in range(20):
            batcher.update({f"a/{n}/{i}": i, f"b/{n}/{i}": i})

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(caller, range(10)))
    assert len(store.data) == 400
    assert store.most_at_once == 1


@pytest.mark.parametrize("hot", ["same/path", "same"])
def test_clashing_updates_are_never_on_the_wire_at_once(hot: str) -> None:
    # many writers, tiny writes, every update touching one of three hot paths (or one above
    # them all): a later one must wait for the write in flight, even on another writer
    store = OverlapStore(delay=0.01)
    batcher = UpdateBatcher(store.write, max_paths=2, writers=4)

    def call(i: int) -> None:
        key = hot if i % 4 == 0 else f"same/path/k{i % 3}"
        batcher.update({key: i, f"cold/{i}": i})

    with ThreadPoolExecutor(24) as pool:
        list(pool.map(call, range(120)))
    assert store.overlaps == []
    assert all(store.data.get(f"cold/{i}") == i for i in range(120))
    assert store.most_at_once >= 2  # the cold paths did go out in parallel
