"""ETags: a hash of the value at a location (with priorities); `null_etag` for no data."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from messenger_emulators.wide_nodes import is_node, plain

from .messages import NULL_ETAG


def etag_of(value: Any) -> str:
    if value is None:
        return NULL_ETAG
    text = json.dumps(plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")


class EtagMemo:
    """The last ETag computed at each location, reused while the value there is the same object.

    Trees are copy-on-write (tree.set_at), so an unchanged object is an unchanged value. A
    conditional write hashes the value it replaces, and its answer the value it wrote; the
    next conditional write at that location (a transaction's next step: the unread trigger
    writes the same locations over and over) then finds its ETag here instead of serializing
    and hashing the value again."""

    LIMIT = 4096

    def __init__(self) -> None:
        self._known: dict[tuple[str, tuple[str, ...]], tuple[Any, str]] = {}

    def of(self, namespace: str, path: tuple[str, ...], value: Any) -> str:
        if not is_node(value):               # null and leaves: cheap, and not worth keeping
            return etag_of(value)
        key = (namespace, path)
        known = self._known.get(key)
        if known is not None and known[0] is value:
            return known[1]
        tag = etag_of(value)
        if len(self._known) >= self.LIMIT:
            self._known.clear()
        self._known[key] = (value, tag)
        return tag
