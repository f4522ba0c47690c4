"""Attachments (issue 17): where a message's file lives in Cloud Storage, and what it may be.

A message may carry `attachment: {path, name, size, contentType, thumb?, width?, height?}`
(docs/data-model.md). `path` is the object's name in the default bucket; storage.rules decides
from that name alone (it cannot read the database), so the layout below carries what it needs:

    chats/{chatId}/{uploader}/{file}             a direct chat (the id names both members)
    groups/{groupId}/{cap}/{uploader}/{file}     a group: `cap` is a fresh random segment per
                                                 upload, the capability (docs/storage.md)
    thumbs/<one of the above>                    the thumbnail function's JPEG of an image
    avatars/{uid}/{file}                         a person's picture

`file` is chosen by the app (`{messageId}{.ext}`), never the user's own file name (that goes
in `name`): names are rules paths, and a generated one cannot clash or mean another path.
database.rules.json and storage.rules state the same patterns and numbers (a test compares).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from .chats import chat_members

# 25 MB per file. storage.rules' maxBytes() says the same (tests/model compares); the app
# takes a smaller or larger limit from its configuration (`attachmentMaxBytes`), the rules
# are the server's word.
MAX_BYTES = 25 * 1024 * 1024
# Content types the rules refuse: active web content that a browser would render or run if a
# download URL were opened (script on the storage domain). Files of these types are refused
# with a sentence, not renamed into something harmless: the rules cannot see the bytes.
REFUSED_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "image/svg+xml",
    "text/javascript",
    "application/javascript",
    "application/x-javascript",
    "text/xml",
    "application/xml",
)
AVATAR_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
# Images the app shows as pictures (and the thumbnail function makes thumbnails of).
IMAGE_TYPES = AVATAR_TYPES
THUMB_PREFIX = "thumbs/"
THUMB_MAX_PX = 320  # the thumbnail's longer side
CAP_CHARS = 22  # secrets.token_urlsafe(16): 128 random bits

FILE_NAME_PATTERN = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"
CAP_PATTERN = r"[A-Za-z0-9_-]{22,64}"
UID_PATTERN = r"[A-Za-z0-9-]+"
GROUP_PATTERN = r"g-[A-Za-z0-9]{20}"
CONTENT_TYPE_PATTERN = r"[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*"
_DIRECT = re.compile(rf"chats/({UID_PATTERN}_{UID_PATTERN})/({UID_PATTERN})/({FILE_NAME_PATTERN})")
_GROUP = re.compile(rf"groups/({GROUP_PATTERN})/({CAP_PATTERN})/({UID_PATTERN})/"
                    rf"({FILE_NAME_PATTERN})")
_CONTENT_TYPE = re.compile(CONTENT_TYPE_PATTERN)
_EXT = re.compile(r"\.[A-Za-z0-9]{1,10}$")


@dataclass(frozen=True)
class Attachment:
    path: str
    name: str
    size: int
    content_type: str
    thumb: str = ""
    width: int = 0
    height: int = 0

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES

    def as_value(self) -> dict[str, Any]:
        """The database value (messages/{chatId}/{id}/attachment)."""
        value: dict[str, Any] = {"path": self.path, "name": self.name, "size": self.size,
                                 "contentType": self.content_type}
        if self.thumb:
            value["thumb"] = self.thumb
        if self.width > 0 and self.height > 0:
            value["width"], value["height"] = self.width, self.height
        return value


def attachment_from(value: Any) -> Attachment | None:
    """A message's `attachment` as stored, or None when absent or not one (never raises)."""
    if not isinstance(value, dict):
        return None
    path, name, size, ctype = (value.get(k) for k in ("path", "name", "size", "contentType"))
    if not (isinstance(path, str) and isinstance(name, str) and isinstance(ctype, str)):
        return None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    thumb = value.get("thumb")
    width, height = value.get("width"), value.get("height")
    return Attachment(path, name, size, ctype, thumb if isinstance(thumb, str) else "",
                      _dimension(width), _dimension(height))


def _dimension(value: Any) -> int:
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000
    return int(value) if ok else 0


def new_capability() -> str:
    """A group upload's random path segment (128 bits, URL-safe)."""
    return secrets.token_urlsafe(16)


def object_file_name(message_id: str, original_name: str) -> str:
    """`{messageId}{.ext}`: the object's last segment (the extension kept for the viewer)."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "", message_id)[:100] or "file"
    ext = _EXT.search(original_name)
    return stem + (ext.group(0).lower() if ext else "")


def object_path(chat_id: str, uploader: str, message_id: str, original_name: str,
                capability: str = "") -> str:
    """Where an upload to `chat_id` goes (a group needs `capability`, see new_capability)."""
    file = object_file_name(message_id, original_name)
    if re.fullmatch(GROUP_PATTERN, chat_id):
        if not re.fullmatch(CAP_PATTERN, capability):
            raise ValueError("a group upload needs a capability segment")
        return f"groups/{chat_id}/{capability}/{uploader}/{file}"
    if chat_members(chat_id) is None:
        raise ValueError(f"not a chat id: {chat_id!r}")
    return f"chats/{chat_id}/{uploader}/{file}"


def avatar_path(uid: str, version: str) -> str:
    """A person's avatar object; `version` (a push id) makes every new picture a new name,
    so caches keyed by path never show an old one."""
    return f"avatars/{uid}/{object_file_name(version, 'a.jpg')}"


def thumb_path(path: str) -> str:
    return THUMB_PREFIX + path


def is_chat_object(path: str) -> bool:
    """A chat attachment's object name (direct or group), as the rules accept it."""
    return bool(_DIRECT.fullmatch(path) or _GROUP.fullmatch(path))


def group_object(path: str) -> tuple[str, str] | None:
    """(group id, uploader) of a group attachment's object name, as the rules accept it."""
    match = _GROUP.fullmatch(path)
    return (match.group(1), match.group(3)) if match else None


def chat_of(path: str) -> str | None:
    """The chat id an attachment's object name belongs to."""
    match = _DIRECT.fullmatch(path) or _GROUP.fullmatch(path)
    return match.group(1) if match else None


def content_type_problem(content_type: str) -> str:
    """Why the rules would refuse this content type ("" when they accept it)."""
    if not _CONTENT_TYPE.fullmatch(content_type):
        return "unknown"
    if content_type in REFUSED_TYPES:
        return "refused"
    return ""
