"""The local message cache on a real SQLite file: ranges, edits, deletes, hiding, search,
permissions, a damaged file, two processes on one file."""

from __future__ import annotations

import multiprocessing
import os
import stat
import time
from pathlib import Path

from messenger_desktop.store.message_cache import MARK_END, MARK_START, MessageCache, fts_query
from messenger_model.push_ids import new_push_id

CHAT = "alice_bob"


def msgs(n: int, base: int = 1_700_000_000_000, text: str = "message {i}",
         sender: str = "alice") -> dict[str, dict]:
    return {new_push_id(base + i * 1000): {"sender": sender, "text": text.format(i=i),
                                           "ts": base + i * 1000} for i in range(n)}


def test_pages_ranges_and_complete_part(tmp_path: Path) -> None:
    cache = MessageCache(tmp_path / "c.sqlite3")
    history = msgs(120)
    ids = sorted(history)
    assert cache.newest(CHAT, 50) == {}  # nothing known yet
    newest = {i: history[i] for i in ids[-50:]}
    cache.replace_range(CHAT, ids[-50], None, newest)
    cache.flush()
    assert cache.complete_from(CHAT) == ids[-50]
    assert sorted(cache.newest(CHAT, 50)) == ids[-50:]
    assert cache.older(CHAT, ids[-50], 50) == {}  # nothing below the complete part
    # The page before: joins the complete part.
    cache.replace_range(CHAT, ids[-100], ids[-50], {i: history[i] for i in ids[-100:-49]})
    cache.flush()
    assert cache.complete_from(CHAT) == ids[-100]
    assert sorted(cache.older(CHAT, ids[-50], 10)) == ids[-60:-50]
    # A newest page that does not reach back to what the cache had: a gap; only it counts.
    later = msgs(60, base=1_800_000_000_000)
    lids = sorted(later)
    cache.replace_range(CHAT, lids[-50], None, {i: later[i] for i in lids[-50:]})
    cache.flush()
    assert cache.complete_from(CHAT) == lids[-50]
    assert sorted(cache.newest(CHAT, 100)) == lids[-50:]
    assert cache.count(CHAT) == 100 + 50  # the older part is still there (searchable)
    assert cache.search("message 70", CHAT)  # "message" and "70*"
    cache.close()


def test_a_range_answer_deletes_what_it_lacks(tmp_path: Path) -> None:
    cache = MessageCache(tmp_path / "c.sqlite3")
    history = msgs(10)
    ids = sorted(history)
    cache.replace_range(CHAT, "", None, history)
    cache.flush()
    assert cache.count(CHAT) == 10
    # Deleted meanwhile: ids[3] (inside the range read again) and ids[0] (outside it).
    fresh = {i: history[i] for i in ids[2:] if i != ids[3]}
    cache.replace_range(CHAT, ids[2], None, fresh)
    cache.flush()
    assert cache.get(CHAT, ids[3]) is None
    assert cache.get(CHAT, ids[0]) is not None  # not part of that answer: kept
    assert cache.complete_from(CHAT) == ""
    cache.close()


def test_edits_deletes_and_delete_for_me_reach_search(tmp_path: Path) -> None:
    cache = MessageCache(tmp_path / "c.sqlite3")
    history = msgs(3, text="lunch at noon {i}")
    a, b, c = sorted(history)
    cache.replace_range(CHAT, "", None, history)
    cache.flush()
    assert {h.id for h in cache.search("lunch")} == {a, b, c}
    # An edit arrives as a change below the message (text + editedAt).
    cache.update(CHAT, a, ["text"], "dinner at eight")
    cache.update(CHAT, a, ["editedAt"], 1_900_000_000_000)
    cache.put(CHAT, b, None)  # deleted for everyone
    cache.hide(CHAT, [c])  # deleted for me
    cache.put(CHAT, c, history[c])  # the stream sends it again: still hidden
    cache.flush()
    assert cache.search("lunch") == []
    hits = cache.search("dinner")
    assert [h.id for h in hits] == [a]
    assert cache.get(CHAT, a)["editedAt"] == 1_900_000_000_000
    assert cache.get(CHAT, a)["sender"] == "alice"  # the rest of the message kept
    assert f"{MARK_START}dinner{MARK_END}" in hits[0].snippet
    cache.hide(CHAT, [c], hidden=False)
    cache.put(CHAT, c, history[c])
    cache.flush()
    assert [h.id for h in cache.search("lunch")] == [c]
    cache.close()


def test_search_words_prefixes_cyrillic_and_order(tmp_path: Path) -> None:
    cache = MessageCache(tmp_path / "c.sqlite3")
    base = 1_700_000_000_000
    texts = ["Встреча в пятницу", "встречаемся ЗАВТРА", "Café au lait", "the meeting",
             'quotes " and * AND OR NEAR( syntax', "ёлка"]
    values = {new_push_id(base + i): {"sender": "bob", "text": t, "ts": base + i}
              for i, t in enumerate(texts)}
    cache.replace_range("other_chat", "", None, values)
    cache.flush()

    def found(q: str) -> list[str]:
        return [values[h.id]["text"] for h in cache.search(q)]

    assert found("встреч") == ["встречаемся ЗАВТРА", "Встреча в пятницу"]  # newest first
    assert found("завтра") == ["встречаемся ЗАВТРА"]  # any case
    assert found("cafe") == ["Café au lait"]  # diacritics folded
    assert found("елка") == ["ёлка"]
    assert found("meet") == ["the meeting"]
    assert found("eeting") == []  # words are found by their start, not their middle
    assert found('" AND * NEAR(') == ['quotes " and * AND OR NEAR( syntax']  # no syntax
    assert found("") == [] and found("   ") == [] and found("!!!") == []
    assert fts_query('a"b') == '"a"* "b"*'
    assert cache.search("встреча", chat_id="nope") == []
    cache.close()


def test_file_is_private_and_wal(tmp_path: Path) -> None:
    file = tmp_path / "cache-u.sqlite3"
    cache = MessageCache(file)
    cache.replace_range(CHAT, "", None, msgs(5))
    cache.flush()
    for part in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
        assert part.exists(), part
        assert stat.S_IMODE(part.stat().st_mode) == 0o600, part
    import sqlite3

    assert sqlite3.connect(file).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    cache.close()


def test_a_damaged_file_is_moved_aside_never_a_crash(tmp_path: Path) -> None:
    file = tmp_path / "cache-u.sqlite3"
    cache = MessageCache(file)
    cache.replace_range(CHAT, "", None, msgs(2000, text="filler text number {i} " * 5))
    cache.flush()
    cache.close()
    # Scribble over the middle of the file (pages of the table and the index).
    size = file.stat().st_size
    with open(file, "r+b") as f:
        f.seek(size // 3)
        f.write(os.urandom(size // 3))
    cache = MessageCache(file)
    cache.flush()
    # Either the check at open or the first read finds it; the app just sees an empty cache.
    cache.search("filler")
    cache.newest(CHAT, 50)
    deadline = time.monotonic() + 5
    while cache.resets == 0 and time.monotonic() < deadline:
        cache.search("filler")
        time.sleep(0.05)
    assert cache.resets >= 1
    assert list(tmp_path.glob("cache-u.sqlite3.corrupt-*"))
    cache.replace_range(CHAT, "", None, msgs(3, text="fresh {i}"))
    cache.flush()
    assert len(cache.search("fresh")) == 3
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    cache.close()
    # Not a database at all (garbage from the start): the same.
    file.write_bytes(b"this is not sqlite" * 100)
    cache = MessageCache(file)
    cache.replace_range(CHAT, "", None, msgs(3, text="again {i}"))
    cache.flush()
    assert len(cache.search("again")) == 3
    cache.close()


def _writer(file: str, base: int, n: int) -> None:
    cache = MessageCache(Path(file))
    for i in range(n):
        cache.put(CHAT, new_push_id(base + i), {"sender": "x", "text": f"proc {base} {i}",
                                                "ts": base + i})
        if i % 10 == 0:
            cache.flush()
    cache.flush()
    cache.close()


def test_two_processes_on_one_file(tmp_path: Path) -> None:
    file = tmp_path / "cache-u.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(file), base, 300))
             for base in (1_700_000_000_000, 1_800_000_000_000)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    cache = MessageCache(file)
    assert cache.count(CHAT) == 600
    assert cache.resets == 0
    assert len(cache.search("proc", limit=1000)) == 600
    cache.close()


def test_close_closes_every_threads_connection(tmp_path: Path) -> None:
    import asyncio

    cache = MessageCache(tmp_path / "c.sqlite3")
    cache.replace_range(CHAT, "", None, msgs(3))
    cache.flush()
    assert cache.newest(CHAT, 10)  # this thread's connection
    assert asyncio.run(cache.search_async("message"))  # the search thread's
    cache.close()
    assert cache._all == []  # noqa: SLF001 - the point of the test
    assert cache.newest(CHAT, 10) == {} and cache.search("message") == []  # no crash
    cache.put(CHAT, "x", {"text": "late"})  # after close: ignored, no crash


def test_a_cache_of_an_older_layout_starts_again(tmp_path: Path) -> None:
    import sqlite3

    file = tmp_path / "c.sqlite3"
    old = sqlite3.connect(file)
    old.executescript("CREATE TABLE messages(rid INTEGER PRIMARY KEY, chat, id, text);"
                      "CREATE VIRTUAL TABLE messages_fts USING fts5(text);"
                      "INSERT INTO messages VALUES (1, 'c', 'x', 'stale');"
                      "PRAGMA user_version=1;")
    old.close()
    cache = MessageCache(file)
    cache.replace_range(CHAT, "", None, msgs(2, text="fresh {i}"))
    cache.flush()
    assert cache.count() == 2 and len(cache.search("fresh")) == 2
    assert cache.resets == 0
    cache.close()


def test_set_hidden_replaces_the_chats_set(tmp_path: Path) -> None:
    cache = MessageCache(tmp_path / "c.sqlite3")
    history = msgs(3, text="hidden test {i}")
    a, b, c = sorted(history)
    cache.replace_range(CHAT, "", None, history)
    cache.set_hidden(CHAT, [a, b])
    cache.flush()
    assert [h.id for h in cache.search("hidden")] == [c]
    cache.set_hidden(CHAT, [b])  # a taken back (on another device): it may come again
    cache.replace_range(CHAT, "", None, history)
    cache.flush()
    assert sorted(h.id for h in cache.search("hidden")) == [a, c]
    cache.close()
