"""GET /search (issue 16): the caller's messages that contain a text, newest first.

The Realtime Database has no full-text search, so this SCANS: each of the caller's chats
(`userChats/{uid}`, or the one `chat_id`) is read newest first in pages of PAGE messages (an
indexed `orderBy ts` query, `limitToLast`, `endAt` the oldest seen) and every text is compared
(case-folded substring). A chat stops being read once it has given `limit` hits (older pages
cannot beat them) or runs out. The cost is therefore up to every message of every chat the
caller is in, when the text is rare: it grows with history, not with hits (bench/search_scan.py
measures it). This is the slow path for scripts and other clients; the desktop app searches its
local cache (SQLite FTS5) instead.

Paging: the hits are ordered by (timestamp_ms, chat_id, id), newest first, and `before` (the
previous page's last hit) starts the scan of each chat at that timestamp (`endAt`) and keeps
only the hits after it in that order, so the pages together are the whole list, each hit once.

Not found: system messages (group events), messages the caller hid ("delete for me"), and
messages beyond PAGE sharing one millisecond at a page boundary (only an import could make
them; server timestamps of one chat are practically never that dense).
"""

from __future__ import annotations

from typing import Any

from messenger_model import paths
from messenger_model.chats import chat_members, is_group_id

from . import backend
from .actions import member_chat

PAGE = 1000


def _number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def chats_of(uid: str) -> list[str]:
    """The caller's chats: the keys of userChats/{uid} (a shallow read) that are still theirs
    (a group's membership is checked in its record: an entry can outlive a removal briefly)."""
    found = backend.ref(paths.user_chats(uid)).get(shallow=True)
    chats = []
    for chat in sorted(found) if isinstance(found, dict) else ():
        members = chat_members(chat)
        if members is not None:
            if uid in members:
                chats.append(chat)
        elif is_group_id(chat) and backend.ref(
                f"{paths.chat_members(chat)}/{uid}").get() is not None:
            chats.append(chat)
    return chats


Cursor = tuple[int, str, str]  # (timestamp_ms, chat_id, id): a hit's place in the order


def _scan(chat: str, needle: str, limit: int, hidden: Any, hits: list[dict[str, Any]],
          before: Cursor | None = None) -> int:
    """Appends `chat`'s matches (at least its newest `limit` after `before`) to `hits`;
    returns the messages read."""
    hidden = hidden if isinstance(hidden, dict) else {}
    reference = backend.ref(f"{paths.MESSAGES}/{chat}")
    seen: set[str] = set()
    found = scanned = 0
    end: int | None = before[0] if before is not None else None
    while True:
        query = reference.order_by_child("ts")
        if end is not None:
            query = query.end_at(end)
        page = query.limit_to_last(PAGE).get() or {}
        fresh = 0
        for message_id, value in page.items():
            if message_id in seen:
                continue
            seen.add(message_id)
            fresh += 1
            scanned += 1
            if not isinstance(value, dict) or "system" in value or message_id in hidden:
                continue
            text, ts, sender = value.get("text"), _number(value.get("ts")), value.get("sender")
            if (isinstance(text, str) and ts is not None and isinstance(sender, str)
                    and needle in text.casefold()
                    and (before is None or (ts, chat, message_id) < before)):
                found += 1
                hits.append({"chat_id": chat, "id": message_id, "sender": sender,
                             "content": text, "timestamp": ts // 1000, "timestamp_ms": ts})
        stamps = [n for n in (_number(v.get("ts")) for v in page.values()
                              if isinstance(v, dict)) if n is not None]
        if len(page) < PAGE or found >= limit or not stamps:
            return scanned
        oldest = min(stamps)
        end = oldest if fresh else oldest - 1  # a full page of one millisecond: step past it


def parse_cursor(before: str | None) -> Cursor | None:
    """`<timestamp_ms>:<chat_id>:<id>` (the request model checked its shape)."""
    if before is None:
        return None
    stamp, chat, message_id = before.split(":")
    return int(stamp), chat, message_id


def search(uid: str, text: str, chat_id: str | None, limit: int,
           before: str | None = None) -> tuple[list[dict], int]:
    """(the newest `limit` hits after `before`, newest first; how many messages were read)."""
    cursor = parse_cursor(before)
    if chat_id is not None:
        member_chat(chat_id, uid)
        chats = [chat_id]
    else:
        chats = chats_of(uid)
    needle = text.casefold()
    hidden = backend.ref(f"{paths.HIDDEN}/{uid}").get() if chats else None
    hidden = hidden if isinstance(hidden, dict) else {}
    hits: list[dict[str, Any]] = []
    scanned = 0
    for chat in chats:
        scanned += _scan(chat, needle, limit, hidden.get(chat), hits, cursor)
    hits.sort(key=lambda hit: (hit["timestamp_ms"], hit["chat_id"], hit["id"]), reverse=True)
    return hits[:limit], scanned
