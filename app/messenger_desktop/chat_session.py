"""One open chat: the newest page, older pages on demand, and a live stream for the rest.

Opening reads the 50 newest messages (orderBy="$key" + limitToLast: push ids sort by creation
time) and shows them at once; a stream then listens from the oldest loaded id on
(orderBy="$key" + startAt), so it delivers new messages and deletions of anything on screen,
but never the whole history. Scrolling up reads the page before the oldest one (endAt) and
moves the stream's start back, so a 10,000-message chat costs what its visible part costs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from .errors import Unreachable, UserFacingError
from .firebase.sse import Listener
from .firebase.tree import split_path
from .models.messages import Message, MessageListModel, message_from

if TYPE_CHECKING:
    from .client import MessengerClient

log = logging.getLogger(__name__)

PAGE_SIZE = 50


class ChatSession(QObject):
    loading_changed = Signal(bool)
    error = Signal(str)
    first_page_loaded = Signal()
    recovered = Signal()  # the first page came after all: hide the error
    incoming = Signal(object)  # a confirmed Message from the other person

    def __init__(self, client: MessengerClient, other_uid: str, chat_id: str) -> None:
        super().__init__()
        self.client = client
        self.other_uid = other_uid
        self.chat_id = chat_id
        self.model = MessageListModel(client.uid)
        self.has_more = True
        self.loading = False
        self._start_id: str | None = None
        self._listener: Listener | None = None
        self._closed = False
        self._synced = False
        for msg in client.outbox.pending(chat_id):
            self.model.upsert(msg)

    @property
    def path(self) -> str:
        return f"messages/{self.chat_id}"

    def _set_loading(self, value: bool) -> None:
        self.loading = value
        self.loading_changed.emit(value)

    async def open(self) -> None:
        self._set_loading(True)
        delay = 0.5
        reported = False
        try:
            while True:
                try:
                    page = await self.client.db.get(
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
                    break
        finally:
            self._set_loading(False)
        if self._closed:
            return
        if reported:
            self.recovered.emit()
        messages = _messages(page)
        self.model.prepend_page(messages)
        self.has_more = len(messages) >= PAGE_SIZE
        self._start_id = min((m.id for m in messages), default=None)
        self.first_page_loaded.emit()
        self._listen()

    def _listen(self) -> None:
        if self._listener is not None:
            self.client.hub.unlisten(self._listener)
        query: dict[str, Any] = {}
        if self._start_id is not None and self.has_more:
            query = {"orderBy": "$key", "startAt": self._start_id}
        self._listener = self.client.hub.listen(self.path, self._on_event, query)

    async def load_older(self) -> int:
        """The page before the oldest loaded message; returns how many rows were added."""
        if self.loading or not self.has_more or self._closed:
            return 0
        oldest = self.model.oldest_confirmed_id()
        if oldest is None:
            return 0
        self._set_loading(True)
        try:
            page = await self.client.db.get(
                self.path, order_by_child="$key", end_at=oldest, limit_to_last=PAGE_SIZE + 1
            )
        except UserFacingError as exc:
            self.error.emit(str(exc))
            return 0
        finally:
            self._set_loading(False)
        messages = [m for m in _messages(page) if m.id != oldest]
        self.has_more = len(messages) >= PAGE_SIZE
        added = self.model.prepend_page(messages)
        if messages:
            self._start_id = min(m.id for m in messages)
        # Deletions of the older rows must arrive live too: listen from the new start.
        self._listen()
        return added

    def _on_event(self, kind: str, path: str, data: Any) -> None:
        parts = split_path(path)
        if kind == "put" and not parts:
            start = self._start_id if (self._start_id and self.has_more) else None
            self.model.reconcile(data if isinstance(data, dict) else {}, start)
            self._synced = True
            return
        changes: dict[str, Any]
        if kind == "put" and len(parts) == 1:
            changes = {parts[0]: data}
        elif kind == "patch" and not parts and isinstance(data, dict):
            changes = data
        else:
            return  # messages are never edited: deeper paths do not occur
        for key, value in changes.items():
            fresh = value is not None and self.model.get(key) is None
            self.model.apply_value(key, value)
            msg = self.model.get(key)
            if fresh and msg is not None and msg.sender != self.client.uid:
                self.incoming.emit(msg)

    def add_local(self, msg: Message) -> None:
        self.model.upsert(msg)

    async def delete(self, message_id: str) -> None:
        msg = self.model.get(message_id)
        if msg is None:
            return
        if msg.pending:
            self.client.outbox.discard(message_id)
            self.model.remove(message_id)
            return
        await self.client.db.delete(f"{self.path}/{message_id}")
        self.model.remove(message_id)  # the stream says the same a moment later

    def close(self) -> None:
        self._closed = True
        if self._listener is not None:
            self.client.hub.unlisten(self._listener)
            self._listener = None


def _messages(page: Any) -> list[Message]:
    if not isinstance(page, dict):
        return []
    out = [message_from(k, v) for k, v in page.items()]
    return [m for m in out if m is not None]
