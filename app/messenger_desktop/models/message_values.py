"""The stored value of every loaded message, so a stream event that changes one field of a
message (`put /{id}/reactions/{uid}`, `patch /{id}` with `text` and `editedAt`) can be applied
to it and the message read again whole.

The emulator streams a query's changes as whole children; Firebase may send the deeper path
instead, and both must end in the same row.
"""

from __future__ import annotations

import copy
from typing import Any

from ..firebase.tree import set_path


class MessageValues:
    def __init__(self) -> None:
        self._values: dict[str, dict[str, Any]] = {}

    def remember(self, key: str, value: Any) -> None:
        if isinstance(value, dict):
            self._values[key] = value
        else:
            self._values.pop(key, None)

    def forget(self, key: str) -> None:
        self._values.pop(key, None)

    def get(self, key: str) -> dict[str, Any] | None:
        return self._values.get(key)

    def apply(self, key: str, below: list[str], value: Any) -> dict[str, Any] | None:
        """Write `value` at `below` inside message `key`; the message's new value (None: it
        is gone, or it was never loaded and a partial value would make a broken row)."""
        current = self._values.get(key)
        if current is None:
            return None
        updated = set_path(copy.deepcopy(current), below, value)
        self.remember(key, updated)
        return updated if isinstance(updated, dict) else None
