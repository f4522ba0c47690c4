"""Each function's own environment, as Cloud Functions gives it, inside the one shared worker.

On Cloud Functions every function runs in its own instances, each with its own FUNCTION_TARGET
(the entry point), FUNCTION_SIGNATURE_TYPE, K_SERVICE (the function's name), K_REVISION and
PORT. The worker serves all functions of a project in one process, so `os.environ` becomes a
view that answers those keys with the values of the function the current thread is running
(set by the worker before it calls into the function), and otherwise with the process's own
environment. Reads through `os.environ[...]`, `os.environ.get`, `os.getenv`, iteration and
`copy()` all see the function's values.

What does not see them: code that runs outside a call (module import, threads the function
starts itself) sees the worker's defaults, and programs started with `subprocess` inherit the
process environment unless given `env=os.environ.copy()`. K_REVISION is "1" and PORT the
worker's port, as the official emulator sets them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, MutableMapping
from typing import Any

PER_FUNCTION_KEYS = ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION")
_current = threading.local()


def function_values(name: str, entry_point: str, signature_type: str) -> dict[str, str]:
    return {"FUNCTION_TARGET": entry_point, "FUNCTION_SIGNATURE_TYPE": signature_type,
            "K_SERVICE": name, "K_REVISION": "1"}


class FunctionEnviron(MutableMapping):
    """`os.environ` with the running function's values on top (writes go to the process)."""

    def __init__(self, base: MutableMapping[str, str]) -> None:
        self._base = base

    @staticmethod
    def _overlay() -> dict[str, str] | None:
        return getattr(_current, "values", None)

    def __getitem__(self, key: str) -> str:
        overlay = self._overlay()
        if overlay is not None and key in overlay:
            return overlay[key]
        return self._base[key]

    def __setitem__(self, key: str, value: str) -> None:
        self._base[key] = value

    def __delitem__(self, key: str) -> None:
        del self._base[key]

    def __iter__(self) -> Iterator[str]:
        overlay = self._overlay() or {}
        yield from overlay
        yield from (k for k in self._base if k not in overlay)

    def __len__(self) -> int:
        overlay = self._overlay() or {}
        return len(self._base) + sum(1 for k in overlay if k not in self._base)

    def __contains__(self, key: object) -> bool:
        overlay = self._overlay()
        return (overlay is not None and key in overlay) or key in self._base

    def copy(self) -> dict[str, str]:
        return dict(self.items())

    def __repr__(self) -> str:
        return f"environ({self.copy()!r})"

    def __getattr__(self, name: str) -> Any:  # encodekey, putenv helpers some code peeks at
        return getattr(self._base, name)


def install() -> None:
    """Make `os.environ` (and so `os.getenv`) per-function views; idempotent."""
    if not isinstance(os.environ, FunctionEnviron):
        # on purpose: a view over the same environment, nothing is cleared or copied
        os.environ = FunctionEnviron(os.environ)  # type: ignore[assignment]  # noqa: B003


def enter(values: dict[str, str] | None) -> None:
    """The current thread now runs the function with these values (None: no function)."""
    _current.values = values
