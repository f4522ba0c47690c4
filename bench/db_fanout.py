"""Fan-out: one write to N listeners of the same location; time until every one has it.

    python -m bench.db_fanout [--listeners 500] [--writes 20] [--readers 2]

Target: all 500 listeners have the event within 100 ms of the write being sent.
"""

from __future__ import annotations

import argparse
import time

from .db_common import Readers, ServerProcess, machine_load, report
from .db_latency import _connection, _put


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--listeners", type=int, default=500)
    parser.add_argument("--writes", type=int, default=20)
    parser.add_argument("--readers", type=int, default=2, help="reader processes")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between writes")
    args = parser.parse_args()
    print(f"machine: {machine_load()}")
    with ServerProcess() as server:
        pool = Readers(server.url, "/room.json", args.listeners, args.readers)
        conn = _connection(server.url)
        sent = {}
        for i in range(args.writes):
            sent[i] = time.perf_counter()
            _put(conn, f"/room/m{i}.json", {"text": "hello everyone", "n": i})
            time.sleep(args.gap)
        received = pool.collect()
        conn.close()
    last = [(max(received[i]) - sent[i]) * 1000 for i in sent if i in received]
    first = [(min(received[i]) - sent[i]) * 1000 for i in sent if i in received]
    complete = sum(1 for i in sent if len(received.get(i, ())) == args.listeners)
    print(f"fan-out of one write to {args.listeners} listeners, {args.writes} writes "
          f"({complete} reached every listener)")
    report("  write sent -> first listener has it", first)
    report("  write sent -> last listener has it", last, "all within 100 ms")


if __name__ == "__main__":
    main()
