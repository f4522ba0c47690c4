"""Pictures and files of messages: thumbnails decoded off the GUI thread, kept on disk and in
a small in-memory cache, and originals downloaded on demand.

A thumbnail is looked for, in order: decoded already (memory, least recently used dropped
past MEMORY_BUDGET bytes), on disk (`cache/thumbs/`), the original on disk (`cache/files/`:
the sender's own upload is moved there, anything opened or saved is downloaded there), the
thumbnail function's `thumbs/<path>` in Storage (it may not exist yet: asked again a few
times over THUMB_WAIT_S), and last the original, scaled here. Decoding runs in a thread of its
own (QImageReader: scaled while decoding, EXIF orientation applied). A 404 of the original
marks the path missing: the bubble says "file no longer available". Nothing here raises into
the GUI: a failure leaves the bubble as a file.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import shutil
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from messenger_model.attachments import Attachment
from PySide6.QtCore import QObject, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QImageReader, QImageWriter, QPainter, QPainterPath

from ..errors import SessionExpired, Unreachable
from .storage_api import NotAvailable, Progress, StorageApi

log = logging.getLogger(__name__)

RADIUS = 8.0  # a picture's rounded corners in its bubble
THUMB_BOX = 260  # the largest side of a picture in a bubble (logical pixels)
MEMORY_BUDGET = 40 * 1024 * 1024  # decoded thumbnails kept in memory
THUMB_WAIT_S = (0.3, 0.6, 1.2, 2.0, 3.0)  # asking for a thumbnail the function may not have made
ORIGINAL_FALLBACK_MAX = 25 * 1024 * 1024


def box_size(width: int, height: int, box: int = THUMB_BOX) -> QSize:
    """The size a width x height picture is shown at in a bubble (never enlarged past 1:1
    below 120 px, so a tiny picture stays clickable)."""
    if width <= 0 or height <= 0:
        return QSize(box, box * 3 // 4)
    scale = min(box / width, box / height)
    w, h = max(1, round(width * scale)), max(1, round(height * scale))
    if max(w, h) < 120:
        grow = 120 / max(w, h)
        w, h = round(w * grow), round(h * grow)
    return QSize(min(w, box), min(h, box))


def decode(file: Path, box: int, target: QSize | None = None,
           radius: float = 0.0) -> QImage | None:
    """`file` decoded upright and scaled to fit `box` (blocking: runs in the decode thread).
    With `target`, scaled to exactly that size and, with `radius`, its corners rounded, so
    painting it is a plain copy (a scaled or clipped drawImage cost ~3 ms a bubble)."""
    reader = QImageReader(str(file))
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and (size.width() > box or size.height() > box):
        # The box is square, so fitting before or after the EXIF rotation is the same.
        reader.setScaledSize(size.scaled(box, box, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        return None
    if target is not None and image.size() != target:
        image = image.scaled(target, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                             Qt.TransformationMode.SmoothTransformation)
        x, y = (image.width() - target.width()) // 2, (image.height() - target.height()) // 2
        image = image.copy(x, y, target.width(), target.height())
    elif max(image.width(), image.height()) > box:  # a reader that could not scale
        image = image.scaled(box, box, Qt.AspectRatioMode.KeepAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
    image = image.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)
    if radius > 0:
        rounded = QImage(image.size(), QImage.Format.Format_ARGB32_Premultiplied)
        rounded.fill(Qt.GlobalColor.transparent)
        painter = QPainter(rounded)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        path = QPainterPath()
        path.addRoundedRect(QRectF(0, 0, image.width(), image.height()), radius, radius)
        painter.setClipPath(path)
        painter.drawImage(0, 0, image)
        painter.end()
        image = rounded
    return image


def _key(path: str) -> str:
    return hashlib.sha256(path.encode("utf-8")).hexdigest()[:40]


class ImageCache(QObject):
    changed = Signal(str)  # an attachment path whose picture or state changed

    def __init__(self, api: StorageApi, folder: Path | None, box: int = THUMB_BOX,
                 budget: int = MEMORY_BUDGET) -> None:
        super().__init__()
        self._api = api
        self._folder = (folder / "cache") if folder else None
        self.box = box
        self._budget = budget
        self._memory: OrderedDict[str, QImage] = OrderedDict()
        self._bytes = 0
        self._loading: dict[str, asyncio.Task] = {}
        self._local: dict[str, Path] = {}  # path -> a file here (an upload under way)
        self.missing: set[str] = set()
        self._failed: set[str] = set()
        self._decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="image-decode")
        self._closed = False

    # files on disk --------------------------------------------------------------------------
    def _dir(self, kind: str) -> Path:
        base = self._folder or Path(os.path.expanduser("~")) / ".cache" / "messenger"
        return base / kind

    def _thumb_file(self, path: str) -> Path:
        return self._dir("thumbs") / f"{_key(path)}.img"

    def original_file(self, path: str) -> Path:
        return self._dir("files") / f"{_key(path)}.bin"

    def set_local(self, path: str, file: Path) -> None:
        """A file being uploaded to `path`: its picture comes from here meanwhile."""
        self._local[path] = file

    def adopt(self, path: str, file: Path) -> None:
        """The upload of `file` to `path` is done: keep it as the original (moved)."""
        self._local.pop(path, None)
        target = self.original_file(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(file), target)
        except OSError:
            log.debug("could not keep %s", file, exc_info=True)

    def forget_local(self, path: str) -> None:
        self._local.pop(path, None)

    # pictures -------------------------------------------------------------------------------
    def thumbnail(self, att: Attachment) -> QImage | None:
        """The decoded picture, or None while it loads (changed() says when) or if it fails."""
        image = self._memory.get(att.path)
        if image is not None:
            self._memory.move_to_end(att.path)
            return image
        if (att.path not in self._loading and att.path not in self._failed
                and att.path not in self.missing and not self._closed):
            self._loading[att.path] = asyncio.ensure_future(self._load(att))
        return None

    def failed(self, path: str) -> bool:
        return path in self._failed

    def memory_bytes(self) -> int:
        return self._bytes

    def _keep(self, path: str, image: QImage) -> None:
        old = self._memory.pop(path, None)
        if old is not None:
            self._bytes -= old.sizeInBytes()
        self._memory[path] = image
        self._bytes += image.sizeInBytes()
        while self._bytes > self._budget and len(self._memory) > 1:
            _path, dropped = self._memory.popitem(last=False)
            self._bytes -= dropped.sizeInBytes()

    async def _decode(self, file: Path, att: Attachment) -> QImage | None:
        loop = asyncio.get_running_loop()
        target = box_size(att.width, att.height, self.box) if att.width and att.height \
            else None
        return await loop.run_in_executor(self._decoder, decode, file, self.box, target,
                                          RADIUS if target is not None else 0.0)

    async def _load(self, att: Attachment) -> None:
        try:
            image = await self._find(att)
            if image is None:
                self._failed.add(att.path)
            else:
                self._keep(att.path, image)
        except NotAvailable:
            self.missing.add(att.path)
        except (Unreachable, SessionExpired):
            pass  # asked again on the next paint once the connection is back
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("loading the picture of %s failed", att.path)
            self._failed.add(att.path)
        finally:
            self._loading.pop(att.path, None)
        if not self._closed:
            self.changed.emit(att.path)

    async def _find(self, att: Attachment) -> QImage | None:
        for file in (self._local.get(att.path), self._thumb_file(att.path),
                     self.original_file(att.path)):
            if file is not None and file.is_file():
                image = await self._decode(file, att)
                if image is not None:
                    return image
        if att.thumb:
            thumb = self._thumb_file(att.path)
            for wait in (0.0, *THUMB_WAIT_S):
                await asyncio.sleep(wait)
                try:
                    await self._api.download(att.thumb, thumb)
                    return await self._decode(thumb, att)
                except NotAvailable:
                    continue  # not made yet (or the original is gone: found out below)
        if att.size > ORIGINAL_FALLBACK_MAX:
            return None
        file = await self.original(att)
        image = await self._decode(file, att)
        if image is not None:  # keep the small one: the original may be large
            self._thumb_file(att.path).parent.mkdir(parents=True, exist_ok=True)
            QImageWriter(str(self._thumb_file(att.path)), b"png").write(image)
        return image

    async def original(self, att: Attachment, progress: Progress | None = None) -> Path:
        """The original file on disk (downloaded once). Raises NotAvailable for a deleted
        object (and marks it missing), UserFacingError otherwise."""
        file = self._local.get(att.path) or self.original_file(att.path)
        if file.is_file():
            return file
        try:
            return await self._api.download(att.path, file, progress)
        except NotAvailable:
            self.missing.add(att.path)
            self.changed.emit(att.path)
            raise

    def close(self) -> None:
        self._closed = True
        for task in self._loading.values():
            task.cancel()
        self._loading.clear()
        self._decoder.shutdown(wait=False, cancel_futures=True)

