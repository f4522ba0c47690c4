"""What one message costs the `on_message_written` trigger: worker CPU and suite CPU.

    python -m bench.trigger_cost [--messages 3000] [--chats 100] [--rate 500]

Starts the real suite (rules, --data, the real functions/), writes messages into direct chats
as the admin at `--rate` (open loop), waits until every receiver's userChats entry counts them
(the derived count: unreadIds newer than readAt), and reads the functions worker's CPU time
(/proc) before and after: worker CPU per message, through the host's whole delivery path.
Then replays creations in this process through `unread.handle` to measure the function's CPU
without the invocation path (docs/functions.md counts its requests: 7 per creation).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import psutil
import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "functions"))

from tests.support.suite import running_suite  # noqa: E402

ADMIN = {"Authorization": "Bearer owner"}
CAP = 100  # messenger_model.limits.UNREAD_IDS_CAP: counts stop there


def _cpu(pid: int) -> float:
    times = psutil.Process(pid).cpu_times()
    return times.user + times.system


def unread_count(entry: object) -> int:
    """The derived count, as the app and the API compute it (imported late: the in-process
    replay below sets the environment of functions/ first)."""
    from messenger_model.unread import unread_count as derived

    return derived(entry)


def _uid(i: int) -> str:
    return f"user{i:04d}x"


async def _send_all(base: str, ns: str, chats: list[tuple[str, str, str]], count: int,
                    rate: float) -> float:
    began = time.monotonic()
    async with aiohttp.ClientSession(headers=ADMIN) as session:
        async def one(i: int) -> None:
            await asyncio.sleep(max(0.0, began + i / rate - time.monotonic()))
            chat, a, b = chats[i % len(chats)]
            sender = a if (i // len(chats)) % 2 == 0 else b
            body = {"sender": sender, "text": f"m{i} hello", "ts": {".sv": "timestamp"}}
            async with session.post(f"{base}/messages/{chat}.json", params={"ns": ns},
                                    json=body) as r:
                assert r.status == 200, await r.text()
        await asyncio.gather(*(one(i) for i in range(count)))
    return time.monotonic() - began


def _expected(chats, count):
    unread: dict[tuple[str, str], int] = {}
    for i in range(count):
        chat, a, b = chats[i % len(chats)]
        sender = a if (i // len(chats)) % 2 == 0 else b
        receiver = b if sender == a else a
        unread[(receiver, chat)] = unread.get((receiver, chat), 0) + 1
    return unread


def _wait_counted(base: str, ns: str, expected: dict, offset: dict, timeout: float) -> float:
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        tree = requests.get(f"{base}/userChats.json", params={"ns": ns}, headers=ADMIN,
                            timeout=30).json() or {}
        if all(unread_count(tree.get(uid, {}).get(chat)) >= min(offset.get((uid, chat), 0) + n,
                                                                  CAP)
               for (uid, chat), n in expected.items()):
            return time.monotonic() - began
        time.sleep(0.2)
    raise SystemExit("the trigger did not catch up in time")


def _counts(base, ns, expected):
    tree = requests.get(f"{base}/userChats.json", params={"ns": ns}, headers=ADMIN,
                        timeout=30).json() or {}
    return {key: unread_count(tree.get(key[0], {}).get(key[1])) for key in expected}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--replay", type=int, default=1000)
    args = parser.parse_args()
    rules = (REPO / "database.rules.json").read_text()
    chats = [("_".join(sorted((_uid(2 * i), _uid(2 * i + 1)))), _uid(2 * i), _uid(2 * i + 1))
             for i in range(args.chats)]
    with tempfile.TemporaryDirectory() as data, running_suite(
            rules=rules, data_dir=data, only=("auth", "database", "functions")) as suite:
        base, ns = suite.database_url, suite.ns
        suite_proc = psutil.Process(suite.pid)
        deadline = time.monotonic() + 60
        workers = []
        while not workers and time.monotonic() < deadline:
            workers = [p for p in suite_proc.children(recursive=True)
                       if "functions_host.worker" in " ".join(p.cmdline())]
            time.sleep(0.2)
        worker = workers[0].pid
        # warm-up: imports, firebase-admin, connections, the entries' cache
        warm = _expected(chats, 2 * args.chats)
        asyncio.run(_send_all(base, ns, chats, 2 * args.chats, args.rate))
        _wait_counted(base, ns, warm, {}, 120)
        offset = _counts(base, ns, warm)
        expected = _expected(chats, args.messages)
        w0, s0, t0 = _cpu(worker), _cpu(suite_proc.pid), time.monotonic()
        sent_in = asyncio.run(_send_all(base, ns, chats, args.messages, args.rate))
        lag = _wait_counted(base, ns, expected, offset, 300)
        w1, s1, t1 = _cpu(worker), _cpu(suite_proc.pid), time.monotonic()
        n = args.messages
        print(f"trigger_cost: {n} messages in {args.chats} chats at {n / sent_in:.0f} msg/s "
              f"(sent in {sent_in:.1f} s, counted {lag:.1f} s after the last send)")
        print(f"  functions worker CPU per message: {(w1 - w0) / n * 1e3:.2f} ms "
              f"(mean {100 * (w1 - w0) / (t1 - t0):.0f} % of a core)")
        print(f"  suite CPU per message (the write, the trigger's requests, no streams): "
              f"{(s1 - s0) / n * 1e3:.2f} ms")
        # The function alone, in this process, as the host runs it. The trigger reads each
        # message first (no delivery order assumed): placeholders make them exist.
        os.environ.update(suite.env)
        from messenger_functions import unread

        events = []
        for i in range(args.replay):
            chat, a, b = chats[i % len(chats)]
            message = {"sender": a, "text": f"r{i}", "ts": int(time.time() * 1000)}
            requests.put(f"{base}/messages/{chat}/replay{i:06d}.json", params={"ns": ns},
                         headers=ADMIN, json={"placeholder": True}, timeout=30)
            events.append((f"refs/messages/{chat}/replay{i:06d}", message))
        if len(events) <= 50:
            return
        for subject, message in events[:50]:  # warm this process's connections
            unread.handle(subject, None, message)
        c0 = time.process_time()
        for subject, message in events[50:]:
            unread.handle(subject, None, message)
        c1 = time.process_time()
        m = len(events) - 50
        print(f"  function alone, in-process ({m} first deliveries): "
              f"{(c1 - c0) / m * 1e3:.2f} ms CPU per message")
        c0 = time.process_time()
        for subject, message in events[50:]:
            unread.handle(subject, None, message)
        c1 = time.process_time()
        print(f"  the same events redelivered: {(c1 - c0) / m * 1e3:.2f} ms CPU per message")


if __name__ == "__main__":
    main()
