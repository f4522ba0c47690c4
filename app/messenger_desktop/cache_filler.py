"""Keeps the newest messages of every chat in the local cache, in the background.

The open chat's stream fills the cache as messages come; the other chats are not streamed
(the chat list streams only their previews). So when a chat's newest preview names a message
the cache lacks (or has with another `editedAt`), this reads that chat's newest page, a few
seconds later and one chat at a time: search then finds what arrived in chats that were not
open, and opening such a chat paints it at once. The page is a range answer like any other:
it also drops messages deleted in that range (message_cache.replace_range). The open chat is
left to its session. At the start it also reads my "delete for me" ids of every chat once
(`hidden/{me}`), so messages hidden on another device are not cached or found here either.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .errors import Unreachable, UserFacingError

if TYPE_CHECKING:
    from .firebase.db import Database
    from .store.message_cache import MessageCache

log = logging.getLogger(__name__)

PAGE_SIZE = 50
FILL_DELAY_S = 2.0  # after a chat's newest message changes: a burst settles first
GAP_S = 0.3  # between two reads: a trickle, never a burst of requests
RETRY_S = 10.0  # offline: try that chat again later


class CacheFiller:
    def __init__(self, db: Database, cache: MessageCache,
                 current: Callable[[], str | None], uid: str = "") -> None:
        self._db = db
        self._uid = uid
        self._cache = cache
        self._current = current  # the open chat's id (its session keeps it up to date)
        self._due: dict[str, float] = {}  # chat id -> when to read it (loop time)
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.reads = 0  # pages read (tests, logs)
        self._hidden_task: asyncio.Future | None = None

    async def _read_hidden(self) -> None:
        """Every chat's delete-for-me set, once (the open chat's is streamed by its
        session): offline, the sessions still bring each chat's when it is opened."""
        try:
            value = await self._db.get(f"hidden/{self._uid}")
        except UserFacingError as exc:
            log.info("reading the hidden ids failed: %s", exc)
            return
        for chat_id, ids in (value if isinstance(value, dict) else {}).items():
            if isinstance(ids, dict) and chat_id != self._current():
                self._cache.set_hidden(chat_id, [k for k, v in ids.items() if v is True])

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())
            if self._uid:
                self._hidden_task = asyncio.ensure_future(self._read_hidden())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        if self._hidden_task is not None:
            self._hidden_task.cancel()
            self._hidden_task = None

    def note(self, chat_id: str, latest: dict[str, Any] | None) -> None:
        """A chat's newest preview (from userChats): read its page if the cache is behind."""
        if latest is None or chat_id == self._current() or chat_id in self._due:
            return
        message_id = str(latest.get("id") or "")
        if not message_id:
            return
        cached = self._cache.get(chat_id, message_id)
        if isinstance(cached, dict) and cached.get("editedAt") == latest.get("editedAt"):
            return
        self._due[chat_id] = asyncio.get_running_loop().time() + FILL_DELAY_S
        self._wake.set()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if not self._due:
                self._wake.clear()
                await self._wake.wait()
                continue
            chat_id, when = min(self._due.items(), key=lambda kv: kv[1])
            wait = when - loop.time()
            if wait > 0:
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass
                continue
            del self._due[chat_id]
            if chat_id == self._current():
                continue
            try:
                page = await self._db.get(f"messages/{chat_id}", order_by_child="$key",
                                          limit_to_last=PAGE_SIZE)
            except Unreachable:
                self._due.setdefault(chat_id, loop.time() + RETRY_S)
                continue
            except UserFacingError as exc:  # not readable (no longer a member): leave it
                log.info("cache fill of %s refused: %s", chat_id, exc)
                continue
            if chat_id != self._current():  # opened meanwhile: its session has it
                values = page if isinstance(page, dict) else {}
                ids = sorted(values)
                lo = ids[0] if len(ids) >= PAGE_SIZE else ""
                self._cache.replace_range(chat_id, lo, None, values)
                self.reads += 1
            await asyncio.sleep(GAP_S)
