"""Messages written but not yet confirmed by the server: shown as pending, sent in order.

Each message gets a client-generated push id and is written with PUT to that id, so sending it
again after a lost answer cannot create a duplicate: the rules refuse a second create of the
same id ("Permission denied"), and the outbox then checks the message is there and counts it
as delivered. The queue is saved to a file in the user's data folder after every change, so a
message typed while offline survives quitting the app and is delivered on the next start.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from messenger_model.attachments import attachment_from
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import QCoreApplication, QObject, Signal

from .errors import PermissionDenied, SessionExpired, Unreachable
from .firebase.db import SERVER_TIMESTAMP, Database
from .models.message_extras import extras_from
from .models.messages import Message, message_from
from .store.private_json import write_private_json

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

log = logging.getLogger(__name__)

RETRY_MAX_S = 5.0



@dataclass
class Pending:
    chat_id: str
    id: str
    text: str
    created_ms: float
    failed: str = ""
    reply_to: str = ""  # a message id of the same chat (a reply)
    forwarded_from: dict[str, str] | None = None  # {sender, chatId, messageId} (a forward)
    attachment: dict | None = None  # uploaded already (attachments/uploads.py)

    def as_message(self, sender: str) -> Message:
        extras = extras_from({"replyTo": self.reply_to, "forwardedFrom": self.forwarded_from})
        return Message(self.id, sender, self.text, self.created_ms, True, self.failed,
                       attachment=attachment_from(self.attachment), **extras)

    def value(self, sender: str) -> dict[str, Any]:
        """What is written: the message with the server's time."""
        value: dict[str, Any] = {"sender": sender, "text": self.text, "ts": SERVER_TIMESTAMP}
        if self.reply_to:
            value["replyTo"] = self.reply_to
        if self.forwarded_from:
            value["forwardedFrom"] = dict(self.forwarded_from)
        if self.attachment:
            value["attachment"] = dict(self.attachment)
        return value


class Outbox(QObject):
    added = Signal(str, object)  # chat_id, Message (pending)
    delivered = Signal(str, object)  # chat_id, Message (as stored by the server)
    failed = Signal(str, object)  # chat_id, Message (pending, with .failed set)

    def __init__(self, db: Database, uid: str, file: Path | None, clock_now=None) -> None:
        super().__init__()
        self._db = db
        self._uid = uid
        self._file = file
        self._now = clock_now or (lambda: time.time() * 1000)
        self._items: list[Pending] = self._load()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._chats_created: set[str] = set()
        self.online = True

    # persistence ---------------------------------------------------------------------------
    def _load(self) -> list[Pending]:
        if self._file is None:
            return []
        try:
            doc = json.loads(self._file.read_text(encoding="utf-8"))
            return [Pending(**item) for item in doc
                    if item.get("text") or item.get("attachment")]
        except (OSError, ValueError, TypeError):
            return []

    def _save(self) -> None:
        if self._file is None:
            return
        try:
            write_private_json(self._file, [asdict(p) for p in self._items])
        except OSError:
            log.warning("could not save the outbox to %s", self._file, exc_info=True)

    # queries ---------------------------------------------------------------------------
    def pending(self, chat_id: str) -> list[Message]:
        return [p.as_message(self._uid) for p in self._items if p.chat_id == chat_id]

    def __len__(self) -> int:
        return len(self._items)

    # operations --------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._drain())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def send(self, chat_id: str, text: str, reply_to: str = "",
             forwarded_from: dict[str, str] | None = None, attachment: dict | None = None,
             message_id: str = "") -> Message:
        """Queue a message; `attachment` (an uploaded object's value) goes with a
        `message_id` chosen before its upload (the object is named after it)."""
        item = Pending(chat_id, message_id or new_push_id(), text, self._now(),
                       reply_to=reply_to, forwarded_from=forwarded_from, attachment=attachment)
        self._items.append(item)
        self._save()
        msg = item.as_message(self._uid)
        self.added.emit(chat_id, msg)
        self._wake.set()
        return msg

    def retry(self, message_id: str) -> None:
        for item in self._items:
            if item.id == message_id:
                item.failed = ""
        self._save()
        self._wake.set()

    def discard(self, message_id: str) -> Pending | None:
        for item in self._items:
            if item.id == message_id:
                self._items.remove(item)
                self._save()
                return item
        return None

    def wake(self) -> None:
        """The connection is back: try now instead of waiting for the next backoff step."""
        self._wake.set()

    async def _drain(self) -> None:
        delay = 0.3
        while True:
            item = next((p for p in self._items if not p.failed), None)
            if item is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                stored = await self._deliver(item)
            except asyncio.CancelledError:
                raise
            except (Unreachable, SessionExpired):
                # Offline: the message stays pending; wait for the connection or a retry tick.
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            except PermissionDenied:
                item.failed = translate("Outbox", "The server refused this message.")
                self._save()
                self.failed.emit(item.chat_id, item.as_message(self._uid))
                continue
            except Exception:  # never lose the text: mark it, the user can retry
                log.exception("sending %s failed", item.id)
                item.failed = translate("Outbox", "This message could not be sent.")
                self._save()
                self.failed.emit(item.chat_id, item.as_message(self._uid))
                continue
            delay = 0.3
            if item in self._items:
                self._items.remove(item)
                self._save()
            self.delivered.emit(item.chat_id, stored)

    async def _deliver(self, item: Pending) -> Message:
        await self._ensure_chat(item.chat_id)
        path = f"messages/{item.chat_id}/{item.id}"
        value = item.value(self._uid)
        try:
            answer: Any = await self._db.put(path, value)
        except PermissionDenied:
            # Either the first attempt reached the server and only its answer was lost (then
            # the message exists: rules allow create only), or the server really refuses it.
            answer = await self._db.get(path)
            if not (isinstance(answer, dict) and answer.get("sender") == self._uid):
                raise
        msg = message_from(item.id, answer)
        return msg or Message(item.id, self._uid, item.text, item.created_ms,
                              attachment=attachment_from(item.attachment))

    async def _ensure_chat(self, chat_id: str) -> None:
        """Create chats/{chatId} once (optional in the data model; lists the members)."""
        if chat_id in self._chats_created:
            return
        members = {uid: True for uid in chat_id.split("_")}
        try:
            await self._db.put(
                f"chats/{chat_id}",
                {"members": members, "type": "direct", "createdAt": SERVER_TIMESTAMP},
            )
        except PermissionDenied:
            pass  # it exists already: create-only
        self._chats_created.add(chat_id)
