import pytest
from messenger_emulators.persistence import records


def _log(*entries):
    return records.MAGIC + b"".join(records.encode(ns, w) for ns, w in entries)


def test_round_trip_keeps_order_and_unicode():
    data = _log(("ns", [(("a",), {"t": "привет"})]), ("other", [((), None), (("b", "c"), 1.5)]))
    result = records.scan(data)
    assert not result.torn and result.good_bytes == len(data)
    assert result.records == [
        ("ns", [(("a",), {"t": "привет"})]),
        ("other", [((), None), (("b", "c"), 1.5)]),
    ]


def test_every_cut_of_the_last_record_is_a_torn_tail():
    first = _log(("ns", [(("a",), 1)]))
    full = first + records.encode("ns", [(("b",), "x" * 50)])
    for cut in range(len(first) + 1, len(full)):
        result = records.scan(full[:cut])
        assert result.torn, cut
        assert result.good_bytes == len(first)
        assert [r[1] for r in result.records] == [[(("a",), 1)]]


@pytest.mark.parametrize("offset", [0, 4, 9, -1])
def test_a_flipped_byte_is_detected(offset):
    data = bytearray(_log(("ns", [(("a",), 1)]), ("ns", [(("b",), 2)])))
    position = len(data) + offset if offset < 0 else len(records.MAGIC) + 12 + offset
    data[position] ^= 0x40
    result = records.scan(bytes(data))
    assert result.torn
    assert len(result.records) < 2


def test_a_file_without_header_is_torn_empty():
    assert records.scan(b"").records == [] and not records.scan(b"").torn
    assert records.scan(b"MSGJ").torn


def test_a_record_too_large_to_read_back_is_refused(monkeypatch):
    from messenger_emulators.persistence.errors import PersistenceError

    monkeypatch.setattr(records, "MAX_RECORD", 100)
    with pytest.raises(PersistenceError, match="larger than the journal's limit"):
        records.encode("ns", [(("a",), "x" * 200)])


def test_zeros_after_the_last_record_are_the_clean_end_of_a_preallocated_log():
    data = _log(("ns", [(("a",), 1)]))
    result = records.scan(data + bytes(4096))
    assert not result.torn and result.good_bytes == len(data) and len(result.records) == 1
    # but zeros followed by anything else are damage, not free space
    assert records.scan(data + bytes(64) + b"x").torn
    assert records.scan(bytes(4096)).torn is False  # created, never written
