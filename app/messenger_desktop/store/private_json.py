"""Writing a local JSON file that only this user may read, atomically.

The outbox, the upload queue and the drafts hold what the user typed or chose: the file is
created 0600 from the start (no moment where another local user could read it) and replaces
the old one in one rename, so a crash mid-write leaves the previous version, never half a file.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_private_json(path: Path, doc: Any, *, ensure_ascii: bool = True) -> None:
    """Raises OSError; callers log it and keep their in-memory state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=ensure_ascii)
    os.replace(tmp, path)
