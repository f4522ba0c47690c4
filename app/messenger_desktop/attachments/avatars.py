"""People's pictures (issue 17): `users/{uid}/avatar` names an object `avatars/{uid}/{v}.jpg`.

Setting one: the picture is made square (centre crop), 256 px, upright, as a JPEG without
any metadata (no location), uploaded under a new name, then named in the database; the old
object is deleted after. Showing them: `views/avatar.py` asks `image_of(uid)` through the
provider the client installs; pictures load through the ImageCache (off the GUI thread,
cached on disk), and everything painting an avatar falls back to the initials meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from messenger_model.attachments import Attachment, avatar_path, group_object
from messenger_model.chats import is_group_id
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QImage

from ..errors import UserFacingError

if TYPE_CHECKING:
    from ..firebase.db import Database
    from .images import ImageCache
    from .storage_api import StorageApi

log = logging.getLogger(__name__)

translate = QCoreApplication.translate
AVATAR_PX = 256


def prepare_avatar(source: Path, dest: Path) -> Path:
    """`source` as a 256 px square JPEG without metadata at `dest` (blocking)."""
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as img:
                upright = ImageOps.exif_transpose(img) or img
                square = ImageOps.fit(upright.convert("RGB"), (AVATAR_PX, AVATAR_PX),
                                      Image.Resampling.LANCZOS)
                dest.parent.mkdir(parents=True, exist_ok=True)
                square.save(dest, "JPEG", quality=90)
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as exc:
        raise UserFacingError(translate(
            "Attachments", "“{0}” is not a picture that can be used.").format(source.name)) \
            from exc
    return dest


def avatar_attachment(path: str) -> Attachment:
    """An avatar object as the ImageCache loads pictures."""
    return Attachment(path, "avatar.jpg", 0, "image/jpeg", "", AVATAR_PX, AVATAR_PX)


class Avatars:
    """The signed-in client's avatars: whose picture is where, loading, setting, removing."""

    def __init__(self, uid: str, db: Database, api: StorageApi, images: ImageCache,
                 users: Callable[[], Any], chats: Callable[[], Any] = lambda: None) -> None:
        self.uid = uid
        self._db = db
        self._api = api
        self._images = images
        self._users = users  # the streamed users tree
        self._chats = chats  # my streamed userChats tree: a group's entry names its picture
        # What I just set (None: nothing), until the stream brings the same value back.
        self._mine: str | None = None

    def path_of(self, uid: str) -> str:
        if is_group_id(uid):  # a group's picture: set by its admins through the api function
            chats = self._chats()
            entry = chats.get(uid) if isinstance(chats, dict) else None
            group = entry.get("group") if isinstance(entry, dict) else None
            path = group.get("avatar") if isinstance(group, dict) else None
            named = group_object(path) if isinstance(path, str) else None
            return str(path) if named is not None and named[0] == uid else ""
        users = self._users()
        entry = users.get(uid) if isinstance(users, dict) else None
        path = entry.get("avatar") if isinstance(entry, dict) else None
        path = path if isinstance(path, str) and path.startswith(f"avatars/{uid}/") else ""
        if uid == self.uid and self._mine is not None:
            if path == self._mine:
                self._mine = None  # the stream caught up
            return self._mine if self._mine is not None else path
        return path

    def image_of(self, uid: str) -> QImage | None:
        path = self.path_of(uid)
        return self._images.thumbnail(avatar_attachment(path)) if path else None

    async def set_picture(self, source: Path, staging: Path) -> str:
        """Make `source` my picture; returns its object path. Raises UserFacingError."""
        loop = asyncio.get_running_loop()
        file = await loop.run_in_executor(None, prepare_avatar, source, staging)
        old = self.path_of(self.uid)
        path = avatar_path(self.uid, new_push_id())
        await self._api.upload(path, file, "image/jpeg")
        await self._db.put(f"users/{self.uid}/avatar", path)
        self._mine = path
        self._images.adopt(path, file)
        self._images.thumbnail(avatar_attachment(path))  # load it now: changed() follows
        if old:
            await self._delete(old)
        return path

    async def remove(self) -> None:
        old = self.path_of(self.uid)
        await self._db.delete(f"users/{self.uid}/avatar")
        self._mine = ""
        if old:
            await self._delete(old)

    async def _delete(self, path: str) -> None:
        try:
            await self._api.delete(path)
        except UserFacingError as exc:  # an unnamed object left behind, nothing shown
            log.info("could not delete the old picture %s: %s", path, exc)
