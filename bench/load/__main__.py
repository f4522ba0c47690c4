"""`python -m bench.load --users 200 --duration 60 --rate 500`: the messenger under load.

Starts the real suite (`messenger-emulators start`, free ports) with the repository's rules,
the real functions (trigger on) and a durable --data folder, signs the users in, opens the
client's streams, chats at the given total rate, and writes a text report and a PNG plot to
bench/out/. `--check` exits 1 when the target (p99 send->delivery <= 50 ms, no errors, rate
held) is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
from pathlib import Path

from . import profile
from .report import Run, plot, text
from .signin import User, sign_in
from .stats import summary
from .worker import Chat, Plan, run_worker

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "out"
TARGET_P99_S = 0.050
HELD_FRACTION = 0.99


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=200, help="simulated users (even; default 200)")
    p.add_argument("--duration", type=float, default=60.0, help="seconds of chatting")
    p.add_argument("--rate", type=float, default=500.0, help="total messages per second")
    p.add_argument("--processes", type=int, default=2, help="load-generating processes")
    p.add_argument("--signin", choices=("token", "api"), default="token",
                   help="token: firebase-admin custom tokens exchanged at the Auth emulator "
                        "(default, fast); api: the api function's /register (bcrypt per user)")
    p.add_argument("--no-triggers", action="store_true", help="run without the functions host")
    p.add_argument("--no-data", action="store_true", help="run the database in memory only")
    p.add_argument("--no-presence", action="store_true", help="no status/ stream nor heartbeats")
    p.add_argument("--drain", type=float, default=10.0,
                   help="seconds to wait after the run for the last deliveries/notifications")
    p.add_argument("--out", type=Path, default=OUT, help="folder for the report and plot")
    p.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    p.add_argument("--profile", action="store_true",
                   help="sample the suite with py-spy during the run; print its hot functions")
    p.add_argument("--long", action="store_true",
                   help="issue 19's long run: 200 users at 500 msg/s for 10 minutes, nobody "
                        "reading (unread ids pile up); the report adds p99 per minute")
    p.add_argument("--group", type=int, default=0, metavar="N",
                   help="issue 15's group mode: one group of N members (e.g. 200) streaming "
                        "its messages and their chat lists; --rate is then the group's "
                        "messages per second (default 5) and --duration defaults to 30 s")
    p.add_argument("--typing", action="store_true",
                   help="every user also types: writes typing/{chat}/{uid} every 3 s (the "
                        "client's rate limit) and streams typing/{chat}, during the run")
    args = p.parse_args(argv)
    if args.group:
        if args.group < 2:
            p.error("--group needs at least 2 members")
        if "--rate" not in " ".join(argv or sys.argv):
            args.rate = 5.0
        if "--duration" not in " ".join(argv or sys.argv):
            args.duration = 30.0
        args.users = args.group
        return args
    if args.long:
        args.users, args.rate, args.duration = 200, 500.0, 600.0
    if args.users < 2 or args.users % 2:
        p.error("--users must be an even number >= 2 (users chat in pairs)")
    return args


def plan_chats(users: list[User], processes: int) -> list[tuple[list[User], list[Chat]]]:
    """Users chat in pairs (a direct chat each); a pair stays in one process."""
    shares: list[tuple[list[User], list[Chat]]] = [([], []) for _ in range(processes)]
    for pair in range(len(users) // 2):
        mine, chats = shares[pair % processes]
        a, b = users[2 * pair], users[2 * pair + 1]
        chat_id = "_".join(sorted((a.uid, b.uid)))
        chats.append(Chat(chat_id, (len(mine), len(mine) + 1)))
        mine += [a, b]
    return [share for share in shares if share[0]]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.group:
        args.no_presence = True
    from tests.support.suite import running_suite

    from .monitor import Monitor

    only = ("auth", "database") if args.no_triggers else ("auth", "database", "functions")
    rules = (REPO / "database.rules.json").read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        data_dir = None if args.no_data else Path(tmp) / "data"
        with running_suite(only=only, rules=rules, data_dir=data_dir,
                           functions_source=REPO / "functions") as suite:
            print(f"suite up (pid {suite.pid}); signing {args.users} users in via {args.signin}",
                  flush=True)
            began = time.monotonic()
            api_url = f"{suite.functions_url}/api" if args.signin == "api" else None
            if api_url is not None and args.no_triggers:
                raise SystemExit("--signin api needs the functions emulator (drop --no-triggers)")
            users = asyncio.run(sign_in(args.users, suite.auth_url, suite.auth_host,
                                        suite.project_id, api_url))
            signin_s = time.monotonic() - began
            if args.group:
                return _drive_group(args, suite, users, signin_s)
            run = _drive(args, suite, users, signin_s, Monitor)
    report = text(run)
    if args.typing:
        report += (f"\n  typing: all {args.users} users wrote typing/{{chat}}/{{uid}} every "
                   "3 s and streamed typing/{chat} during the run")
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"load-{args.users}u-{args.rate:.0f}r-{stamp}"
    (args.out / f"{name}.txt").write_text(report + "\n", encoding="utf-8")
    plot(run, args.out / f"{name}.png")
    print(f"  report: {args.out / name}.txt, plot: {args.out / name}.png")
    if args.check:
        p99 = summary([lat for _, lat in run.merged("delivery")])["p99"]
        held = run.total("acked") >= HELD_FRACTION * args.rate * args.duration
        return 0 if (p99 <= TARGET_P99_S and not run.errors and held) else 1
    return 0


def _drive(args: argparse.Namespace, suite, users: list[User], signin_s: float,
           monitor_cls) -> Run:
    shares = plan_chats(users, args.processes)
    context = mp.get_context("spawn")
    workers = []
    for proc, (mine, chats) in enumerate(shares):
        plan = Plan(proc, suite.database_url, suite.ns, [(u.uid, u.id_token) for u in mine],
                    chats, args.rate * len(mine) / len(users), args.duration, args.drain,
                    presence=not args.no_presence, typing=args.typing)
        parent_end, child_end = context.Pipe()
        process = context.Process(target=run_worker, args=(plan, child_end), daemon=True)
        process.start()
        workers.append((process, parent_end))
    setup_began = time.monotonic()
    profiler = None
    try:
        for process, conn in workers:
            if not conn.poll(180):
                raise SystemExit(f"load worker {process.pid} did not get ready in 180 s")
            conn.recv()
        setup_s = time.monotonic() - setup_began
        start_at = time.monotonic() + 0.5
        monitor = monitor_cls(suite.pid, [os.getpid()] + [p.pid for p, _ in workers])
        monitor.start = start_at
        monitor.begin()
        for _, conn in workers:
            conn.send(start_at)
        if args.profile:
            raw = Path(tempfile.mkdtemp(prefix="bench-profile-")) / "suite.raw"
            profiler = profile.start(suite.pid, args.duration, raw)
        outcomes = []
        for process, conn in workers:
            if not conn.poll(args.duration + args.drain + 120):
                raise SystemExit(f"load worker {process.pid} did not finish")
            outcomes.append(conn.recv()[1])
        monitor.end()
        if profiler is not None:
            profiler.wait(60)
            hot = profile.summary(raw)
    finally:
        for process, _ in workers:
            process.join(10)
            if process.is_alive():
                process.kill()
    run = Run(args.users, args.rate, args.duration, len(workers), not args.no_triggers,
              not args.no_data, args.signin, signin_s, setup_s, outcomes, monitor.samples)
    if profiler is not None:
        run.profile = hot
    return run


def _drive_group(args: argparse.Namespace, suite, users: list[User], signin_s: float) -> int:
    """Group mode (group.py): one group, its members split over the processes."""
    import requests

    from .group import GroupPlan, group_record, report, run_group_worker

    made = group_record([u.uid for u in users])
    reply = requests.patch(f"{suite.database_url}/.json", params={"ns": suite.ns},
                           headers={"Authorization": "Bearer owner"},
                           data=json.dumps(made["changes"]), timeout=60)
    reply.raise_for_status()
    context = mp.get_context("spawn")
    workers = []
    for proc in range(args.processes):
        mine = users[proc::args.processes]
        plan = GroupPlan(proc, suite.database_url, suite.ns,
                         [(u.uid, u.id_token) for u in mine], made["chat_id"],
                         args.rate / args.processes, args.duration, args.drain)
        parent_end, child_end = context.Pipe()
        process = context.Process(target=run_group_worker, args=(plan, child_end), daemon=True)
        process.start()
        workers.append((process, parent_end))
    try:
        for process, conn in workers:
            if not conn.poll(180):
                raise SystemExit(f"group worker {process.pid} did not get ready in 180 s")
            conn.recv()
        start_at = time.monotonic() + 0.5
        for _, conn in workers:
            conn.send(start_at)
        cpu_before = _cpu_seconds(suite.pid)
        profiler = raw = None
        if args.profile:
            raw = Path(tempfile.mkdtemp(prefix="bench-profile-")) / "suite.raw"
            profiler = profile.start(suite.pid, args.duration, raw)
        outcomes = []
        for process, conn in workers:
            if not conn.poll(args.duration + args.drain + 120):
                raise SystemExit(f"group worker {process.pid} did not finish")
            outcomes.append(conn.recv()[1])
        cpu_after = _cpu_seconds(suite.pid)
    finally:
        for process, _ in workers:
            process.join(10)
            if process.is_alive():
                process.kill()
    print(f"signed in {len(users)} users in {signin_s:.1f} s; triggers "
          f"{'off' if args.no_triggers else 'on'}, data {'memory' if args.no_data else 'durable'}")
    print(report(outcomes, len(users), args.rate, args.duration))
    messages = max(1, sum(o.acked for o in outcomes))
    print(f"  CPU a group message (the whole run, drain included; independent of other load): "
          f"suite {1000 * (cpu_after[0] - cpu_before[0]) / messages:.1f} ms, functions worker "
          f"{1000 * (cpu_after[1] - cpu_before[1]) / messages:.1f} ms; load average "
          f"{os.getloadavg()[0]:.1f}")
    if profiler is not None and raw is not None:
        profiler.wait(60)
        print(profile.summary(raw, top=25))
    return 0


def _cpu_seconds(suite_pid: int) -> tuple[float, float]:
    """(the suite's CPU seconds, its children's: the functions worker and the sync helper)."""
    import psutil

    suite = psutil.Process(suite_pid)
    times = suite.cpu_times()
    children = 0.0
    for child in suite.children(recursive=True):
        try:
            child_times = child.cpu_times()
            children += child_times.user + child_times.system
        except psutil.Error:
            pass
    return times.user + times.system, children


if __name__ == "__main__":
    raise SystemExit(main())
