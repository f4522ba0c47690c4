"""Firebase push ids, generated on the client.

A message gets its id before it is sent, so a retried send (after a network loss) writes the
same location again instead of creating a duplicate: PUT to a known key is idempotent.
Same alphabet and layout as the Firebase SDKs: 8 chars of milliseconds, 12 random chars,
incremented when two ids are made in the same millisecond, so ids sort by creation time.
"""

from __future__ import annotations

import secrets
import threading
import time

PUSH_CHARS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

_lock = threading.Lock()
_last_ms = -1
_last_rand: list[int] = [0] * 12


def new_push_id(now_ms: int | None = None) -> str:
    global _last_ms
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if ms == _last_ms:
            # Same millisecond: increment the random part so ids stay strictly increasing.
            i = 11
            while i >= 0 and _last_rand[i] == 63:
                _last_rand[i] = 0
                i -= 1
            if i >= 0:
                _last_rand[i] += 1
        else:
            _last_ms = ms
            for i in range(12):
                _last_rand[i] = secrets.randbelow(64)
        rand = list(_last_rand)
    stamp = []
    for _ in range(8):
        stamp.append(PUSH_CHARS[ms % 64])
        ms //= 64
    return "".join(reversed(stamp)) + "".join(PUSH_CHARS[r] for r in rand)
