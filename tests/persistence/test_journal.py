import asyncio
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from messenger_emulators.persistence import Journal, records
from messenger_emulators.persistence.errors import (
    DataDirLocked,
    JournalCorrupt,
    JournalFailed,
    PersistenceError,
)
from messenger_emulators.persistence.replay import list_logs
from messenger_emulators.persistence.snapshot import SNAPSHOT_NAME


def run(coro):
    return asyncio.run(coro)


def reopen(path, **kwargs):
    """Load the folder in a fresh Journal and close it again; returns the roots."""
    journal = Journal(path, **kwargs)
    roots = journal.load()

    async def close():
        await journal.close()

    run(close())
    return roots


async def _write_messages(journal, writers, per_writer):
    async def writer(i):
        for k in range(per_writer):
            await journal.append("ns", [(("m", f"w{i}", f"k{k}"), {"n": k})])

    await asyncio.gather(*(writer(i) for i in range(writers)))


def test_replay_after_close(tmp_path):
    async def main():
        journal = Journal(tmp_path)
        assert journal.load() == {}
        await journal.append("ns", [(("a",), 1), (("b", "c"), "x")])
        await journal.append("ns", [(("a",), None)])
        await journal.append("other", [((), {"z": True})])
        await journal.close()

    run(main())
    assert reopen(tmp_path) == {"ns": {"b": {"c": "x"}}, "other": {"z": True}}


def test_concurrent_appends_share_fsyncs_and_all_land(tmp_path):
    journal = Journal(tmp_path)
    journal.load()

    async def main():
        await _write_messages(journal, writers=40, per_writer=25)
        await journal.close()

    run(main())
    assert journal.stats["appends"] == 1000
    # every batch synced by the helper process, none on the event loop or a thread
    assert journal.stats["syncer_fsyncs"] == journal.stats["fsyncs"] > 0
    assert journal.stats["fsyncs"] < 1000 / 4  # group commit: many appends per fsync
    roots = reopen(tmp_path)
    assert sum(len(v) for v in roots["ns"]["m"].values()) == 1000


def test_a_killed_sync_helper_loses_nothing(tmp_path):
    # The helper dies mid-run (kill -9): the batch it was syncing is synced on the journal's
    # I/O thread instead, and so is every later one; no append fails, every one lands.
    import signal

    journal = Journal(tmp_path)
    journal.load()
    helper = journal._syncer._process

    async def main():
        async def killer():
            while journal.stats["appends"] < 200:
                await asyncio.sleep(0.001)
            os.kill(helper.pid, signal.SIGKILL)

        await asyncio.gather(_write_messages(journal, writers=20, per_writer=50), killer())
        await journal.close()

    run(main())
    assert journal.stats["appends"] == 1000
    assert 0 < journal.stats["syncer_fsyncs"] < journal.stats["fsyncs"]
    assert helper.wait(5) == -signal.SIGKILL
    roots = reopen(tmp_path)
    assert sum(len(v) for v in roots["ns"]["m"].values()) == 1000


CRASH_SCRIPT = textwrap.dedent(
    """
    import asyncio, os, sys
    from messenger_emulators.persistence import Journal, records

    async def main():
        journal = Journal(sys.argv[1])
        journal.load()
        for k in range(int(sys.argv[2])):
            await journal.append("ns", [(("k", str(k)), k)])
        os._exit(0)  # no close(): no compaction, no final fsync, as kill -9 would leave it

    asyncio.run(main())
    """
)


def _crash_after(path, count):
    subprocess.run([sys.executable, "-c", CRASH_SCRIPT, str(path), str(count)], check=True)


def _tear_last_record(log_path, keep=-3):
    """Cut the log inside its last record (the rest of the preallocated file stays zeros), as
    a crash in the middle of writing that record leaves it."""
    data = log_path.read_bytes()
    end = records.scan(data).good_bytes
    log_path.write_bytes(data[: end + keep] + bytes(len(data) - end - keep))


def test_crash_without_close_keeps_every_acknowledged_append(tmp_path):
    _crash_after(tmp_path, 50)
    assert not (tmp_path / SNAPSHOT_NAME).exists()
    assert reopen(tmp_path) == {"ns": {"k": {str(k): k for k in range(50)}}}


def test_the_sync_helper_goes_when_the_suite_dies(tmp_path):
    # kill -9 of the suite closes its end of the socket: the helper exits on its own
    script = CRASH_SCRIPT.replace("os._exit(0)",
                                  "print(journal._syncer._process.pid, flush=True); os._exit(0)")
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path), "5"], check=True,
                         capture_output=True, text=True).stdout
    pid = int(out.split()[-1])
    for _ in range(200):
        if not os.path.exists(f"/proc/{pid}") or \
                Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z"):
            break
        time.sleep(0.01)
    else:
        raise AssertionError(f"sync helper {pid} still running after its parent died")


def test_torn_tail_is_dropped_and_the_journal_keeps_working(tmp_path):
    _crash_after(tmp_path, 10)
    (_, last), = list_logs(tmp_path)
    _tear_last_record(last)  # the last record was half written when the power went
    journal = Journal(tmp_path)
    roots = journal.load()
    assert roots == {"ns": {"k": {str(k): k for k in range(9)}}}
    assert journal.stats["torn_bytes_dropped"] > 0

    async def more():
        await journal.append("ns", [(("k", "new"), 1)])
        await journal.close()

    run(more())
    assert reopen(tmp_path)["ns"]["k"]["new"] == 1


def test_garbage_after_the_last_record_is_dropped(tmp_path):
    _crash_after(tmp_path, 3)
    (_, last), = list_logs(tmp_path)
    with open(last, "ab") as handle:
        handle.write(b"\x00" * 4096)  # a preallocated block the crash left zeroed
    assert reopen(tmp_path) == {"ns": {"k": {"0": 0, "1": 1, "2": 2}}}


def test_damage_in_an_older_log_is_refused_not_skipped(tmp_path):
    _crash_after(tmp_path, 3)
    _crash_after(tmp_path, 3)  # a second run: a second log
    logs = list_logs(tmp_path)
    assert len(logs) == 2
    _tear_last_record(logs[0][1])
    with pytest.raises(JournalCorrupt, match="damaged"):
        Journal(tmp_path).load()
    with pytest.raises(JournalCorrupt):  # not DataDirLocked: the failed load let go
        Journal(tmp_path).load()


def test_compaction_writes_snapshot_and_drops_old_logs(tmp_path):
    journal = Journal(tmp_path, compact_bytes=4096)
    journal.load()

    async def main():
        await _write_messages(journal, writers=10, per_writer=60)
        if journal._compaction is not None:  # let the running compaction finish
            await journal._compaction
        compacted = journal.stats["compactions"]
        logs_before_close = len(list_logs(tmp_path))
        await journal.close()
        return compacted, logs_before_close

    compacted, logs_before_close = run(main())
    assert compacted >= 1
    assert logs_before_close <= 3  # older logs were folded into the snapshot and removed
    assert list_logs(tmp_path) == []  # close() folds everything
    roots = reopen(tmp_path)
    assert sum(len(v) for v in roots["ns"]["m"].values()) == 600


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads process priorities from /proc")
def test_compaction_runs_below_everything_that_serves(tmp_path):
    # the child folding the logs must not take a core from the database and the functions
    # worker (nice +10) for seconds: it runs at COMPACTION_NICE
    from messenger_emulators.persistence.journal import COMPACTION_NICE

    journal = Journal(tmp_path, compact_bytes=4096)
    journal.load()
    seen: dict[int, int] = {}  # each child's nice, as last read

    async def watch() -> None:
        while True:  # the child's nice, read from outside as `ps` would
            for pid in _compaction_children(os.getpid()):
                try:
                    seen[pid] = os.getpriority(os.PRIO_PROCESS, pid)
                except OSError:
                    pass
            await asyncio.sleep(0.001)

    async def main():
        # Watched from the first write, through every compaction they start (not only the
        # last one: that child can be gone already, a zombie with no command line; a CI
        # run once saw none that way). More rounds only if none was caught.
        watcher = asyncio.ensure_future(watch())
        rounds = 0
        while not seen and rounds < 20:
            await _write_messages(journal, writers=10, per_writer=60)
            while journal._compaction is not None:
                await asyncio.sleep(0.001)
            rounds += 1
        assert journal.stats["compactions"] >= 1, "no compaction ran"
        watcher.cancel()
        await journal.close()

    run(main())
    assert seen, "the compaction child was never seen"
    # The parent lowers a child right after starting it, so a watcher in the same loop may
    # catch one at the suite's own nice first; from then on, and to its end, it is below.
    assert set(seen.values()) == {COMPACTION_NICE}, seen


def _compaction_children(parent: int) -> list[int]:
    """Ids of `parent`'s compaction children (Linux /proc; elsewhere none). Not the journal's
    sync helper, its other child, which serves and keeps the suite's priority."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/stat") if Path("/proc").is_dir() else []:
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
            command = (entry.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == parent and b"persistence.replay" in command:
            found.append(int(entry.parent.name))
    return found


def test_crash_between_snapshot_and_log_removal(tmp_path):
    _crash_after(tmp_path, 5)
    logs_before = list_logs(tmp_path)
    journal = Journal(tmp_path)
    roots = journal.load()
    # The snapshot lands (next_log past every log) but the process dies before deleting logs.
    from messenger_emulators.persistence.snapshot import write_snapshot

    roots["ns"]["k"]["0"] = "only in the snapshot"  # proves the folded logs are not replayed
    write_snapshot(tmp_path, roots, journal._gen + 1)
    journal._release()
    assert all(path.exists() for _, path in logs_before)
    (tmp_path / (SNAPSHOT_NAME + ".tmp")).write_bytes(b"{half a snap")  # a leftover tmp
    expected = {str(k): k for k in range(5)} | {"0": "only in the snapshot"}
    assert reopen(tmp_path) == {"ns": {"k": expected}}


def test_a_second_user_of_the_folder_is_refused(tmp_path):
    first = Journal(tmp_path)
    first.load()
    with pytest.raises(DataDirLocked, match=f"process {os.getpid()}"):
        Journal(tmp_path).load()
    asyncio.run(first.close())
    again = Journal(tmp_path)
    again.load()
    asyncio.run(again.close())


def test_a_failed_write_fails_that_append_and_every_later_one(tmp_path):
    journal = Journal(tmp_path)
    journal.load()
    os.close(journal._fd)  # the disk goes away under the journal

    async def main():
        with pytest.raises(JournalFailed, match="Could not write"):
            await journal.append("ns", [(("a",), 1)])
        with pytest.raises(JournalFailed):
            await journal.append("ns", [(("b",), 1)])

    try:
        run(main())
    finally:
        journal._fd = None
        journal._release()


def test_damaged_snapshot_is_refused(tmp_path):
    (tmp_path / SNAPSHOT_NAME).write_text("{not json")
    with pytest.raises(JournalCorrupt, match="snapshot"):
        Journal(tmp_path).load()


def test_a_data_folder_that_cannot_be_used_is_one_sentence(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(PersistenceError, match="Could not use the data folder .*file"):
        Journal(tmp_path / "file").load()


def test_export_snapshots_the_given_roots(tmp_path):
    async def main():
        journal = Journal(tmp_path)
        journal.load()
        await journal.append("ns", [(("a",), 1)])
        journal.export({"ns": {"a": 1}})
        await journal.append("ns", [(("b",), 2)])
        journal._release()  # crash: the snapshot plus the newer log must replay

    run(main())
    assert (tmp_path / SNAPSHOT_NAME).is_file()
    assert reopen(tmp_path) == {"ns": {"a": 1, "b": 2}}


def test_load_waits_for_an_orphaned_compaction(tmp_path):
    import threading

    from messenger_emulators.persistence.replay import fold_lock

    _crash_after(tmp_path, 3)
    holding, release = threading.Event(), threading.Event()

    def orphan():
        with fold_lock(tmp_path):
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=orphan)
    thread.start()
    holding.wait(10)
    loaded = []
    loader = threading.Thread(target=lambda: loaded.append(reopen(tmp_path)))
    loader.start()
    loader.join(0.3)
    assert loader.is_alive() and not loaded  # still waiting for the fold to finish
    release.set()
    loader.join(10)
    thread.join(10)
    assert loaded == [{"ns": {"k": {"0": 0, "1": 1, "2": 2}}}]


def test_the_log_grows_ahead_of_the_batches(tmp_path):
    # Past PREALLOCATE - GROW_AHEAD bytes the log grows by another PREALLOCATE in the
    # background, before any batch needs the room: a batch that had to grow the log itself
    # waited for 2 MB of zeros to reach the disk, and every write behind it too.
    from messenger_emulators.persistence.journal import GROW_AHEAD_BYTES, PREALLOCATE_BYTES

    journal = Journal(tmp_path, compact_bytes=1 << 40)
    journal.load()
    text = "x" * 4000
    count = (PREALLOCATE_BYTES - GROW_AHEAD_BYTES) // 4000 + 20  # past the mark, below 2 MB

    async def main():
        for k in range(count):
            await journal.append("ns", [(("m", f"k{k:05d}"), text)])
        for _ in range(500):  # the growth runs on the journal's I/O thread
            if os.path.getsize(log) >= 2 * PREALLOCATE_BYTES:
                break
            await asyncio.sleep(0.01)
        size = os.path.getsize(log)
        await journal.close()
        return size

    log = list_logs(tmp_path)[-1][1]
    size = run(main())
    assert size >= 2 * PREALLOCATE_BYTES  # grew ahead: only ~1.1 MB of records so far
    roots = reopen(tmp_path)
    assert len(roots["ns"]["m"]) == count and roots["ns"]["m"]["k00000"] == text
