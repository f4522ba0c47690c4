"""The thumbnail function (issue 17): on google.cloud.storage.object.v1.finalized of a chat
picture, write a small JPEG of it to `thumbs/<name>` (messenger_model.attachments).

The app shows the thumbnail as soon as it exists and the original on demand. Objects are read
and written with google-cloud-storage (what firebase-admin's `storage.bucket()` wraps), which
talks to the Storage emulator when STORAGE_EMULATOR_HOST is set and needs no credential there;
on Cloud Functions it uses the function's service account. Redelivery is harmless: the same
original makes the same thumbnail. Anything that is not a picture the app would show, a
thumbnail itself, an avatar, too big, or not decodable is skipped with a reason (never an
exception, so a bad upload is not retried forever).
"""

from __future__ import annotations

import io
import logging
import os
import warnings
from typing import Any

from messenger_model import attachments

log = logging.getLogger(__name__)

# Pictures above this many pixels are not decoded at all (a decompression bomb: a few KB of
# PNG can claim 50,000 x 50,000 pixels). 60 MP covers every camera and phone.
MAX_PIXELS = 60_000_000
JPEG_QUALITY = 80

_client: Any = None


def storage_client() -> Any:
    """One google-cloud-storage client per worker (its HTTP session is reused)."""
    global _client
    if _client is None:
        from google.cloud import storage

        project = os.environ.get("GCLOUD_PROJECT") or os.environ.get("GOOGLE_CLOUD_PROJECT")
        _client = storage.Client(project=project)
    return _client


def make_thumbnail(data: bytes, max_px: int = attachments.THUMB_MAX_PX) -> tuple[bytes, int, int]:
    """(JPEG bytes, width, height) of `data` scaled to at most `max_px` on its longer side,
    upright (EXIF orientation applied), without any metadata. Raises ValueError when `data`
    is not a picture Pillow can decode or is too large to decode."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():  # Pillow warns of a likely bomb: refuse it instead
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except Image.DecompressionBombWarning as exc:
        raise ValueError(f"too large: {exc}") from exc
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError) as exc:
        raise ValueError(f"not a decodable picture: {exc}") from exc
    try:
        with img:
            if img.width * img.height > MAX_PIXELS:
                raise ValueError(f"{img.width}x{img.height} pixels is too large")
            # JPEG: decode at 1/2, 1/4 or 1/8 scale straight away (most of the time saved).
            img.draft("RGB", (max_px * 2, max_px * 2))
            img.seek(0)  # a GIF or WebP animation: its first frame
            upright = ImageOps.exif_transpose(img) or img
            upright.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
            if upright.mode in ("RGBA", "LA", "P", "PA"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                upright = flat
            elif upright.mode != "RGB":
                upright = upright.convert("RGB")
            out = io.BytesIO()
            upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False)
            return out.getvalue(), upright.width, upright.height
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, EOFError) as exc:
        raise ValueError(f"not a decodable picture: {exc}") from exc


def _chat_object(data: Any) -> tuple[str, str] | str:
    """(name, bucket) of the event's object when it is a chat attachment, else why not."""
    if not isinstance(data, dict):
        return "skipped: no object"
    name, bucket = data.get("name"), data.get("bucket")
    if not isinstance(name, str) or not isinstance(bucket, str):
        return "skipped: no object"
    if not attachments.is_chat_object(name):
        return "skipped: not a chat attachment"
    return name, bucket


def handle(data: Any) -> str:
    """The finalize event's object (the Cloud Storage JSON API's resource); returns what it
    did, for the log."""
    found = _chat_object(data)
    if isinstance(found, str):
        return found
    name, bucket = found
    if data.get("contentType") not in attachments.IMAGE_TYPES:
        return "skipped: not a picture"
    try:
        size = int(data.get("size") or 0)
    except (TypeError, ValueError):
        size = 0
    if size > attachments.MAX_BYTES:
        return "skipped: too large"
    from google.api_core import exceptions

    source = storage_client().bucket(bucket).blob(name)
    try:
        # This generation only: a replaced or deleted object is not thumbnailed as another.
        generation = data.get("generation")
        body = source.download_as_bytes(
            if_generation_match=int(generation) if generation else None)
    except (exceptions.NotFound, exceptions.PreconditionFailed):
        return "skipped: gone"
    try:
        thumb, width, height = make_thumbnail(body)
    except ValueError as exc:
        return f"skipped: {exc}"
    target = storage_client().bucket(bucket).blob(attachments.thumb_path(name))
    target.cache_control = "private, max-age=31536000"
    target.upload_from_string(thumb, content_type="image/jpeg")
    return f"thumbnail {width}x{height}, {len(thumb)} bytes"


def handle_deleted(data: Any) -> str:
    """google.cloud.storage.object.v1.deleted: a chat attachment's thumbnail goes with it
    (clients may not delete thumbs/, and a deleted message's picture must not linger)."""
    found = _chat_object(data)
    if isinstance(found, str):
        return found
    name, bucket = found
    from google.api_core import exceptions

    try:
        storage_client().bucket(bucket).blob(attachments.thumb_path(name)).delete()
    except exceptions.NotFound:
        return "no thumbnail"
    return "thumbnail deleted"
