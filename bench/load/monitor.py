"""CPU and memory of the suite (and its functions worker) and of the load generator, sampled
with psutil in a thread while the run goes."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Sample:
    t: float               # seconds since the run's start (negative during setup)
    suite_cpu: float       # percent of one core, the suite's main process (all emulators)
    functions_cpu: float   # its children: the functions-framework worker
    sync_cpu: float        # its journal's fdatasync helper (persistence/syncer.py)
    compaction_cpu: float  # its journal's compaction child, while one runs (persistence.replay)
    load_cpu: float        # this process and the load workers
    suite_rss_mb: float
    functions_rss_mb: float
    compaction_rss_mb: float  # (it holds the whole data while it folds the logs)
    machine_cpu: float     # percent of all cores, every process on the (shared) machine


@dataclass
class Monitor:
    suite_pid: int
    load_pids: list[int]
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    start: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _procs: dict[int, psutil.Process] = field(default_factory=dict)

    def begin(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True, name="monitor")
        self._thread.start()

    def end(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)

    def _proc(self, pid: int) -> psutil.Process | None:
        """The process, or None when it is gone or new: a first cpu_percent() call only
        primes the counter (a second one right after it divides by ~0 and reports noise)."""
        proc = self._procs.get(pid)
        if proc is None:
            try:
                proc = self._procs[pid] = psutil.Process(pid)
                proc.cpu_percent(None)
            except psutil.Error:
                pass
            return None
        return proc

    def _cpu_rss(self, pids: list[int]) -> tuple[float, float]:
        cpu = rss = 0.0
        for pid in pids:
            proc = self._proc(pid)
            if proc is None:
                continue
            try:
                cpu += proc.cpu_percent(None)
                rss += proc.memory_info().rss / 2**20
            except psutil.Error:
                self._procs.pop(pid, None)
        return cpu, rss

    def _run(self) -> None:
        suite = psutil.Process(self.suite_pid)
        psutil.cpu_percent(None)
        while not self._stop.wait(self.interval):
            try:
                children = [c.pid for c in suite.children(recursive=True)]
            except psutil.Error:
                children = []
            syncers = [pid for pid in children if self._runs(pid, "syncer.py")]
            compactions = [pid for pid in children
                           if self._runs(pid, "messenger_emulators.persistence.replay")]
            suite_cpu, suite_rss = self._cpu_rss([self.suite_pid])
            fn_cpu, fn_rss = self._cpu_rss([pid for pid in children
                                            if pid not in syncers and pid not in compactions])
            sync_cpu, _ = self._cpu_rss(syncers)
            compaction_cpu, compaction_rss = self._cpu_rss(compactions)
            load_cpu, _ = self._cpu_rss(self.load_pids)
            self.samples.append(Sample(time.monotonic() - self.start, suite_cpu, fn_cpu,
                                       sync_cpu, compaction_cpu, load_cpu, suite_rss, fn_rss,
                                       compaction_rss, psutil.cpu_percent(None)))

    def _runs(self, pid: int, what: str) -> bool:
        """Whether the process's command line has an argument ending in `what` (a script or
        a module run with -m): the journal's helpers are the suite's children too, and their
        CPU and memory are not the functions worker's."""
        proc = self._procs.get(pid)
        try:
            cmdline = (proc or psutil.Process(pid)).cmdline()
        except psutil.Error:
            return False
        return any(part.endswith(what) for part in cmdline)
