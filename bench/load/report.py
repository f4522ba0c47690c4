"""The load run's report: a text summary (stdout and a .txt) and a PNG plot over time."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .monitor import Sample
from .stats import ms, per_second, summary
from .worker import Outcome


@dataclass
class Run:
    users: int
    rate: float
    duration: float
    processes: int
    triggers: bool
    durable: bool
    signin: str
    signin_s: float
    setup_s: float
    outcomes: list[Outcome]
    samples: list[Sample]
    profile: str = ""

    def merged(self, name: str) -> list[tuple[float, float]]:
        return [s for o in self.outcomes for s in getattr(o, name)]

    def total(self, name: str) -> int:
        return sum(getattr(o, name) for o in self.outcomes)

    @property
    def errors(self) -> Counter:
        errors: Counter = Counter()
        for outcome in self.outcomes:
            errors.update(outcome.errors)
        if self.total("undelivered"):
            errors["acknowledged but never delivered"] += self.total("undelivered")
        return errors


def _cpu(samples: list[Sample], attr: str) -> str:
    values = [getattr(s, attr) for s in samples if 0 <= s.t]
    if not values:
        return "n/a"
    return f"mean {sum(values) / len(values):5.1f}%  max {max(values):5.1f}%"


def _mem(samples: list[Sample], attr: str) -> str:
    values = [getattr(s, attr) for s in samples]
    return f"max {max(values):6.1f} MB" if values else "n/a"


def text(run: Run) -> str:
    acked, sent = run.total("acked"), run.total("sent")
    held = acked / run.duration if run.duration else 0.0
    lines = [
        f"bench.load: {run.users} users, target {run.rate:.0f} msg/s for {run.duration:.0f} s, "
        f"{run.processes} load process(es), {os.cpu_count()} cores (shared machine)",
        f"  suite: rules on (database.rules.json), triggers {'on' if run.triggers else 'off'}, "
        f"durability {'on (--data)' if run.durable else 'off'}",
        f"  sign-in ({run.signin}): {run.signin_s:.1f} s; streams open in {run.setup_s:.1f} s "
        f"({run.total('streams_open')} opened)",
        f"  sent {sent}, acknowledged {acked} = {held:.1f} msg/s held "
        f"({100 * held / run.rate if run.rate else 0:.1f}% of target); max backlog "
        f"{max((o.max_backlog for o in run.outcomes), default=0)} sends behind schedule",
        "  latency (ms)              count      p50      p90      p99      max",
    ]
    for label, name in (("send -> ack", "ack"), ("send -> delivery", "delivery"),
                        ("send -> notification", "notify")):
        s = summary([lat for _, lat in run.merged(name)])
        lines.append(f"  {label:<22} {s['count']:8d}  {ms(s['p50'])}  {ms(s['p90'])}  "
                     f"{ms(s['p99'])}  {ms(s['max'])}")
    if run.duration >= 120:  # a long run: is the latency held from the first minute to the last?
        lines.append("  per minute: send -> delivery p99 / send -> notification p99 / acked")
        for minute in range(int(run.duration // 60)):
            lo, hi = minute * 60.0, (minute + 1) * 60.0
            d = summary([lat for t, lat in run.merged("delivery") if lo <= t < hi])
            n = summary([lat for t, lat in run.merged("notify") if lo <= t < hi])
            acked_in = sum(1 for t, _ in run.merged("ack") if lo <= t < hi)
            lines.append(f"    minute {minute + 1:2d}: {ms(d['p99'])} / {ms(n['p99'])} / "
                         f"{acked_in / 60:.0f} msg/s")
    errors = run.errors
    lines.append(f"  errors: {sum(errors.values())}" + "".join(
        f"\n    {count:6d}  {kind}" for kind, count in errors.most_common()))
    lines.append(f"  stream reopenings: {run.total('stream_drops')}; events read: "
                 f"{run.total('events')}; notifications still pending after the drain: "
                 f"{run.total('unnotified')}")
    if run.triggers:
        lines.append("  acknowledged messages missing from their receiver's unreadIds at the end: "
                     f"{run.total('uncounted')}")
    lines += [
        f"  suite CPU (all emulators, 1 process): {_cpu(run.samples, 'suite_cpu')}; RSS "
        f"{_mem(run.samples, 'suite_rss_mb')}",
        f"  functions worker CPU: {_cpu(run.samples, 'functions_cpu')}; RSS "
        f"{_mem(run.samples, 'functions_rss_mb')}",
        f"  journal sync helper CPU: {_cpu(run.samples, 'sync_cpu')}",
        f"  journal compaction (a child while it folds the logs into the snapshot, at nice 19) "
        f"CPU: {_cpu(run.samples, 'compaction_cpu')}; RSS {_mem(run.samples, 'compaction_rss_mb')}",
        f"  load generator CPU: {_cpu(run.samples, 'load_cpu')}",
        f"  whole machine CPU (% of all cores, other users included): "
        f"{_cpu(run.samples, 'machine_cpu')}; load average at the end "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}",
    ]
    if run.profile:
        lines.append(run.profile)
    return "\n".join(lines)


def plot(run: Run, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (lat, rate, cpu) = plt.subplots(3, 1, figsize=(10, 10), sharex=True)
    for name, label in (("delivery", "send->delivery"), ("ack", "send->ack")):
        seconds, _, p50, p99 = per_second(run.merged(name), run.duration)
        lat.plot(seconds, [v * 1000 for v in p50], label=f"{label} p50")
        lat.plot(seconds, [v * 1000 for v in p99], label=f"{label} p99")
    lat.axhline(50, color="red", linestyle=":", label="target p99 50 ms")
    lat.set_ylabel("latency (ms)")
    lat.set_yscale("log")
    lat.legend(fontsize="small")
    lat.set_title(f"{run.users} users, target {run.rate:.0f} msg/s, "
                  f"triggers {'on' if run.triggers else 'off'}, "
                  f"--data {'on' if run.durable else 'off'}")
    for name, label in (("ack", "acknowledged"), ("delivery", "delivered")):
        seconds, counts, _, _ = per_second(run.merged(name), run.duration)
        rate.plot(seconds, counts, label=f"{label}/s (by send second)")
    rate.axhline(run.rate, color="red", linestyle=":", label="target")
    rate.set_ylabel("messages / s")
    rate.set_ylim(bottom=0)
    rate.legend(fontsize="small")
    samples = [s for s in run.samples if 0 <= s.t <= run.duration + 30]
    t = [s.t for s in samples]
    cpu.plot(t, [s.suite_cpu for s in samples], label="suite CPU %")
    cpu.plot(t, [s.functions_cpu for s in samples], label="functions worker CPU %")
    cpu.plot(t, [s.sync_cpu for s in samples], label="journal sync helper CPU %")
    cpu.plot(t, [s.load_cpu for s in samples], label="load generator CPU %")
    cores = os.cpu_count() or 1
    cpu.plot(t, [cores * s.machine_cpu for s in samples], color="black", linewidth=0.7,
             label="whole machine CPU % (of one core)")
    cpu.set_ylabel("CPU (% of one core)")
    cpu.set_xlabel("seconds since start")
    mem = cpu.twinx()
    mem.plot(t, [s.suite_rss_mb for s in samples], color="grey", linestyle="--",
             label="suite RSS MB")
    mem.set_ylabel("MB")
    cpu.legend(loc="upper left", fontsize="small")
    mem.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
