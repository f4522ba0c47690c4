"""Keys and paths: Firebase's naming limits, checked once where data enters."""

from __future__ import annotations

import re
from urllib.parse import unquote

from . import messages as msg
from .errors import bad_request

Path = tuple[str, ...]

_FORBIDDEN = re.compile(r"[.$#\[\]/\x00-\x1f\x7f]")
_SAFE_CHARS = msg.MAX_KEY_BYTES // 4     # a key this short cannot pass 768 UTF-8 bytes


def key_problem(key: str) -> str | None:
    """None when `key` is a valid child name, else why not."""
    if not key:
        return "empty"
    if _FORBIDDEN.search(key):
        return "forbidden character"
    if len(key) > _SAFE_CHARS and len(key.encode("utf-8")) > msg.MAX_KEY_BYTES:
        return "too long"
    return None


def is_valid_key(key: str) -> bool:
    return key_problem(key) is None


def parse_url_path(raw: str) -> Path:
    """The database path of a REST URL path (raw, still percent-encoded, without `.json`)."""
    parts = [unquote(p) for p in raw.split("/") if p]
    for part in parts:
        if key_problem(part) is not None:
            raise bad_request(msg.INVALID_PATH)
    if len(parts) > msg.MAX_DEPTH:
        raise bad_request(msg.PATH_TOO_DEEP.format(limit=msg.MAX_DEPTH))
    return tuple(parts)


def parse_relative(text: str) -> Path:
    """A slash-separated relative path as used in PATCH keys and orderBy children."""
    parts = [p for p in text.split("/") if p]
    for part in parts:
        if key_problem(part) is not None:
            raise bad_request(msg.INVALID_PATH)
    return tuple(parts)


def to_str(path: Path) -> str:
    return "/" + "/".join(path)


def is_prefix(prefix: Path, path: Path) -> bool:
    return path[: len(prefix)] == prefix
