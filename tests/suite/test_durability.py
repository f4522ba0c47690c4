"""THE durability test: kill -9 the suite in the middle of sustained concurrent writes.

Every write the suite acknowledged (HTTP 200) must be there after a restart on the same --data
folder, and nothing may be there twice. A write that was in flight when the process died may
or may not have landed (the client never heard back), but at most once.
"""

import threading
import time
from collections import Counter

import pytest
import requests

from tests.support.suite import running_suite

WRITERS = 12
KILL_AFTER_ACKS = 300
DEADLINE = 30.0


class Writer(threading.Thread):
    def __init__(self, suite, index, stop):
        super().__init__(daemon=True)
        self.base, self.ns, self.index, self.stop = suite.database_url, suite.ns, index, stop
        self.acked_pushes: list[int] = []
        self.acked_puts: list[int] = []
        self.acked_increments = 0
        self.in_flight_increment = False

    def run(self):
        session = requests.Session()
        n = 0
        try:
            while not self.stop.is_set():
                n += 1
                ns = f"?ns={self.ns}"
                # a push: a duplicate would show up as a second key with the same body
                r = session.post(f"{self.base}/pushes.json{ns}",
                                 json={"w": self.index, "n": n}, timeout=10)
                if r.status_code == 200:
                    self.acked_pushes.append(n)
                r = session.put(f"{self.base}/puts/w{self.index}/n{n}.json{ns}",
                                json={"n": n, "text": "x" * 40}, timeout=10)
                if r.status_code == 200:
                    self.acked_puts.append(n)
                # a server-side increment: replaying a record twice would overcount
                self.in_flight_increment = True
                r = session.put(f"{self.base}/counters/w{self.index}.json{ns}",
                                json={".sv": {"increment": 1}}, timeout=10)
                if r.status_code == 200:
                    self.acked_increments += 1
                    self.in_flight_increment = False
        except requests.RequestException:
            return  # the suite died under us: what was acknowledged so far is what counts


@pytest.mark.parametrize("compact_bytes", [None, 16384], ids=["no-compaction", "compacting"])
def test_every_acknowledged_write_survives_kill_9_exactly_once(tmp_path, compact_bytes):
    # "compacting": the log is folded into the snapshot every 16 KB, so the kill lands
    # around rotations and compaction children as well.
    env = {"MESSENGER_EMULATORS_COMPACT_BYTES": str(compact_bytes)} if compact_bytes else {}
    with running_suite(only=("database",), data_dir=tmp_path / "data", env=env) as suite:
        stop = threading.Event()
        writers = [Writer(suite, i, stop) for i in range(WRITERS)]
        for writer in writers:
            writer.start()
        deadline = time.monotonic() + DEADLINE
        while sum(len(w.acked_pushes) for w in writers) < KILL_AFTER_ACKS:
            assert time.monotonic() < deadline, "the writers made no progress"
            assert any(w.is_alive() for w in writers), suite.output
            time.sleep(0.01)
        suite.kill()  # mid-stream: every writer has a request in flight
        stop.set()
        for writer in writers:
            writer.join(15)
        assert all(w.acked_pushes for w in writers)

        suite.restart()
        if compact_bytes:
            assert (tmp_path / "data" / "snapshot.json").is_file(), "no compaction happened"
        tree = requests.get(f"{suite.database_url}/.json?ns={suite.ns}", timeout=30).json()

    pushes = Counter((p["w"], p["n"]) for p in tree["pushes"].values())
    assert max(pushes.values()) == 1, "a push was stored twice"
    for writer in writers:
        mine = {n for (w, n) in pushes if w == writer.index}
        assert set(writer.acked_pushes) <= mine
        assert len(mine - set(writer.acked_pushes)) <= 1  # at most the one in flight
        puts = {int(key[1:]) for key in tree["puts"][f"w{writer.index}"]}
        assert set(writer.acked_puts) <= puts
        assert len(puts - set(writer.acked_puts)) <= 1
        counter = tree["counters"][f"w{writer.index}"]
        assert writer.acked_increments <= counter <= writer.acked_increments + (
            1 if writer.in_flight_increment else 0)
