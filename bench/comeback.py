"""Coming back to a pile of unread messages (issue 19): 50 chats, 10,000 unread between them.

    .venv/bin/python -m bench.comeback [--chats 50] [--messages 10000] [--runs 5]

The full stack (rules, the functions host with the real trigger, --data). 50 people each send
their share of 10,000 messages to one user who is away (admin POSTs, so the real trigger keeps
the user's `userChats` as it would); once the trigger has caught up, the user comes back: the
real desktop client signs in (custom token through the Auth emulator) and we time from signed
in to a ready chat list (every chat's row with its full unread badge and its preview). Also printed:
the size of the chat list's first load (`userChats/{uid}`, what the stream's first `put`
carries). Targets: ready <= 1 s after sign-in, first load <= 1 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from messenger_desktop.client import MessengerClient
from messenger_desktop.config import emulator_config
from messenger_desktop.firebase.session import AuthSession
from messenger_model.chats import direct_chat_id
from messenger_model.limits import UNREAD_IDS_CAP
from messenger_model.previews import latest_preview
from messenger_model.unread import unread_count

from bench.client_support import REPO, RULES, finish, percentile, qt_loop, unsigned_custom_token
from tests.support.suite import running_suite

SV = {".sv": "timestamp"}


async def pile_up(config, me: str, peers: list[str], total: int) -> tuple[float, float]:
    """Sends `total` messages from the peers to `me` (round robin); returns (send seconds,
    seconds until the trigger caught up: every entry counts its messages, up to the cap)."""
    params = {"auth": "owner", "ns": config.project_id}
    base = config.database_url
    began = time.monotonic()
    async with httpx.AsyncClient(timeout=60) as http:
        for peer in peers:
            r = await http.put(f"{base}/users/{peer}.json", params=params,
                               json={"email": f"{peer}@example.com", "displayName": peer[:8],
                                     "createdAt": SV})
            r.raise_for_status()
        limit = asyncio.Semaphore(16)
        newest: dict[str, str] = {}  # peer -> the newest message id (push ids sort by time)

        async def send(i: int) -> None:
            peer = peers[i % len(peers)]
            body = {"sender": peer, "text": f"Message {i} while you were away", "ts": SV}
            async with limit:
                r = await http.post(f"{base}/messages/{direct_chat_id(me, peer)}.json",
                                    params=params, json=body)
                r.raise_for_status()
            name = r.json()["name"]
            newest[peer] = max(newest.get(peer, ""), name)
        await asyncio.gather(*(send(i) for i in range(total)))
        sent = time.monotonic() - began
        per_chat = {peer: 0 for peer in peers}
        for i in range(total):
            per_chat[peers[i % len(peers)]] += 1
        while True:
            r = await http.get(f"{base}/userChats/{me}.json", params=params)
            entries = r.json() or {}
            if all(unread_count(entries.get(direct_chat_id(me, p))) >= min(n, UNREAD_IDS_CAP)
                   and (latest_preview(entries.get(direct_chat_id(me, p))) or {}).get("id")
                   == newest[p] for p, n in per_chat.items()):
                return sent, time.monotonic() - began
            if time.monotonic() - began > 900:
                raise SystemExit("the trigger did not catch up in 15 minutes")
            await asyncio.sleep(0.5)


async def first_load_bytes(config, me: str) -> tuple[int, int]:
    params = {"auth": "owner", "ns": config.project_id}
    async with httpx.AsyncClient(timeout=60) as http:
        r = await http.get(f"{config.database_url}/userChats/{me}.json", params=params)
        entries = r.json() or {}
        ids = sum(len(e.get("unreadIds") or {}) for e in entries.values())
        return len(r.content), ids


async def come_back(config, me: str, peers: list[str], total: int) -> tuple[float, float]:
    """(sign-in seconds, seconds from signed in to a ready chat list)."""
    t0 = time.perf_counter()
    session = AuthSession(config)
    await session.sign_in_with_custom_token(unsigned_custom_token(me), me)
    t1 = time.perf_counter()
    client = MessengerClient(session)
    client.start()
    chats = client.chats
    expected = total // len(peers)  # each chat's unread messages (at least)

    def ready() -> bool:
        for peer in peers:
            row = chats.row_for_uid(peer)
            if row is None or row.unread < min(expected, UNREAD_IDS_CAP) or not row.preview:
                return False
        return True
    deadline = time.monotonic() + 60
    while not ready():
        if time.monotonic() > deadline:
            raise SystemExit("the chat list was not ready in 60 s")
        await asyncio.sleep(0.002)
    t2 = time.perf_counter()
    await client.stop(mark_offline=False)
    return t1 - t0, t2 - t1


async def scenario(config, args) -> None:
    me = uuid.uuid4().hex[:28]
    peers = [f"p{i:03d}{uuid.uuid4().hex}"[:28] for i in range(args.chats)]
    sent, caught_up = await pile_up(config, me, peers, args.messages)
    size, ids = await first_load_bytes(config, me)
    entry = None
    async with httpx.AsyncClient(timeout=60) as http:
        r = await http.get(f"{config.database_url}/userChats/{me}/{direct_chat_id(me, peers[0])}"
                           ".json", params={"auth": "owner", "ns": config.project_id})
        entry = r.json()
    signin, ready = [], []
    for _ in range(args.runs):
        s, r = await come_back(config, me, peers, args.messages)
        signin.append(s * 1000)
        ready.append(r * 1000)
    print(f"comeback: {args.messages} unread messages in {args.chats} chats (rules, trigger, "
          f"--data); load average before the runs {' '.join(f'{x:.2f}' for x in args.load)}")
    print(f"  sent in {sent:.1f} s; the trigger caught up {caught_up - sent:.1f} s later")
    print(f"  first load of the chat list: {size / 1024:.0f} KB ({ids} unread ids kept for "
          f"{args.messages} unread messages; target <= 1 MB)")
    preview = latest_preview(entry) or {}
    print(f"  one entry: unread {unread_count(entry)} (shown "
          f"{'99+' if unread_count(entry) >= UNREAD_IDS_CAP else unread_count(entry)}), "
          f"preview {preview.get('text')!r}")
    print(f"  sign-in p50 {percentile(signin, 50):.0f} ms; signed in -> chat list ready: "
          f"p50 {percentile(ready, 50):.0f} ms, max {max(ready):.0f} ms over {args.runs} runs "
          f"(target <= 1,000 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    args.load = os.getloadavg()
    _app, loop = qt_loop()
    with tempfile.TemporaryDirectory(prefix="bench-comeback-") as tmp, running_suite(
            rules=RULES, data_dir=Path(tmp) / "data",
            functions_source=REPO / "functions") as suite:
        config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
        loop.run_until_complete(scenario(config, args))


if __name__ == "__main__":
    main()
    finish()
