"""Firebase push ids: 8 chars of millisecond time + 12 random chars, in Firebase's 64-char
alphabet that sorts like ASCII. Within one millisecond the random part is incremented, so ids
made by one generator are strictly increasing (chronological)."""

from __future__ import annotations

import secrets
import time

PUSH_CHARS = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def _random_digits() -> list[int]:
    # One call to the OS for all 12 digits (a call per digit cost ~100 us per id); 256 is a
    # multiple of 64, so the low 6 bits of a uniform byte are a uniform digit.
    return [b & 63 for b in secrets.token_bytes(12)]


class PushIdGenerator:
    def __init__(self) -> None:
        self._last_ms = -1
        self._last_rand = [0] * 12
        self._stamp = ""          # the 8 time characters of _last_ms

    def next_id(self, now_ms: int | None = None) -> str:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        # never go back in time: a clock step backwards keeps ids increasing
        if now <= self._last_ms:
            now = self._last_ms
            for i in range(11, -1, -1):
                if self._last_rand[i] != 63:
                    self._last_rand[i] += 1
                    break
                self._last_rand[i] = 0
            else:   # 64**12 ids in one millisecond: move on to the next one
                now += 1
                self._last_rand = _random_digits()
        else:
            self._last_rand = _random_digits()
        if now != self._last_ms or not self._stamp:
            stamp = []
            t = now
            for _ in range(8):
                stamp.append(PUSH_CHARS[t % 64])
                t //= 64
            self._stamp = "".join(reversed(stamp))
        self._last_ms = now
        return self._stamp + "".join([PUSH_CHARS[i] for i in self._last_rand])


def timestamp_of(push_id: str) -> int:
    """The milliseconds encoded in a push id's first 8 characters."""
    t = 0
    for ch in push_id[:8]:
        t = t * 64 + PUSH_CHARS.index(ch)
    return t
