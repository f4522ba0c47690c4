"""Attachments waiting to be uploaded, then sent: the upload half of the outbox.

Attaching a file prepares a copy in the data folder (`uploads/`, see prepare.py) and queues
it here, saved to a file after every change, like the outbox: a file attached while offline
is uploaded when the connection is back, also after a restart. Each item is shown at once as
a pending message (same id as the message it becomes) with a progress bar; it can be
cancelled (its upload stops, nothing is sent) and, after a failure, retried. Uploaded, the
object's value goes to the outbox with the message id chosen here (the object is named after
it), and the outbox sends the message as any other. Items are uploaded one at a time, in the
order they were attached, so several files keep their order in the chat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from messenger_model import attachments
from messenger_model.attachments import Attachment
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import QCoreApplication, QObject, Signal

from ..errors import SessionExpired, Unreachable, UserFacingError
from ..models.message_extras import extras_from
from ..models.messages import Message
from ..store.private_json import write_private_json
from .prepare import Prepared
from .storage_api import StorageApi, StorageRefused

if TYPE_CHECKING:
    from ..outbox import Outbox

translate = QCoreApplication.translate
log = logging.getLogger(__name__)
RETRY_MAX_S = 5.0


@dataclass
class Upload:
    chat_id: str
    id: str  # the message id it becomes
    local: str  # the prepared copy
    name: str
    size: int
    content_type: str
    width: int
    height: int
    path: str  # the object's name
    text: str
    created_ms: float
    failed: str = ""
    forwarded_from: dict[str, str] | None = None  # a forwarded file (forwarding.py)

    def attachment(self) -> Attachment:
        picture = self.content_type in attachments.IMAGE_TYPES and self.width > 0
        return Attachment(self.path, self.name, self.size, self.content_type,
                          attachments.thumb_path(self.path) if picture else "",
                          self.width, self.height)

    def as_message(self, sender: str) -> Message:
        extras = extras_from({"forwardedFrom": self.forwarded_from})
        return Message(self.id, sender, self.text, self.created_ms, True, self.failed,
                       attachment=self.attachment(), **extras)


class UploadQueue(QObject):
    added = Signal(str, object)  # chat_id, Message (pending, uploading)
    progress = Signal(str, float)  # message id, 0..1
    failed = Signal(str, object)  # chat_id, Message (with .failed)
    removed = Signal(str, str)  # chat_id, message id: cancelled
    uploaded = Signal(str, str, str)  # message id, object path, local file (for the cache)

    def __init__(self, api: StorageApi, outbox: Outbox, uid: str, folder: Path | None,
                 clock_now=None) -> None:
        super().__init__()
        self._api = api
        self._outbox = outbox
        self._uid = uid
        self._folder = folder
        self._file = folder / f"uploads-{uid}.json" if folder else None
        self._now = clock_now or (lambda: time.time() * 1000)
        self._items: list[Upload] = self._load()
        self._sent: dict[str, int] = {}  # message id -> bytes sent
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._current: tuple[str, asyncio.Task] | None = None

    # persistence ---------------------------------------------------------------------------
    def _load(self) -> list[Upload]:
        if self._file is None:
            return []
        try:
            doc = json.loads(self._file.read_text(encoding="utf-8"))
            items = [Upload(**item) for item in doc]
        except (OSError, ValueError, TypeError):
            return []
        return [u for u in items if Path(u.local).is_file()]

    def _save(self) -> None:
        if self._file is None:
            return
        try:
            write_private_json(self._file, [asdict(u) for u in self._items])
        except OSError:
            log.warning("could not save the upload queue to %s", self._file, exc_info=True)

    def staging(self, name: str) -> Path:
        """Where a prepared copy of `name` goes (a fresh name every time)."""
        base = self._folder / "uploads" if self._folder else Path(os.getcwd()) / ".uploads"
        return base / attachments.object_file_name(new_push_id(), name)

    # queries -------------------------------------------------------------------------------
    def pending(self, chat_id: str) -> list[Message]:
        return [u.as_message(self._uid) for u in self._items if u.chat_id == chat_id]

    def fraction(self, message_id: str) -> float | None:
        """How much of this upload is sent (0..1), or None when it is not queued."""
        for u in self._items:
            if u.id == message_id:
                return min(1.0, self._sent.get(u.id, 0) / max(1, u.size))
        return None

    def local_file(self, message_id: str) -> Path | None:
        for u in self._items:
            if u.id == message_id:
                return Path(u.local)
        return None

    def __len__(self) -> int:
        return len(self._items)

    # operations ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._drain())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def add(self, chat_id: str, prepared: Prepared, text: str = "",
            forwarded_from: dict[str, str] | None = None) -> Message:
        message_id = new_push_id()
        cap = attachments.new_capability()
        path = attachments.object_path(chat_id, self._uid, message_id, prepared.name, cap)
        item = Upload(chat_id, message_id, str(prepared.local), prepared.name, prepared.size,
                      prepared.content_type, prepared.width, prepared.height, path, text,
                      self._now(), forwarded_from=forwarded_from)
        self._items.append(item)
        self._save()
        msg = item.as_message(self._uid)
        self.added.emit(chat_id, msg)
        self._wake.set()
        return msg

    def cancel(self, message_id: str) -> bool:
        """Stop and forget an upload (nothing is sent); False when it is not queued."""
        item = next((u for u in self._items if u.id == message_id), None)
        if item is None:
            return False
        if self._current is not None and self._current[0] == message_id:
            self._current[1].cancel()
        self._items.remove(item)
        self._sent.pop(message_id, None)
        self._save()
        Path(item.local).unlink(missing_ok=True)
        self.removed.emit(item.chat_id, message_id)
        return True

    def retry(self, message_id: str) -> None:
        for u in self._items:
            if u.id == message_id and u.failed:
                u.failed = ""
                self._sent.pop(u.id, None)
                self._save()
                self.added.emit(u.chat_id, u.as_message(self._uid))
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    def delete_object(self, path: str) -> None:
        """A sent message with this object was deleted: delete the object too (best effort:
        a failure leaves an object nothing names; the rules let only its uploader do it)."""
        async def run() -> None:
            try:
                await self._api.delete(path)
            except UserFacingError as exc:
                log.info("could not delete %s: %s", path, exc)

        asyncio.ensure_future(run())

    async def _drain(self) -> None:
        delay = 0.3
        while True:
            item = next((u for u in self._items if not u.failed), None)
            if item is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            task = asyncio.ensure_future(self._upload(item))
            self._current = (item.id, task)
            try:
                await task
            except asyncio.CancelledError:
                if item not in self._items:
                    continue  # the user cancelled this upload: on to the next
                task.cancel()
                raise  # the queue is stopping
            except (Unreachable, SessionExpired):
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), delay)
                except TimeoutError:
                    pass
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            except UserFacingError as exc:
                self._fail(item, str(exc))
                continue
            except Exception:  # never lose the file: mark it, the user can retry
                log.exception("uploading %s failed", item.id)
                self._fail(item, translate("Attachments", "This file could not be sent."))
                continue
            finally:
                self._current = None
            delay = 0.3

    async def _already_there(self, item: Upload) -> bool:
        meta = await self._api.metadata(item.path)
        if meta is None or str(meta.get("size")) != str(item.size):
            return False
        loop = asyncio.get_running_loop()
        local = await loop.run_in_executor(None, _md5_base64, Path(item.local))
        return meta.get("md5Hash") == local

    def _fail(self, item: Upload, reason: str) -> None:
        if item not in self._items:
            return
        item.failed = reason
        self._save()
        self.failed.emit(item.chat_id, item.as_message(self._uid))

    async def _upload(self, item: Upload) -> None:
        def sent(count: int, mid: str = item.id) -> None:
            self._sent[mid] = count
            self.progress.emit(mid, min(1.0, count / max(1, item.size)))

        try:
            await self._api.upload(item.path, Path(item.local), item.content_type, sent)
        except StorageRefused:
            # Sent before and only the answer was lost (the app killed, the network gone):
            # the name exists, and the rules refuse to replace it. The same bytes: done.
            if not await self._already_there(item):
                raise
        if item not in self._items:
            return  # cancelled while the answer came back: the object stays unnamed
        self._items.remove(item)
        self._sent.pop(item.id, None)
        self._save()
        self.uploaded.emit(item.id, item.path, item.local)
        self._outbox.send(item.chat_id, item.text, attachment=item.attachment().as_value(),
                          message_id=item.id, forwarded_from=item.forwarded_from)


def _md5_base64(file: Path) -> str:
    """The object's md5Hash as Storage reports it (base64 of the digest)."""
    import base64
    import hashlib

    digest = hashlib.md5(usedforsecurity=False)
    with file.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()
