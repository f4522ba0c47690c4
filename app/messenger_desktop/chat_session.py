"""One open chat: the newest page, older pages on demand, and a live stream for the rest.

Opening reads the 50 newest messages (orderBy="$key" + limitToLast: push ids sort by creation
time) and shows them at once; a stream then listens from the oldest loaded id on
(orderBy="$key" + startAt), so it delivers new messages and deletions of anything on screen,
but never the whole history. Scrolling up reads the page before the oldest one (endAt) and
moves the stream's start back, so a 10,000-message chat costs what its visible part costs.

The session owns what the user does in the chat: send, retry and delete. It gets its
collaborators (the database, the stream hub, the outbox, the message cache) through its
constructor, and the views talk only to it.

With the local message cache (store/message_cache.py) the chat paints from it at once (also
offline); every server answer then settles the key range it covers: rows shown from the
cache that the answer lacks were deleted meanwhile and go (store/cache_sync.py).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from .chat_actions import ChatActions
from .errors import Unreachable, UserFacingError
from .firebase.sse import Listener
from .firebase.tree import split_path
from .models.message_values import MessageValues
from .models.messages import Message, MessageListModel, message_from
from .store.cache_sync import apply_stream_event

if TYPE_CHECKING:
    from .attachments.uploads import UploadQueue
    from .firebase.db import Database
    from .firebase.streams import StreamHub
    from .outbox import Outbox
    from .store.message_cache import MessageCache

log = logging.getLogger(__name__)

PAGE_SIZE = 50
# Opening lands on the first unread message; more than this many pages of them and it lands
# on the oldest loaded one instead (reading 1,000 messages to open a chat is too slow).
MAX_UNREAD_PAGES = 20
SEARCH_LIMIT = 1000  # matches of a search in the chat ("1000+" beyond)


class ChatSession(QObject):
    loading_changed = Signal(bool)
    error = Signal(str)
    first_page_loaded = Signal()
    recovered = Signal()  # the first page came after all: hide the error
    incoming = Signal(object)  # a confirmed Message from the other person
    # The rules stopped the messages stream (removed from the group): the chat's id.
    access_lost = Signal(str)

    def __init__(self, chat_id: str, other_uid: str, uid: str, db: Database, hub: StreamHub,
                 outbox: Outbox, unread_from: str = "", read_at: float | None = None,
                 cache: MessageCache | None = None, uploads: UploadQueue | None = None) -> None:
        super().__init__()
        self.chat_id = chat_id
        # The first unread message when the chat was opened: at first the oldest of the unread
        # ids (the trigger keeps the newest 100); with a read position, found after opening
        # as the first message from the other person after it.
        self.unread_from = unread_from
        self.read_at = read_at
        self.other_uid = other_uid
        self.uid = uid  # mine
        self._db = db
        self._hub = hub
        self._outbox = outbox
        self.model = MessageListModel(uid)
        self.values = MessageValues()  # stored values: to apply a change of one field
        self.has_more = True
        self.loading = False
        self._start_id: str | None = None
        self._listener: Listener | None = None
        self._closed = False
        self._synced = False
        self._opening = False
        self._cache = cache
        self._listen_start = ""  # the stream's startAt ("": the whole chat)
        # Rows shown from the cache that no server answer has confirmed yet.
        self._unverified: set[str] = set()
        # Edit, react, reply, forward, delete for me (chat_actions.py).
        self.actions = ChatActions(self, db, hub, outbox)
        if cache is not None:
            seeded = self._read_page(cache.newest(chat_id, PAGE_SIZE))
            self.model.prepend_page(seeded)
            self._unverified.update(m.id for m in seeded)
        for msg in outbox.pending(chat_id):
            self.model.upsert(msg)
        for signal in (outbox.added, outbox.delivered, outbox.failed):
            signal.connect(self._on_outbox)
        self._uploads = uploads  # attachments still uploading (issue 17): shown as pending
        if uploads is not None:
            for msg in uploads.pending(chat_id):
                self.model.upsert(msg)
            uploads.added.connect(self._on_outbox)
            uploads.failed.connect(self._on_outbox)
            uploads.removed.connect(self._on_upload_removed)

    @property
    def synced(self) -> bool:
        """The live stream has delivered its first snapshot."""
        return self._synced

    @property
    def path(self) -> str:
        return f"messages/{self.chat_id}"

    def _set_loading(self, value: bool) -> None:
        self.loading = value
        self.loading_changed.emit(value)

    async def open(self) -> None:
        self._opening = True
        try:
            await self._open()
        finally:
            self._opening = False

    async def _open(self) -> None:
        self._set_loading(True)
        delay = 0.5
        reported = False
        refused = False
        try:
            while True:
                try:
                    page = await self._db.get(
                        self.path, order_by_child="$key", limit_to_last=PAGE_SIZE
                    )
                    break
                except Unreachable as exc:
                    # Offline at open: say so once, keep trying (pending rows stay visible).
                    if not reported:
                        self.error.emit(str(exc))
                        reported = True
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    if self._closed:
                        return
                except UserFacingError as exc:
                    self.error.emit(str(exc))
                    page = None
                    refused = True
                    break
        finally:
            self._set_loading(False)
        if self._closed:
            return
        if reported:
            self.recovered.emit()
        messages = self._read_page(page)
        await self.actions.wait_hidden()  # read beside the page: hidden rows never show
        if self._closed:
            return
        self.has_more = len(messages) >= PAGE_SIZE
        self._start_id = min((m.id for m in messages), default=None)
        lo = (self._start_id or "") if self.has_more else ""
        # The cache's rows reach the newest page (they overlap it): what is below is contiguous.
        reaches = max(self._unverified, default="") >= lo
        if not refused:  # a refusal is no answer: what the cache showed stays
            self._apply_range(lo, None, page)
        if self._unverified and self._start_id is not None:
            await self._settle_cached_below(reaches)
        pages = 0
        while (self.unread_from and self.has_more and pages < MAX_UNREAD_PAGES
               and not self._closed and self._before_first_unread()):
            pages += 1  # the first unread one is older than this page: read back to it
            if not await self._read_older():
                break
        if self._closed:
            return
        if self.unread_from and self.read_at is not None:
            first = next((m for m in self._confirmed() if m.ts > self.read_at
                          and m.sender != self.uid), None)
            if first is not None:
                self.unread_from = first.id
        self.first_page_loaded.emit()
        self._listen()

    def _confirmed(self):
        return (m for m in (self.model.message(r) for r in range(self.model.rowCount()))
                if not m.pending)

    def _before_first_unread(self) -> bool:
        """The first unread message is older than what is loaded."""
        if self.read_at is not None:  # loaded back to the read position?
            oldest = next(self._confirmed(), None)
            return oldest is not None and oldest.ts > self.read_at
        return (self.model.get(self.unread_from) is None
                and (self._start_id or "") > self.unread_from)

    def _listen(self) -> None:
        if self._listener is not None:
            self._hub.unlisten(self._listener)
        query: dict[str, Any] = {}
        self._listen_start = ""
        if self._start_id is not None and self.has_more:
            query = {"orderBy": "$key", "startAt": self._start_id}
            self._listen_start = self._start_id
        self._listener = self._hub.listen(self.path, self._on_event, query,
                                          on_denied=self._on_denied)
        self.actions.listen()

    def _on_denied(self, _why: Any) -> None:
        if not self._closed:
            self.access_lost.emit(self.chat_id)

    # the cache ---------------------------------------------------------------------------
    def _apply_range(self, lo: str, hi: str | None, page: Any) -> int:
        """The server's whole answer for ids in [lo, hi] (None: up to the newest): rows
        shown from the cache in that range that it lacks were deleted meanwhile; the cache
        stores it. Returns how many rows were added."""
        values = page if isinstance(page, dict) else {}
        messages = self._read_page(values)
        present = {m.id for m in messages}
        for mid in [i for i in self._unverified if i >= lo and (hi is None or i <= hi)]:
            self._unverified.discard(mid)
            if mid not in present:
                self.model.remove(mid)
        changed = [m for m in messages
                   if (old := self.model.get(m.id)) is not None and old != m]
        for m in changed:  # edited (or reacted to) while this device was not looking
            self.model.upsert(m)
        added = self.model.prepend_page(messages)
        if self._cache is not None:
            self._cache.replace_range(self.chat_id, lo, hi, values)
        return added

    async def _settle_cached_below(self, reaches: bool) -> None:
        """Rows from the cache older than the newest page: confirm them with one range read
        when they reach up to it, else drop them from view (messages came in between that
        this device never saw; the cache keeps them for search)."""
        start = self._start_id
        below = sorted(i for i in self._unverified if start is not None and i < start)
        if not below or start is None:
            return
        if not reaches:
            for mid in below:
                self._unverified.discard(mid)
                self.model.remove(mid)
            return
        try:
            page = await self._db.get(self.path, order_by_child="$key", start_at=below[0],
                                      end_at=start)
        except UserFacingError:
            return  # offline again: they stay, unconfirmed, and the next read settles them
        self._apply_range(below[0], start, page)
        self._start_id = below[0]

    async def load_older(self) -> int:
        """The page before the oldest loaded message; returns how many rows were added."""
        if self.loading or not self.has_more or self._closed or self._opening:
            return 0
        added = await self._read_older()
        # Deletions of the older rows must arrive live too: listen from the new start.
        self._listen()
        return added

    async def _read_older(self) -> int:
        oldest = self._start_id or self.model.oldest_confirmed_id()
        if oldest is None:
            return 0
        added = 0
        shown = self.model.oldest_confirmed_id() or oldest
        if self._cache is not None:  # the cache's page before: shown at once
            cached = self._read_page(self._cache.older(self.chat_id, min(shown, oldest),
                                                       PAGE_SIZE))
            added = self.model.prepend_page(cached)
            self._unverified.update(m.id for m in cached)
            shown = self.model.oldest_confirmed_id() or oldest
        self._set_loading(True)
        try:
            if shown < oldest:  # confirm what the cache showed: exactly that range
                page = await self._db.get(self.path, order_by_child="$key", start_at=shown,
                                          end_at=oldest)
            else:
                page = await self._db.get(
                    self.path, order_by_child="$key", end_at=oldest,
                    limit_to_last=PAGE_SIZE + 1
                )
        except UserFacingError as exc:
            self.error.emit(str(exc))
            return added
        finally:
            self._set_loading(False)
        if self._closed:
            return added
        messages = [m for m in self._read_page(page) if m.id != oldest]
        if shown < oldest:
            lo = shown
        else:
            self.has_more = len(messages) >= PAGE_SIZE
            lo = min((m.id for m in messages), default=oldest) if self.has_more else ""
        added += self._apply_range(lo, oldest, page)
        if messages or shown < oldest:
            self._start_id = min([m.id for m in messages] + [shown])
        return added

    def cache_hidden(self, hidden: set[str]) -> None:
        """The chat's ids deleted for me, all of them (as read or streamed): the cache (so
        search and the next first paint) leaves them out too, and stores again any that
        were taken back (also on another device meanwhile)."""
        if self._cache is not None:
            self._cache.set_hidden(self.chat_id, sorted(hidden))

    async def search(self, text: str) -> list[str]:
        """Ids of this chat's messages whose words start with the words of `text`, newest
        first: from the cache (what this device has received), so also offline."""
        if self._cache is None:
            return []
        return await self._cache.search_ids_async(text, self.chat_id, SEARCH_LIMIT)

    async def reveal(self, message_id: str, context: int = 10) -> bool:
        """Load the chat back to `message_id` (a search result, a quoted message): from the
        cache at once, then one range read from the server confirms everything from there
        up. True when it is in the model (False: deleted, or unknown and offline)."""
        if self.model.get(message_id) is not None:
            return True
        if self._closed:
            return False
        shown = self.model.oldest_confirmed_id()
        lo = message_id
        if self._cache is not None:
            lo = self._cache.before(self.chat_id, message_id, context)
            if shown is not None and lo < shown:
                cached = _messages(self._cache.between(self.chat_id, lo, shown))
                self.model.prepend_page(cached)
                self._unverified.update(m.id for m in cached)
        if self._opening and self.model.get(message_id) is not None:
            # Shown from the cache; the open under way confirms these rows with the newest
            # page (_settle_cached_below), also if it is offline now and answers later.
            return True
        for _ in range(500):  # the newest page first (it sets where the stream starts)
            if not self._opening or self._closed:
                break
            await asyncio.sleep(0.02)
        top = self._start_id or self.model.oldest_confirmed_id()
        if top is None or lo >= top or not self.has_more:
            return self.model.get(message_id) is not None
        self._set_loading(True)
        try:
            page = await self._db.get(self.path, order_by_child="$key", start_at=lo, end_at=top)
        except UserFacingError:
            return self.model.get(message_id) is not None  # offline: as the cache has it
        finally:
            self._set_loading(False)
        if self._closed:
            return False
        self._apply_range(lo, top, page)
        self._start_id = min(lo, top)
        self._listen()  # deletions of the rows just added must arrive live too
        return self.model.get(message_id) is not None
    def _read_page(self, page: Any) -> list[Message]:
        if isinstance(page, dict):
            for key, value in page.items():
                self.values.remember(key, value)
        return _messages(page)

    def _on_event(self, kind: str, path: str, data: Any) -> None:
        self._apply_event(kind, path, data)  # the screen first, then the cache
        if self._cache is not None:
            apply_stream_event(self._cache, self.chat_id, self._listen_start, kind, path, data)

    def _apply_event(self, kind: str, path: str, data: Any) -> None:
        parts = split_path(path)
        if kind == "put" and not parts:
            snapshot = data if isinstance(data, dict) else {}
            for key, value in snapshot.items():
                self.values.remember(key, value)
            start = self._start_id if (self._start_id and self.has_more) else None
            self.model.reconcile(snapshot, start)
            self._unverified = {i for i in self._unverified if start is not None and i < start}
            self._synced = True
            return
        # (message id, path below it, value): a whole message, or one field of one (an edit,
        # a reaction) when the server sends the deeper path.
        writes: list[tuple[str, list[str], Any]] = []
        if kind == "put" and parts:
            writes.append((parts[0], parts[1:], data))
        elif kind == "patch" and isinstance(data, dict):
            for rel, value in data.items():
                sub = parts + split_path(str(rel))
                if sub:
                    writes.append((sub[0], sub[1:], value))
        changes: dict[str, Any] = {}
        for key, below, value in writes:
            if below:
                whole = self.values.apply(key, below, value)
                if whole is not None:
                    changes[key] = whole
            else:
                self.values.remember(key, value)
                changes[key] = value
        for key, value in changes.items():
            fresh = value is not None and self.model.get(key) is None
            self.model.apply_value(key, value)
            msg = self.model.get(key)
            if fresh and msg is not None and msg.sender != self.uid:
                self.incoming.emit(msg)

    def _on_outbox(self, chat_id: str, msg: Message) -> None:
        """A message of the outbox changed state (added, delivered, failed): show it."""
        if chat_id == self.chat_id and not self._closed:
            self.model.upsert(msg)

    def _on_upload_removed(self, chat_id: str, message_id: str) -> None:
        if chat_id == self.chat_id and not self._closed:
            self.model.remove(message_id)

    # what the user does ----------------------------------------------------------------------
    def send(self, text: str, reply_to: str = "") -> Message | None:
        """Queue `text` in the outbox (shown at once as pending); None for blank text.
        `reply_to`: the id of the message of this chat it answers."""
        if self._closed or not text.strip():
            return None
        return self._outbox.send(self.chat_id, text, reply_to=reply_to)

    def retry(self, message_id: str) -> None:
        """Send a message that failed again (it shows as pending until it is delivered)."""
        msg = self.model.get(message_id)
        if msg is None or not msg.failed:
            return
        if self._uploads is not None and self._uploads.fraction(message_id) is not None:
            self._uploads.retry(message_id)  # its upload failed: the upload goes again
        else:
            self._outbox.retry(message_id)
        self.model.upsert(replace(msg, pending=True, failed=""))

    async def delete(self, message_id: str) -> None:
        """Delete for everyone; a message not sent yet is only taken out of the outbox.
        Raises UserFacingError when the server refuses or cannot be reached."""
        msg = self.model.get(message_id)
        if msg is None:
            return
        if msg.pending:
            if self._uploads is None or not self._uploads.cancel(message_id):
                self._outbox.discard(message_id)
            self.model.remove(message_id)
            return
        await self._db.delete(f"{self.path}/{message_id}")
        if msg.attachment is not None and self._uploads is not None:
            self._uploads.delete_object(msg.attachment.path)  # best effort, after the message
        self.model.remove(message_id)  # the stream says the same a moment later
        if self._cache is not None:
            self._cache.put(self.chat_id, message_id, None)

    def close(self) -> None:
        if not self._closed:
            for signal in (self._outbox.added, self._outbox.delivered, self._outbox.failed):
                signal.disconnect(self._on_outbox)
            if self._uploads is not None:
                self._uploads.added.disconnect(self._on_outbox)
                self._uploads.failed.disconnect(self._on_outbox)
                self._uploads.removed.disconnect(self._on_upload_removed)
        self._closed = True
        self.actions.close()
        if self._listener is not None:
            self._hub.unlisten(self._listener)
            self._listener = None


def _messages(page: Any) -> list[Message]:
    if not isinstance(page, dict):
        return []
    out = [message_from(k, v) for k, v in page.items()]
    return [m for m in out if m is not None]
