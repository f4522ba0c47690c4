"""One load-generating process: its users' streams and their messages, on one asyncio loop.

Both members of every chat live in the same process, so a message's send time stays in a dict
here and the receiver's stream only has to find the message's marker (`L<seq>:`) in the event
text; nothing crosses processes until the final summary.
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

from messenger_model.limits import UNREAD_IDS_CAP

from . import wire

MARKER = re.compile(rb'"text":"L(\d+):')
# a message's key: in unreadIds ("-N...": ts), or at the end of a patch's path key
# ("chat/unreadIds/-N...": ts, how the trigger's root-level PATCH reaches the stream)
PUSH_ID = re.compile(rb'["/](-[0-9A-Za-z_-]{19})"')
HEARTBEAT_S = 20.0          # as the desktop client heartbeats status/{uid} (models/presence)
MAX_IN_FLIGHT = 2000        # sends awaiting an answer; beyond it the schedule slips (reported)
TICK_S = 0.005
REOPEN_DELAY_S = 0.2
TYPING_S = 3.0              # the client writes its typing state at most once per 3 s a chat


@dataclass(frozen=True)
class Chat:
    chat_id: str
    members: tuple[int, int]   # indexes into Plan.users


@dataclass(frozen=True)
class Plan:
    proc: int
    database_url: str
    ns: str
    users: list[tuple[str, str]]          # (uid, id_token)
    chats: list[Chat]
    rate: float                           # messages per second for this process
    duration: float
    drain: float                          # seconds to wait for the last deliveries
    presence: bool = True
    typing: bool = False                  # users type: typing/{chat}/{uid} every TYPING_S


@dataclass
class Outcome:
    """What one process measured; times are seconds since the shared start."""
    proc: int
    sent: int = 0
    acked: int = 0
    errors: Counter = field(default_factory=Counter)
    ack: list[tuple[float, float]] = field(default_factory=list)        # (sent at, latency)
    delivery: list[tuple[float, float]] = field(default_factory=list)
    notify: list[tuple[float, float]] = field(default_factory=list)
    undelivered: int = 0
    unnotified: int = 0
    uncounted: int = -1     # acknowledged messages missing from the receiver's unreadIds at the end
    stream_drops: int = 0
    events: int = 0
    max_backlog: int = 0
    streams_open: int = 0


class Worker:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.out = Outcome(plan.proc)
        self.start = 0.0
        self.stopping = False
        self.sent_at: dict[int, float] = {}        # seq -> monotonic send time
        self.receiver: dict[int, int] = {}         # seq -> receiving user index
        self.seq_of: dict[bytes, int] = {}         # push id (from the POST answer) -> seq
        self.early_ids: dict[bytes, tuple[int, float]] = {}  # seen before the POST answered
        self.acked: set[int] = set()
        self.delivered: set[int] = set()
        self.notified: set[int] = set()
        self.partner_chat: dict[int, Chat] = {}
        for chat in plan.chats:
            for member in chat.members:
                self.partner_chat[member] = chat
        self.ready = 0
        self.streams_per_user = 3
        self.ready_event = asyncio.Event()
        self.stream_tasks: list[asyncio.Task] = []
        self.host_port = ("127.0.0.1", 0)

    # ---- streams -------------------------------------------------------------------------
    def _target(self, path: str, user: int) -> str:
        return wire.target(path, {"ns": self.plan.ns, "auth": self.plan.users[user][1]})

    async def _stream(self, user: int, path: str, kind: str) -> None:
        """Keep one stream open until the run stops; reopen (and count) any drop."""
        first = True
        host, port = self.host_port
        target = self._target(path, user)
        while not self.stopping:
            got_put = False

            def on_open(status: int) -> None:
                if status != 200:
                    self.out.errors[f"stream open {status}"] += 1
                else:
                    self.out.streams_open += 1

            def on_event(event: bytes, data: bytes) -> None:
                nonlocal got_put, first
                self.out.events += 1
                if event == b"put" and not got_put:
                    got_put = True
                    if first:
                        first = False
                        self.ready += 1
                        if self.ready == self.streams_per_user * len(self.plan.users):
                            self.ready_event.set()
                if kind in ("chats", "messages") and (event == b"put" or event == b"patch"):
                    self._seen(user, kind, data)
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

    def _seen(self, user: int, kind: str, data: bytes) -> None:
        now = time.monotonic()
        seqs = [int(m.group(1)) for m in MARKER.finditer(data)]
        if kind == "chats":
            # the trigger may show an older message only as an id in unreadIds (a newer one
            # already took lastMessage): count that as its notification too. The id can reach
            # the receiver before the sender's POST answer names it: kept until it does.
            for m in PUSH_ID.finditer(data):
                seq = self.seq_of.get(m.group(1))
                if seq is None:
                    self.early_ids.setdefault(m.group(1), (user, now))
                else:
                    seqs.append(seq)
        self._count(user, kind, seqs, now)

    def _count(self, user: int, kind: str, seqs: list[int], now: float) -> None:
        for seq in seqs:
            if self.receiver.get(seq) != user:
                continue
            done = self.delivered if kind == "messages" else self.notified
            if seq in done:
                continue
            done.add(seq)
            sent = self.sent_at[seq]
            samples = self.out.delivery if kind == "messages" else self.out.notify
            samples.append((sent - self.start, now - sent))

    # ---- writes --------------------------------------------------------------------------
    async def _send(self, pool: wire.HttpPool, seq: int, sender: int) -> None:
        chat = self.partner_chat[sender]
        a, b = chat.members
        receiver = b if sender == a else a
        uid = self.plan.users[sender][0]
        body = json.dumps({"sender": uid, "text": f"L{seq}: hello from {uid[:8]}",
                           "ts": {".sv": "timestamp"}}).encode()
        self.receiver[seq] = receiver
        sent = self.sent_at[seq] = time.monotonic()
        self.out.sent += 1
        try:
            status, answer = await pool.request(
                "POST", self._target(f"messages/{chat.chat_id}", sender), body)
            if status == 200:
                name = json.loads(answer)["name"].encode()
                self.seq_of[name] = seq
                early = self.early_ids.pop(name, None)
                if early is not None:
                    self._count(early[0], "chats", [seq], early[1])
                self.out.acked += 1
                self.acked.add(seq)
                self.out.ack.append((sent - self.start, time.monotonic() - sent))
            else:
                self.out.errors[f"send {status}"] += 1
        except (TimeoutError, OSError) as exc:
            self.out.errors[f"send {type(exc).__name__}"] += 1

    async def _heartbeats(self, pool: wire.HttpPool) -> None:
        """status/{uid} online, spread over the heartbeat period as real clients would be."""
        users = len(self.plan.users)
        order = list(range(users))
        random.shuffle(order)
        while not self.stopping:
            for user in order:
                if self.stopping:
                    return
                body = b'{"online":true,"lastSeen":{".sv":"timestamp"}}'
                try:
                    status, _ = await pool.request(
                        "PUT", self._target(f"status/{self.plan.users[user][0]}", user), body)
                    if status != 200:
                        self.out.errors[f"heartbeat {status}"] += 1
                except (TimeoutError, OSError) as exc:
                    self.out.errors[f"heartbeat {type(exc).__name__}"] += 1
                await asyncio.sleep(HEARTBEAT_S / users)

    async def _typing(self, pool: wire.HttpPool) -> None:
        """Every user types all the time: one typing/{chat}/{uid} write per TYPING_S each (the
        client's rate limit), spread over the period, server time as the rules require."""
        users = len(self.plan.users)
        order = list(range(users))
        random.shuffle(order)
        while not self.stopping:
            for user in order:
                if self.stopping:
                    return
                chat = self.partner_chat[user].chat_id
                path = f"typing/{chat}/{self.plan.users[user][0]}"
                try:
                    status, _ = await pool.request("PUT", self._target(path, user),
                                                   b'{".sv":"timestamp"}')
                    if status != 200:
                        self.out.errors[f"typing {status}"] += 1
                except (TimeoutError, OSError) as exc:
                    self.out.errors[f"typing {type(exc).__name__}"] += 1
                await asyncio.sleep(TYPING_S / users)

    async def _schedule(self, pool: wire.HttpPool) -> None:
        """Open loop at the planned rate; if answers lag, the backlog grows (and is reported)."""
        rate, users = self.plan.rate, len(self.plan.users)
        seq = 0
        pending: set[asyncio.Task] = set()
        end = self.start + self.plan.duration
        while True:
            now = time.monotonic()
            if now >= end:
                break
            due = int((now - self.start) * rate) - seq
            self.out.max_backlog = max(self.out.max_backlog, due)
            while due > 0 and len(pending) < MAX_IN_FLIGHT:
                seq += 1
                due -= 1
                task = asyncio.create_task(self._send(pool, seq, random.randrange(users)))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.sleep(TICK_S)
        if pending:
            await asyncio.wait(pending, timeout=30)

    async def _drain(self) -> None:
        deadline = time.monotonic() + self.plan.drain
        while time.monotonic() < deadline:
            if self.acked <= self.delivered and self.acked <= self.notified:
                return
            await asyncio.sleep(0.05)

    async def _check_unread(self, pool: wire.HttpPool) -> None:
        """After the drain: is every acknowledged message among the newest UNREAD_IDS_CAP in
        its receiver's unreadIds (nobody marks read here; older ids are pruned)? A notification
        the streams missed, or lost, shows up here. Push ids sort as their ts do."""
        received: dict[int, list[str]] = {}
        for name, seq in self.seq_of.items():
            if seq in self.acked:
                received.setdefault(self.receiver[seq], []).append(name.decode())
        expected = {user: set(sorted(names)[-UNREAD_IDS_CAP:])
                    for user, names in received.items()}
        missing = 0
        try:
            for user, ids in expected.items():
                uid = self.plan.users[user][0]
                path = f"userChats/{uid}/{self.partner_chat[user].chat_id}/unreadIds"
                status, answer = await pool.request("GET", self._target(path, user))
                have = (json.loads(answer) or {}) if status == 200 else {}
                missing += len(ids - set(have))
        except (TimeoutError, OSError) as exc:
            self.out.errors[f"unread check {type(exc).__name__}"] += 1
            return
        self.out.uncounted = missing

    # ---- the run -------------------------------------------------------------------------
    async def run(self, control: Connection) -> Outcome:
        host, port = self.plan.database_url.removeprefix("http://").rsplit(":", 1)
        self.host_port = (host, int(port))
        writes = wire.HttpPool(host, int(port), limit=100, timeout=30.0)
        for user, (uid, _) in enumerate(self.plan.users):
            chat = self.partner_chat[user]
            specs = [(f"userChats/{uid}", "chats"), (f"messages/{chat.chat_id}", "messages")]
            if self.plan.presence:
                specs.append(("status", "presence"))
            if self.plan.typing:
                specs.append((f"typing/{chat.chat_id}", "typing"))
            self.streams_per_user = len(specs)
            for path, kind in specs:
                self.stream_tasks.append(asyncio.create_task(self._stream(user, path, kind)))
        try:
            await asyncio.wait_for(self.ready_event.wait(), 120)
        except TimeoutError:
            self.out.errors["streams not ready in 120 s"] += 1
        loop = asyncio.get_running_loop()
        control.send(("ready", self.ready))
        start_at = await loop.run_in_executor(None, control.recv)
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        self.start = start_at
        heartbeat = asyncio.create_task(self._heartbeats(writes)) if self.plan.presence \
            else None
        typing = asyncio.create_task(self._typing(writes)) if self.plan.typing else None
        await self._schedule(writes)
        await self._drain()
        await self._check_unread(writes)
        self.stopping = True
        if heartbeat is not None:
            heartbeat.cancel()
        if typing is not None:
            typing.cancel()
        for task in self.stream_tasks:
            task.cancel()
        await asyncio.gather(*self.stream_tasks, *([heartbeat] if heartbeat else []),
                             *([typing] if typing else []), return_exceptions=True)
        writes.close()
        self.out.undelivered = len(self.acked - self.delivered)
        self.out.unnotified = len(self.acked - self.notified)
        return self.out


def run_worker(plan: Plan, control: Connection) -> None:
    """Process entry point: run, then send the Outcome back through `control`."""
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    outcome = runner(Worker(plan).run(control))
    control.send(("done", outcome))
