"""The trigger queue's disk spill (functions_host/spill.py): first in, first out, nothing lost,
whether the events sit in the buffer, the file, or (the disk refusing) memory."""

from __future__ import annotations

import os
import tempfile

import pytest
from messenger_emulators.functions_host import spill as spill_module
from messenger_emulators.functions_host.spill import SpillFile
from messenger_emulators.functions_host.triggers import CloudEvent


def _event(i: int, body_size: int = 40) -> CloudEvent:
    body = (f'{{"n":{i},"pad":"' + "x" * body_size + '"}').encode()
    return CloudEvent(id=f"id-{i}", headers={"ce-id": f"id-{i}", "ce-subject": f"refs/a/{i}"},
                      body=body, ref=f"a/{i % 3}",
                      headers_json=None if i % 2 else f'{{"ce-id":"id-{i}"}}'.encode())


@pytest.fixture
def small_io(monkeypatch: pytest.MonkeyPatch) -> None:
    """Flush and read a few records at a time, so every boundary is crossed."""
    monkeypatch.setattr(spill_module, "FLUSH_AT", 300)
    monkeypatch.setattr(spill_module, "READ_CHUNK", 250)


def test_events_come_back_in_order_and_equal(small_io) -> None:
    spill = SpillFile("f")
    events = [_event(i) for i in range(200)]
    for event in events[:120]:
        spill.append(event)
    got = spill.take(50)
    for event in events[120:]:      # appended while some are still waiting
        spill.append(event)
    while spill.count:
        got += spill.take(7)
    assert got == events
    assert spill.take(5) == []
    spill.close()


def test_a_record_larger_than_a_read_chunk(small_io) -> None:
    spill = SpillFile("f")
    events = [_event(0), _event(1, body_size=5_000), _event(2)]
    for event in events:
        spill.append(event)
    assert spill.take(10) == events
    spill.close()


def test_the_file_starts_over_once_everything_is_back(small_io) -> None:
    spill = SpillFile("f")
    for i in range(50):
        spill.append(_event(i))
    assert spill._file is not None and os.fstat(spill._file.fileno()).st_size > 0
    assert len(spill.take(50)) == 50 and spill.count == 0
    assert os.fstat(spill._file.fileno()).st_size == 0
    for i in range(50, 60):
        spill.append(_event(i))
    assert [e.id for e in spill.take(100)] == [f"id-{i}" for i in range(50, 60)]
    spill.close()


def test_a_disk_that_refuses_keeps_the_events_in_memory(small_io, monkeypatch, caplog) -> None:
    def refuse(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    spill = SpillFile("f")
    events = [_event(i) for i in range(40)]
    for event in events:
        spill.append(event)
    assert spill.take(100) == events
    lines = [r.getMessage() for r in caplog.records]
    assert sum("could not write waiting events to disk" in line for line in lines) == 1


def test_a_disk_that_fails_midway_loses_nothing(small_io, monkeypatch) -> None:
    spill = SpillFile("f")
    events = [_event(i) for i in range(60)]
    for event in events[:30]:
        spill.append(event)
    real_pwrite = os.pwrite

    def full(fd, data, offset):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    for event in events[30:]:
        spill.append(event)
    monkeypatch.setattr(os, "pwrite", real_pwrite)
    assert spill.take(100) == events
    spill.close()
