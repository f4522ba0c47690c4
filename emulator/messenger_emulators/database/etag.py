"""ETags: a hash of the value at a location (with priorities); `null_etag` for no data."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from .messages import NULL_ETAG


def etag_of(value: Any) -> str:
    if value is None:
        return NULL_ETAG
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return base64.b64encode(digest).decode("ascii")
