"""Commit pipeline: ordering, concurrency with durability waits, durability failures, and the
real journal (restart keeps every acknowledged write)."""

from __future__ import annotations

import asyncio
import random

import pytest
import requests
from messenger_emulators.database.engine import Commit, DatabaseEngine
from messenger_emulators.database.errors import DatabaseError
from messenger_emulators.database.identity import ADMIN
from messenger_emulators.database.testing import run_in_thread
from messenger_emulators.persistence import Journal


class ReorderingPersistence:
    """Durability that completes out of order (as group commits of different sizes can),
    counting how many appends are in flight at once."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.in_flight = 0
        self.max_in_flight = 0
        self.appended: list[tuple[str, list]] = []
        self.calls = 0
        self.fail_on = fail_on

    def load(self) -> dict:
        return {}

    async def append(self, namespace: str, writes: list) -> None:
        self.calls += 1
        call = self.calls
        self.appended.append((namespace, writes))
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(random.uniform(0, 0.02))
            if call == self.fail_on:
                raise OSError(28, "No space left on device")
        finally:
            self.in_flight -= 1

    def append_then(self, namespace, writes, durable) -> None:
        """The Persistence protocol over this async append (a task per commit, started in
        commit order)."""
        task = asyncio.ensure_future(self.append(namespace, writes))
        task.add_done_callback(lambda t: durable(
            RuntimeError("cancelled") if t.cancelled() else t.exception()))

    async def close(self) -> None:
        pass


def test_commits_delivered_in_order_while_many_wait_on_durability():
    async def scenario() -> None:
        persistence = ReorderingPersistence()
        engine = DatabaseEngine("demo-messenger", persistence=persistence)
        seen: list[Commit] = []
        engine.add_commit_listener(lambda commit, _batch: seen.append(commit))
        ns = engine.namespace("ordering")
        await asyncio.gather(*(engine.write(ns, [(("n", str(i)), i)], ADMIN)
                               for i in range(60)))
        assert [c.seq for c in seen] == list(range(1, 61))
        # every listener call saw the roots chain: each commit builds on the previous one
        for before, after in zip(seen, seen[1:], strict=False):
            assert after.old_root is before.new_root
        assert persistence.max_in_flight > 1     # writers waited on durability together
        assert [w for _, w in persistence.appended] == [c.writes for c in seen]
        assert ns.durable_root == {"n": {str(i): i for i in range(60)}}

    asyncio.run(scenario())


def test_durability_failure_is_reported_not_hidden():
    async def scenario() -> None:
        engine = DatabaseEngine("demo-messenger", persistence=ReorderingPersistence(fail_on=2))
        ns = engine.namespace("fail")
        await engine.write(ns, [(("a",), 1)], ADMIN)
        with pytest.raises(DatabaseError) as info:
            await engine.write(ns, [(("b",), 2)], ADMIN)
        assert info.value.status == 503 and "No space left" in info.value.message
        await engine.write(ns, [(("c",), 3)], ADMIN)

    asyncio.run(scenario())


def test_no_op_write_makes_no_commit():
    async def scenario() -> None:
        engine = DatabaseEngine("demo-messenger")
        seen: list[Commit] = []
        engine.add_commit_listener(lambda commit, _batch: seen.append(commit))
        ns = engine.namespace("noop")
        await engine.write(ns, [(("a",), 1)], ADMIN)
        assert await engine.write(ns, [(("a",), 1)], ADMIN) is None
        assert await engine.write(ns, [(("missing",), None)], ADMIN) is None
        await engine.write(ns, [(("d",), {"x": "long text " * 3})], ADMIN)
        assert await engine.write(ns, [(("d",), {"x": "long text " * 3})], ADMIN) is None
        await engine.write(ns, [(("a",), True)], ADMIN)       # 1 -> true is a change
        assert len(seen) == 3

    asyncio.run(scenario())


def test_journal_keeps_acknowledged_writes_across_restart(tmp_path):
    db = run_in_thread(persistence=Journal(tmp_path))
    try:
        session = requests.Session()
        for i in range(20):
            r = session.put(f"{db.url}/j/k{i}.json", params={"ns": "durable"},
                            json={"i": i, "t": {".sv": "timestamp"}}, timeout=10)
            assert r.status_code == 200
        session.patch(f"{db.url}/j.json", params={"ns": "durable"},
                      json={"k0": None, "k1/i": 100}, timeout=10)
        before = session.get(f"{db.url}/.json", params={"ns": "durable"}, timeout=10).json()
    finally:
        db.stop()
    again = run_in_thread(persistence=Journal(tmp_path))
    try:
        after = requests.get(f"{again.url}/.json", params={"ns": "durable"}, timeout=10).json()
        assert after == before and "k0" not in after["j"] and after["j"]["k1"]["i"] == 100
    finally:
        again.stop()
