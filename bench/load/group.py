"""`python -m bench.load --group 200`: one group chat of N members under the full stack.

Every member streams the group's messages (`messages/{groupId}`) and their chat list
(`userChats/{uid}`), as the desktop client does; random members send at `--rate` messages per
second. For each message it measures when it reached each member's messages stream (all N,
the sender's own included) and each member's `userChats` entry (the trigger's preview, in its
one multi-path update for the whole group). Issue 15's targets: p99 <= 100 ms to the streams,
p99 <= 500 ms to the userChats entries. The group is written as the api function's
create_group writes it (record, joinedAt, every member's entry).

Members are split over the load processes; a message's send time and its arrivals are matched
in the parent (time.monotonic() is one clock for every process on Linux).
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from . import wire

MARKER = re.compile(rb'"text":"G(\d+)\.(\d+):')
# a message's key in a userChats event: an unread id ("-N...": ts) or a patch path's end
PUSH_ID = re.compile(rb'["/](-[0-9A-Za-z_-]{19})"')
TICK_S = 0.005
REOPEN_DELAY_S = 0.2
TARGET_STREAM_P99_S = 0.100
TARGET_ENTRY_P99_S = 0.500


@dataclass(frozen=True)
class GroupPlan:
    proc: int
    database_url: str
    ns: str
    users: list[tuple[str, str]]          # (uid, id_token) of this process's members
    chat_id: str
    rate: float                           # messages per second sent from this process
    duration: float
    drain: float


@dataclass
class GroupOutcome:
    proc: int
    sent: int = 0
    acked: int = 0
    errors: Counter = field(default_factory=Counter)
    sent_at: dict[str, float] = field(default_factory=dict)     # "proc.seq" -> monotonic
    # (key, kind, member) -> first arrival (monotonic); kind "messages" or "chats"
    arrivals: dict[tuple[str, str, int], float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)         # push id -> "proc.seq"
    # (push id, member) -> first arrival of its unread id in the member's userChats stream: a
    # late message whose preview is outranked on arrival by 4 newer ones (previews keep the
    # newest 4) reaches a receiver's entry as its id only
    id_arrivals: dict[tuple[str, int], float] = field(default_factory=dict)
    events: int = 0
    event_bytes: int = 0
    stream_drops: int = 0


class GroupWorker:
    def __init__(self, plan: GroupPlan) -> None:
        self.plan = plan
        self.out = GroupOutcome(plan.proc)
        self.stopping = False
        self.ready = 0
        self.ready_event = asyncio.Event()
        self.host_port = ("127.0.0.1", 0)

    def _target(self, path: str, user: int) -> str:
        return wire.target(path, {"ns": self.plan.ns, "auth": self.plan.users[user][1]})

    async def _stream(self, user: int, path: str, kind: str) -> None:
        first = True
        host, port = self.host_port
        target = self._target(path, user)
        while not self.stopping:
            def on_open(status: int) -> None:
                if status != 200:
                    self.out.errors[f"stream open {status}"] += 1

            def on_event(event: bytes, data: bytes) -> None:
                nonlocal first
                now = time.monotonic()
                self.out.events += 1
                self.out.event_bytes += len(data)
                if first and event == b"put":
                    first = False
                    self.ready += 1
                    if self.ready == 2 * len(self.plan.users):
                        self.ready_event.set()
                if event in (b"put", b"patch"):
                    for m in MARKER.finditer(data):
                        key = (f"{int(m.group(1))}.{int(m.group(2))}", kind, user)
                        self.out.arrivals.setdefault(key, now)
                    if kind == "chats":
                        for m in PUSH_ID.finditer(data):
                            self.out.id_arrivals.setdefault((m.group(1).decode(), user), now)
                elif event in (b"cancel", b"auth_revoked"):
                    self.out.errors[f"stream {event.decode()}"] += 1
            try:
                await wire.stream(host, port, target, on_event, on_open)
            except (TimeoutError, OSError) as exc:
                if not self.stopping:
                    self.out.errors[f"stream {type(exc).__name__}"] += 1
            if self.stopping:
                return
            self.out.stream_drops += 1
            await asyncio.sleep(REOPEN_DELAY_S)

    async def _send(self, pool: wire.HttpPool, seq: int) -> None:
        user = random.randrange(len(self.plan.users))
        uid = self.plan.users[user][0]
        key = f"{self.plan.proc}.{seq}"
        body = json.dumps({"sender": uid, "text": f"G{key}: hello all from {uid[:8]}",
                           "ts": {".sv": "timestamp"}}).encode()
        self.out.sent_at[key] = time.monotonic()
        self.out.sent += 1
        try:
            status, answer = await pool.request(
                "POST", self._target(f"messages/{self.plan.chat_id}", user), body)
            if status == 200:
                self.out.acked += 1
                self.out.names[json.loads(answer)["name"]] = key
            else:
                self.out.errors[f"send {status}"] += 1
        except (TimeoutError, OSError) as exc:
            self.out.errors[f"send {type(exc).__name__}"] += 1

    async def run(self, control: Connection) -> GroupOutcome:
        host, port = self.plan.database_url.removeprefix("http://").rsplit(":", 1)
        self.host_port = (host, int(port))
        pool = wire.HttpPool(host, int(port), limit=20, timeout=30.0)
        tasks = []
        for user, (uid, _) in enumerate(self.plan.users):
            tasks.append(asyncio.create_task(
                self._stream(user, f"messages/{self.plan.chat_id}", "messages")))
            tasks.append(asyncio.create_task(self._stream(user, f"userChats/{uid}", "chats")))
        try:
            await asyncio.wait_for(self.ready_event.wait(), 120)
        except TimeoutError:
            self.out.errors["streams not ready in 120 s"] += 1
        loop = asyncio.get_running_loop()
        control.send(("ready", self.ready))
        start = await loop.run_in_executor(None, control.recv)
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        sends: set[asyncio.Task] = set()
        seq = 0
        while (now := time.monotonic()) < start + self.plan.duration:
            due = int((now - start) * self.plan.rate) - seq
            for _ in range(max(0, due)):
                seq += 1
                task = asyncio.create_task(self._send(pool, seq))
                sends.add(task)
                task.add_done_callback(sends.discard)
            await asyncio.sleep(TICK_S)
        if sends:
            await asyncio.wait(sends, timeout=30)
        await asyncio.sleep(self.plan.drain)  # the last arrivals, in every process
        self.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        pool.close()
        return self.out


def run_group_worker(plan: GroupPlan, control: Connection) -> None:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    control.send(("done", runner(GroupWorker(plan).run(control))))


def group_record(uids: list[str]) -> dict:
    """The database as POST /create_group leaves it (owner: the first member)."""
    from messenger_model.chats import new_group_id

    chat_id = new_group_id()
    now = int(time.time() * 1000)
    members = {uid: ("owner" if i == 0 else "member") for i, uid in enumerate(uids)}
    return {"chat_id": chat_id, "changes": {
        f"chats/{chat_id}": {"type": "group", "name": "bench", "createdAt": now,
                             "createdBy": uids[0], "members": members,
                             "joinedAt": dict.fromkeys(uids, now)},
        **{f"userChats/{uid}/{chat_id}": {"readAt": now, "group": {"name": "bench"}}
           for uid in uids},
        **{f"users/{uid}": {"email": f"{uid.lower()}@bench.example", "displayName": uid[:8],
                            "createdAt": now} for uid in uids},
    }}


def report(outcomes: list[GroupOutcome], members: int, rate: float, duration: float) -> str:
    from .stats import ms, summary

    sent_at: dict[str, float] = {}
    names: dict[str, str] = {}
    for outcome in outcomes:
        sent_at.update(outcome.sent_at)
        names.update(outcome.names)
    for outcome in outcomes:  # an unread id counts as the entry reached, as a preview does
        for (name, user), arrived in outcome.id_arrivals.items():
            if name in names:
                at = (names[name], "chats", user)
                outcome.arrivals[at] = min(arrived, outcome.arrivals.get(at, arrived))
    latencies: dict[str, list[float]] = {"messages": [], "chats": []}
    reached: dict[str, Counter] = {"messages": Counter(), "chats": Counter()}
    for outcome in outcomes:
        for (key, kind, _user), arrived in outcome.arrivals.items():
            if key in sent_at:
                latencies[kind].append(arrived - sent_at[key])
                reached[kind][key] += 1
    acked = sum(o.acked for o in outcomes)
    errors = sum((o.errors for o in outcomes), Counter())
    lines = [f"group of {members} members, {rate:g} msg/s for {duration:g} s: "
             f"{sum(o.sent for o in outcomes)} sent, {acked} acknowledged, "
             f"errors {dict(errors) or 0}"]
    for kind, label, target in (("messages", "send -> every member's messages stream",
                                 TARGET_STREAM_P99_S),
                                ("chats", "send -> every member's userChats entry",
                                 TARGET_ENTRY_P99_S)):
        s = summary(latencies[kind])
        complete = sum(1 for key in sent_at if reached[kind][key] >= members)
        lines.append(f"  {label}: p50 {ms(s['p50'])} ms, p90 {ms(s['p90'])} ms, "
                     f"p99 {ms(s['p99'])} ms, max {ms(s['max'])} ms over {s['count']} "
                     f"arrivals; {complete}/{len(sent_at)} messages reached all {members} "
                     f"(target p99 <= {target * 1000:.0f} ms)")
    events = sum(o.events for o in outcomes)
    size = sum(o.event_bytes for o in outcomes)
    lines.append(f"  streams: {events} events, {size / max(1, events):.0f} bytes each on "
                 f"average, {sum(o.stream_drops for o in outcomes)} drops")
    return "\n".join(lines)
