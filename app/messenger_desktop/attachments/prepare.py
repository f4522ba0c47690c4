"""Getting a file ready to upload, off the GUI thread: its type, size and limits, and for a
picture its EXIF rotation applied and its EXIF location (GPS) stripped.

A JPEG, PNG or WebP picture whose EXIF says it is rotated, or that carries a location, is
written again upright without the GPS block (JPEG at quality 92); other pictures and files
are copied as they are. The copy lives in the app's data folder (`uploads/`), so a file
queued while offline is sent after a restart even if the original moved. Every refusal is a
sentence for the user.
"""

from __future__ import annotations

import mimetypes
import shutil
from dataclasses import dataclass
from pathlib import Path

from messenger_model import attachments
from PySide6.QtCore import QCoreApplication

from ..errors import UserFacingError

translate = QCoreApplication.translate

ORIENTATION = 0x0112
GPS_IFD = 0x8825
# Pictures larger than this are sent as files (no decoding of 100-megapixel surprises).
MAX_PICTURE_PIXELS = 60_000_000


@dataclass(frozen=True)
class Prepared:
    local: Path  # the copy to upload
    name: str  # the user's file name
    size: int
    content_type: str
    width: int = 0
    height: int = 0


def content_type_of(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return (guessed or "application/octet-stream").lower()


def human_size(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def check_limits(name: str, size: int, content_type: str, max_bytes: int) -> None:
    """Raise UserFacingError when the rules would refuse this file."""
    if size > max_bytes:
        raise UserFacingError(translate(
            "Attachments", "“{0}” is {1}; files can be at most {2}.").format(
                name, human_size(size), human_size(max_bytes)))
    if attachments.content_type_problem(content_type):
        raise UserFacingError(translate(
            "Attachments", "“{0}” cannot be sent: web pages, SVG and script files are "
                           "refused.").format(name))


def prepare(source: Path, dest: Path, max_bytes: int, name: str = "") -> Prepared:
    """Copy `source` to `dest` ready for upload (blocking: run it in a worker thread)."""
    name = name or source.name
    try:
        size = source.stat().st_size
    except OSError as exc:
        raise UserFacingError(translate("Attachments", "Could not read “{0}”: {1}").format(
            name, exc.strerror or exc)) from exc
    if not source.is_file():
        raise UserFacingError(translate("Attachments", "“{0}” is not a file.").format(name))
    content_type = content_type_of(name)
    check_limits(name, size, content_type, max_bytes)
    dest.parent.mkdir(parents=True, exist_ok=True)
    width = height = 0
    if content_type in attachments.IMAGE_TYPES:
        try:
            width, height = _picture(source, dest, content_type)
        except (OSError, ValueError):
            width = height = 0  # not decodable: sent as the bytes it is, shown as a file
    if not dest.exists():
        try:
            shutil.copyfile(source, dest)
        except OSError as exc:
            raise UserFacingError(translate("Attachments", "Could not read “{0}”: {1}").format(
                name, exc.strerror or exc)) from exc
    size = dest.stat().st_size
    check_limits(name, size, content_type, max_bytes)
    # A "picture" that does not decode is still sent under its type: receivers decode with
    # Qt and fall back to a file bubble, so nothing depends on the claim.
    return Prepared(dest, name, size, content_type, width, height)


def _picture(source: Path, dest: Path, content_type: str) -> tuple[int, int]:
    """Write `source` upright and without GPS to `dest` when needed; (width, height)."""
    import warnings

    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            img = Image.open(source)
        except Image.DecompressionBombWarning as exc:
            raise ValueError(str(exc)) from exc
    with img:
        if img.width * img.height > MAX_PICTURE_PIXELS:
            raise ValueError("too many pixels")
        exif = img.getexif()
        rotated = exif.get(ORIENTATION, 1) not in (0, 1)
        located = GPS_IFD in exif
        animated = getattr(img, "is_animated", False)
        if animated or content_type == "image/gif" or not (rotated or located):
            width, height = img.size
            if rotated:
                if exif.get(ORIENTATION) in (5, 6, 7, 8):
                    width, height = height, width
            return width, height
        upright = ImageOps.exif_transpose(img) or img
        exif = upright.getexif()
        exif.pop(ORIENTATION, None)
        exif.pop(GPS_IFD, None)
        fmt = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}[content_type]
        options: dict = {"exif": exif.tobytes()}
        if fmt == "JPEG":
            options["quality"] = 92
            if upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
        upright.save(dest, fmt, **options)
        return upright.size
