"""Forwarding a message that carries a picture or a file (issue 16).

A file lives in Storage under its own chat's prefix, readable by that chat's members only, so
a forward cannot copy the pointer. The forwarder, a member of the source chat, takes the bytes
(this device's copy, else one download through the image cache, as for Open and Save) and
sends them into each target chat through the upload queue, like a file attached there: a new
object under the target chat's prefix, shown pending with its progress, cancel and retry,
waiting while Storage is unreachable and after a restart. The message it becomes carries the
original's caption and `forwardedFrom`; the rules check that the original exists in a chat of
the forwarder's with that sender, text and file (name, size, type).
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication

from ..errors import SessionExpired, Unreachable, UserFacingError
from ..models.messages import Message
from .prepare import Prepared

if TYPE_CHECKING:
    from .images import ImageCache
    from .uploads import UploadQueue

translate = QCoreApplication.translate


async def forward_file(msg: Message, source_chat: str, chat_ids: list[str],
                       images: ImageCache, uploads: UploadQueue) -> list[Message]:
    """Queue `msg`'s file (and caption) for each of `chat_ids`, marked forwarded from
    `source_chat`; the pending messages. Raises UserFacingError with a sentence for the user
    when the file cannot be had here (offline and not on this device, deleted, refused)."""
    att = msg.attachment
    if att is None or msg.pending:
        return []
    try:
        original = await images.original(att)
    except (Unreachable, SessionExpired) as exc:
        raise UserFacingError(translate(
            "Attachments", "“{0}” is not on this device yet and the server cannot be "
                           "reached: forward it again when you are online.").format(
                att.name)) from exc
    origin = {"sender": msg.sender, "chatId": source_chat, "messageId": msg.id}
    loop = asyncio.get_running_loop()
    queued: list[Message] = []
    for chat_id in dict.fromkeys(chat_ids):
        dest = uploads.staging(att.name)  # each upload owns its copy (it deletes it when done)
        try:
            await loop.run_in_executor(None, _copy, original, dest)
        except OSError as exc:
            raise UserFacingError(translate(
                "Attachments", "Could not read “{0}”: {1}").format(
                    att.name, exc.strerror or exc)) from exc
        ready = Prepared(dest, att.name, dest.stat().st_size, att.content_type, att.width,
                         att.height)
        sent = uploads.add(chat_id, ready, text=msg.text, forwarded_from=dict(origin))
        if sent.attachment is not None:
            images.set_local(sent.attachment.path, dest)  # its picture at once, as an attach
        queued.append(sent)
    return queued


def _copy(source: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
