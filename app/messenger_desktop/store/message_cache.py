"""The local message cache: what this device has received, in SQLite with full-text search.

The Realtime Database has no full-text search, so the app keeps every message it receives
(history pages, the open chat's stream) in `cache-<uid>.sqlite3` in the profile folder
(mode 0600, like the outbox and drafts), indexed by FTS5. It paints a chat before the network
answers (also offline) and answers searches in milliseconds.

Correctness rules (the session applies them, this module stores them):
- A server answer for a key range of a chat (a page, a range read, a stream's first snapshot
  from `startAt`) is the truth for that range: cached messages in it that the answer lacks
  were deleted and go (`replace_range`).
- Single stream events (a new message, a deletion, an edit below `{id}/...`) are applied as
  they come (`put`, `update`).
- `complete_from` (per chat): from this id up to the newest one the cache has every message
  (as of the last time it was in sync). Older cached messages may have gaps (a range read
  long ago); they are still found by search but never shown as if contiguous.
- "Delete for me" ids (`hide`) are kept apart and never returned.

Writes never run on the GUI thread: they are queued and one writer thread commits each burst
in one transaction. Reads for painting (a page: an indexed range read of at most a few
hundred rows) run on the calling thread with their own connection; search runs on its own
thread. The file is in WAL mode (a crash loses at most the last uncommitted burst, never the
file) with a busy timeout, so two processes on one file wait for each other instead of
failing. A file SQLite reports as damaged (at open, in `quick_check`, or in any statement) is
moved aside (`.corrupt-<time>`) and the cache starts empty: it is only a cache.

Message ids are push ids: their order is creation order, so key ranges are id ranges. The
table's rowid is derived from the server time (ts * 4096 + a hash of the id), so the
full-text index can hand back the newest matches first without sorting them all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2
BUSY_TIMEOUT_MS = 5000
MAX_BATCH = 2000  # operations per transaction
HANDOFF_S = 0.05  # writes are handed to the writer thread this long after the first one
_TOKEN = re.compile(r"\w+", re.UNICODE)
MARK_START, MARK_END = "\x02", "\x03"  # around matched words in snippets

# unicode61 folds case and Latin diacritics but keeps Russian "ё" apart from "е", which
# people type for it: the index gets "е" (one character for one, so snippets still line up).
_FOLD = "replace(replace({0}, 'ё', 'е'), 'Ё', 'Е')"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages(
    rid INTEGER PRIMARY KEY,            -- ts * 4096 + hash(id): newest first without a sort
    chat TEXT NOT NULL,
    id TEXT NOT NULL,
    sender TEXT NOT NULL,
    text TEXT NOT NULL,
    ts REAL NOT NULL,
    value TEXT NOT NULL,                -- the message as the server has it (JSON)
    UNIQUE(chat, id)
);
-- `chat` is indexed too, so a search in one chat intersects two posting lists instead of
-- filtering every match in all chats; prefixes of 2-4 characters have their own index
-- (a prefix query would otherwise merge the lists of every word it starts).
CREATE VIRTUAL TABLE IF NOT EXISTS messages_fts USING fts5(
    text, chat, content='messages', content_rowid='rid',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3 4'
);
CREATE TRIGGER IF NOT EXISTS messages_ai AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts(rowid, text, chat) VALUES (new.rid, {new}, new.chat);
END;
CREATE TRIGGER IF NOT EXISTS messages_ad AFTER DELETE ON messages BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text, chat)
        VALUES ('delete', old.rid, {old}, old.chat);
END;
CREATE TRIGGER IF NOT EXISTS messages_au AFTER UPDATE OF text ON messages
WHEN old.text IS NOT new.text BEGIN
    INSERT INTO messages_fts(messages_fts, rowid, text, chat)
        VALUES ('delete', old.rid, {old}, old.chat);
    INSERT INTO messages_fts(rowid, text, chat) VALUES (new.rid, {new}, new.chat);
END;
CREATE TABLE IF NOT EXISTS chats(chat TEXT PRIMARY KEY, complete_from TEXT);
CREATE TABLE IF NOT EXISTS hidden(chat TEXT NOT NULL, id TEXT NOT NULL,
                                  PRIMARY KEY(chat, id)) WITHOUT ROWID;
""".replace("{new}", _FOLD.format("new.text")).replace("{old}", _FOLD.format("old.text"))


@dataclass(frozen=True)
class Hit:
    """One search result: where, what (the snippet marks matches with MARK_START/END)."""

    chat_id: str
    id: str
    sender: str
    ts: float
    snippet: str


def fts_query(text: str) -> str:
    """The user's words as an FTS5 query: every word, as a word prefix ("" when none).
    Only word characters reach FTS5, so nothing typed can be read as query syntax."""
    words = _TOKEN.findall(text.replace("ё", "е").replace("Ё", "Е"))
    return " ".join(f'"{w}"*' for w in words)


def _match(text: str, chat_id: str | None) -> str:
    """The MATCH expression: the words in the text column, and the chat (its id's words
    as a phrase in the chat column) when searching one chat."""
    query = fts_query(text)
    if not query:
        return ""
    if chat_id is None:
        return f"text : ({query})"
    chat_words = " ".join(_TOKEN.findall(chat_id))
    return f'text : ({query}) AND chat : "{chat_words}"'


def _rid(ts: float, message_id: str) -> int:
    return int(ts) * 4096 + (zlib.crc32(message_id.encode()) & 0xFFF)


def _fields(value: Any) -> tuple[str, str, float]:
    sender = value.get("sender", "")
    text = value.get("text", "")
    ts = value.get("ts", 0)
    if not isinstance(ts, int | float) or isinstance(ts, bool):
        ts = 0
    return (sender if isinstance(sender, str) else "", text if isinstance(text, str) else "",
            float(ts))


def _set_deep(value: Any, path: list[str], new: Any) -> Any:
    """`value` with `new` at `path` (None removes it), as a database write does."""
    if not path:
        return new
    node = dict(value) if isinstance(value, dict) else {}
    child = _set_deep(node.get(path[0]), path[1:], new)
    if child is None or child == {}:
        node.pop(path[0], None)
    else:
        node[path[0]] = child
    return node


class MessageCache:
    """One account's cache file. `file=None` keeps it in memory (tests, no data folder)."""

    def __init__(self, file: Path | None) -> None:
        self.file = file
        self._lock = threading.Lock()  # resets (moving a damaged file aside)
        self._generation = 0
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []  # every thread's, closed by close()
        self._queue: queue.Queue = queue.Queue()
        self._pending: list[tuple] = []  # writes not handed to the writer yet
        self._pending_lock = threading.Lock()
        self._handoff_due = False
        self._closed = False
        self.resets = 0  # how many times a damaged file was moved aside (tests, logs)
        if file is not None:
            self._create_private(file)
        self._uri = None if file is not None else f"file:cache-{id(self)}?mode=memory&cache=shared"
        self._keep: sqlite3.Connection | None = None
        if self._uri is not None:  # a shared in-memory database lives while one is open
            self._keep = sqlite3.connect(self._uri, uri=True, check_same_thread=False)
        self._writer = threading.Thread(target=self._write_loop, name="message-cache",
                                        daemon=True)
        self._search_thread_lock = threading.Lock()
        self._writer.start()
        self._queue.put(("check",))

    # connections --------------------------------------------------------------------------
    @staticmethod
    def _create_private(file: Path) -> None:
        file.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
        # database file's permissions.
        fd = os.open(file, os.O_RDWR | os.O_CREAT, 0o600)
        os.close(fd)
        os.chmod(file, 0o600)

    def _connect(self) -> sqlite3.Connection:
        if self._uri is not None:
            conn = sqlite3.connect(self._uri, uri=True, check_same_thread=False,
                                   isolation_level=None)
        else:
            assert self.file is not None
            conn = sqlite3.connect(str(self.file), check_same_thread=False,
                                   isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if self._uri is None:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable at checkpoints, never torn
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            if version:  # another layout: it is a cache, start again
                for table in ("messages_fts", "messages", "chats", "hidden"):
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
            # Idempotent (IF NOT EXISTS): two processes creating it at once both succeed.
            conn.executescript(_SCHEMA)
            conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection (a fresh one after a reset)."""
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and getattr(local, "generation", -1) == self._generation:
            return conn
        if conn is not None:
            conn.close()
        local.conn = None
        local.generation = self._generation
        if self._closed:
            raise sqlite3.ProgrammingError("the message cache is closed")
        local.conn = self._connect()
        with self._lock:
            self._all.append(local.conn)
        return local.conn

    def _guard(self, fn: Callable[[sqlite3.Connection], Any], default: Any) -> Any:
        """Run `fn` with this thread's connection; a damaged file is moved aside and the
        cache starts empty (then `default`); any other failure is logged, never raised."""
        if self._closed and threading.current_thread() is not self._writer:
            return default  # signed out: nothing to read any more
        try:
            return fn(self._conn())
        except sqlite3.DatabaseError as exc:
            if _damaged(exc):
                self._reset(exc)
            else:
                log.warning("message cache: %s", exc)
            return default

    def _reset(self, why: Exception) -> None:
        with self._lock:
            generation = self._generation
            conn = getattr(self._local, "conn", None)
            if conn is not None:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
                self._local.conn = None
            if getattr(self._local, "generation", -1) != generation:
                return  # someone else reset it already
            self._generation += 1
            self.resets += 1
            if self.file is None:
                return
            stamp = time.strftime("%Y%m%d-%H%M%S")
            log.warning("message cache %s is damaged (%s): moved aside, starting empty",
                        self.file, why)
            for suffix in ("", "-wal", "-shm"):
                part = Path(str(self.file) + suffix)
                try:
                    os.replace(part, Path(f"{self.file}.corrupt-{stamp}{suffix}"))
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    log.warning("message cache: cannot move %s aside: %s", part, exc)
                    try:
                        part.unlink()
                    except OSError:
                        pass
            self._create_private(self.file)

    # writes (queued; the writer thread commits each burst in one transaction) ------------------
    def put(self, chat_id: str, message_id: str, value: Any) -> None:
        """A message as the server has it now; None: it was deleted."""
        self._enqueue(("put", chat_id, message_id, value))

    def update(self, chat_id: str, message_id: str, path: list[str], value: Any) -> None:
        """A change below a message (an edit's `text`/`editedAt`, a reaction)."""
        self._enqueue(("update", chat_id, message_id, list(path), value))

    def replace_range(self, chat_id: str, lo: str, hi: str | None,
                      values: dict[str, Any]) -> None:
        """The server's whole answer for ids in [lo, hi] (hi None: up to the newest, "" lo:
        from the first): store it and delete what it lacks."""
        self._enqueue(("range", chat_id, lo, hi, dict(values)))

    def hide(self, chat_id: str, message_ids: Iterable[str], hidden: bool = True) -> None:
        """Delete for me: never return these messages (False: show them again)."""
        self._enqueue(("hide", chat_id, list(message_ids), hidden))

    def set_hidden(self, chat_id: str, message_ids: Iterable[str]) -> None:
        """The chat's whole set of ids deleted for me (as the server has it now): these
        go; ids no longer in it may be stored again."""
        self._enqueue(("set_hidden", chat_id, list(message_ids)))

    def forget(self, chat_id: str) -> None:
        """Drop a whole chat (a group I was removed from, or left)."""
        self._enqueue(("forget", chat_id))

    def _enqueue(self, op: tuple) -> None:
        """Collect writes and hand them to the writer thread a moment later, in one go: the
        calling (GUI) thread only appends to a list, and the writer wakes a few times a
        second, not on every stream event (waking it at once had it run, and hold the GIL,
        exactly while the GUI thread put the new row on screen)."""
        with self._pending_lock:
            self._pending.append(op)
            if self._handoff_due:
                return
            self._handoff_due = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop on this thread: at once
            self._handoff()
            return
        loop.call_later(HANDOFF_S, self._handoff)

    def _handoff(self) -> None:
        with self._pending_lock:
            ops, self._pending = self._pending, []
            self._handoff_due = False
        if ops:
            self._queue.put(("batch", ops))

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until everything written so far is committed (tests, quitting)."""
        self._handoff()
        done: Future = Future()
        self._queue.put(("sync", done))
        try:
            done.result(timeout)
            return True
        except Exception:
            return False

    def close(self) -> None:
        if self._closed:
            return
        self._handoff()
        self._closed = True
        self._queue.put(None)
        self._writer.join(10)
        with self._lock:
            conns, self._all = self._all, []
        for conn in conns:  # the GUI thread's and the search thread's too
            try:
                conn.close()
            except sqlite3.Error:
                pass
        if self._keep is not None:
            self._keep.close()

    def _write_loop(self) -> None:
        while True:
            op = self._queue.get()
            if op is None:
                break
            batch = [op]
            stop = False
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._commit(batch)
            for item in batch:
                if item[0] == "sync":
                    item[1].set_result(True)
            if stop:
                break
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def _commit(self, batch: list[tuple]) -> None:
        batch = [o for op in batch for o in (op[1] if op[0] == "batch" else [op])]
        ops = [op for op in batch if op[0] not in ("sync", "check")]
        if any(op[0] == "check" for op in batch):
            self._guard(self._check, None)
        if not ops:
            return

        def run(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                for op in ops:
                    getattr(self, "_do_" + op[0])(conn, *op[1:])
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        self._guard(run, None)

    def _check(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("PRAGMA quick_check").fetchone()
        if row is None or row[0] != "ok":
            raise sqlite3.DatabaseError(f"database disk image is malformed: {row}")

    def _do_put(self, conn: sqlite3.Connection, chat: str, mid: str, value: Any) -> None:
        if not isinstance(value, dict):
            conn.execute("DELETE FROM messages WHERE chat=? AND id=?", (chat, mid))
            return
        if conn.execute("SELECT 1 FROM hidden WHERE chat=? AND id=?", (chat, mid)).fetchone():
            return
        sender, text, ts = _fields(value)
        blob = json.dumps(value, ensure_ascii=False, sort_keys=True)
        row = conn.execute("SELECT rid, ts, value FROM messages WHERE chat=? AND id=?",
                           (chat, mid)).fetchone()
        if row is not None:
            if row[2] == blob:
                return
            if row[1] == ts:
                conn.execute("UPDATE messages SET sender=?, text=?, value=? WHERE rid=?",
                             (sender, text, blob, row[0]))
                return
            conn.execute("DELETE FROM messages WHERE rid=?", (row[0],))
        rid = _rid(ts, mid)
        while True:  # two messages in one millisecond with the same hash: the next free rid
            try:
                conn.execute(
                    "INSERT INTO messages(rid, chat, id, sender, text, ts, value)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)", (rid, chat, mid, sender, text, ts, blob))
                return
            except sqlite3.IntegrityError:
                rid += 1

    def _do_update(self, conn: sqlite3.Connection, chat: str, mid: str, path: list[str],
                   value: Any) -> None:
        row = conn.execute("SELECT value FROM messages WHERE chat=? AND id=?",
                           (chat, mid)).fetchone()
        if row is None:
            return  # not cached: nothing to change (its page brings it whole)
        self._do_put(conn, chat, mid, _set_deep(json.loads(row[0]), path, value))

    def _do_range(self, conn: sqlite3.Connection, chat: str, lo: str, hi: str | None,
                  values: dict[str, Any]) -> None:
        if hi is None:
            cached = conn.execute("SELECT id FROM messages WHERE chat=? AND id>=?", (chat, lo))
        else:
            cached = conn.execute("SELECT id FROM messages WHERE chat=? AND id>=? AND id<=?",
                                  (chat, lo, hi))
        gone = [(chat, mid) for (mid,) in cached.fetchall() if mid not in values]
        top = conn.execute("SELECT max(id) FROM messages WHERE chat=?", (chat,)).fetchone()[0]
        conn.executemany("DELETE FROM messages WHERE chat=? AND id=?", gone)
        for mid, value in values.items():
            self._do_put(conn, chat, mid, value)
        row = conn.execute("SELECT complete_from FROM chats WHERE chat=?", (chat,)).fetchone()
        current: str | None = row[0] if row is not None else None
        new: str | None
        if hi is None:
            # Up to the newest: it joins what was complete if it reaches back to what the
            # cache had, else only this range is complete now (messages in between missed).
            joins = lo == "" or (top is not None and lo <= top)
            new = min(current, lo) if joins and current is not None else lo
        elif current is not None and hi >= current:
            new = min(current, lo)  # a page just below (or over) the complete part
        else:
            new = current  # an island further back: searchable, not contiguous
        if new != current:
            conn.execute("INSERT INTO chats(chat, complete_from) VALUES (?, ?) ON CONFLICT(chat)"
                         " DO UPDATE SET complete_from=excluded.complete_from", (chat, new))

    def _do_forget(self, conn: sqlite3.Connection, chat: str) -> None:
        conn.execute("DELETE FROM messages WHERE chat=?", (chat,))
        conn.execute("DELETE FROM chats WHERE chat=?", (chat,))
        conn.execute("DELETE FROM hidden WHERE chat=?", (chat,))

    def _do_set_hidden(self, conn: sqlite3.Connection, chat: str, ids: list[str]) -> None:
        conn.execute("DELETE FROM hidden WHERE chat=?", (chat,))
        self._do_hide(conn, chat, ids, True)

    def _do_hide(self, conn: sqlite3.Connection, chat: str, ids: list[str],
                 hidden: bool) -> None:
        if hidden:
            conn.executemany("INSERT OR IGNORE INTO hidden(chat, id) VALUES (?, ?)",
                             [(chat, i) for i in ids])
            conn.executemany("DELETE FROM messages WHERE chat=? AND id=?",
                             [(chat, i) for i in ids])
        else:
            conn.executemany("DELETE FROM hidden WHERE chat=? AND id=?",
                             [(chat, i) for i in ids])

    # reads (the calling thread; small, indexed) --------------------------------------------
    def complete_from(self, chat_id: str) -> str | None:
        """From which id on the cache holds every message of the chat (None: nothing)."""
        def read(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT complete_from FROM chats WHERE chat=?",
                               (chat_id,)).fetchone()
            return row[0] if row is not None else None
        return self._guard(read, None)

    def newest(self, chat_id: str, limit: int) -> dict[str, Any]:
        """The newest `limit` messages of the part known to be complete: {id: value}."""
        floor = self.complete_from(chat_id)
        if floor is None:
            return {}
        return self._rows(
            "SELECT id, value FROM messages WHERE chat=? AND id>=? ORDER BY id DESC LIMIT ?",
            (chat_id, floor, limit))

    def older(self, chat_id: str, before_id: str, limit: int) -> dict[str, Any]:
        """Up to `limit` messages just before `before_id`, within the complete part."""
        floor = self.complete_from(chat_id)
        if floor is None:
            return {}
        return self._rows(
            "SELECT id, value FROM messages WHERE chat=? AND id>=? AND id<?"
            " ORDER BY id DESC LIMIT ?", (chat_id, floor, before_id, limit))

    def between(self, chat_id: str, lo: str, hi: str) -> dict[str, Any]:
        """Every cached message with lo <= id < hi."""
        return self._rows("SELECT id, value FROM messages WHERE chat=? AND id>=? AND id<?",
                          (chat_id, lo, hi))

    def before(self, chat_id: str, message_id: str, count: int) -> str:
        """The id `count` messages before `message_id` (or the oldest cached one)."""
        rows = self._guard(lambda c: c.execute(
            "SELECT id FROM messages WHERE chat=? AND id<? ORDER BY id DESC LIMIT ?",
            (chat_id, message_id, count)).fetchall(), [])
        return rows[-1][0] if rows else message_id

    def get(self, chat_id: str, message_id: str) -> Any:
        rows = self._rows("SELECT id, value FROM messages WHERE chat=? AND id=?",
                          (chat_id, message_id))
        return rows.get(message_id)

    def count(self, chat_id: str | None = None) -> int:
        sql, args = ("SELECT count(*) FROM messages", ()) if chat_id is None else (
            "SELECT count(*) FROM messages WHERE chat=?", (chat_id,))
        return self._guard(lambda c: c.execute(sql, args).fetchone()[0], 0)

    def _rows(self, sql: str, args: tuple) -> dict[str, Any]:
        def read(conn: sqlite3.Connection) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for mid, blob in conn.execute(sql, args).fetchall():
                try:
                    out[mid] = json.loads(blob)
                except ValueError:
                    continue
            return out
        return self._guard(read, {})

    # search --------------------------------------------------------------------------------
    def search(self, text: str, chat_id: str | None = None, limit: int = 100) -> list[Hit]:
        """Messages whose words start with the words typed (all of them), newest first."""
        match = _match(text, chat_id)
        if not match:
            return []
        sql = ("SELECT m.chat, m.id, m.sender, m.ts,"
               " snippet(messages_fts, 0, ?, ?, '…', 16)"
               " FROM messages_fts JOIN messages m ON m.rid = messages_fts.rowid"
               " WHERE messages_fts MATCH ?")
        args: list[Any] = [MARK_START, MARK_END, match]
        if chat_id is not None:
            sql += " AND m.chat = ?"  # exact (the index compares the id's words)
            args.append(chat_id)
        sql += " ORDER BY messages_fts.rowid DESC LIMIT ?"
        args.append(limit)
        rows = self._guard(lambda c: c.execute(sql, args).fetchall(), [])
        return [Hit(*row) for row in rows]

    def search_ids(self, text: str, chat_id: str, limit: int = 1000) -> list[str]:
        """The ids of a chat's matching messages, newest first (the in-chat search)."""
        match = _match(text, chat_id)
        if not match:
            return []
        rows = self._guard(lambda c: c.execute(
            "SELECT m.id FROM messages_fts JOIN messages m ON m.rid = messages_fts.rowid"
            " WHERE messages_fts MATCH ? AND m.chat = ?"
            " ORDER BY messages_fts.rowid DESC LIMIT ?", (match, chat_id, limit)).fetchall(),
            [])
        return [r[0] for r in rows]

    async def search_async(self, text: str, chat_id: str | None = None,
                           limit: int = 100) -> list[Hit]:
        """`search` on its own thread (the GUI stays responsive while one runs)."""
        return await asyncio.get_running_loop().run_in_executor(
            _search_pool(), self.search, text, chat_id, limit)

    async def search_ids_async(self, text: str, chat_id: str, limit: int = 1000) -> list[str]:
        return await asyncio.get_running_loop().run_in_executor(
            _search_pool(), self.search_ids, text, chat_id, limit)


_POOL = None


def _search_pool():
    global _POOL
    if _POOL is None:
        from concurrent.futures import ThreadPoolExecutor

        _POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="message-search")
    return _POOL


def _damaged(exc: sqlite3.DatabaseError) -> bool:
    """SQLite's own verdict that the file is not (or no longer) a sound database."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_CORRUPT") or name.startswith("SQLITE_NOTADB"):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text
