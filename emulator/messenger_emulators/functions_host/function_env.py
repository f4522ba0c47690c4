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

Iteration is hot: `requests` walks the whole environment twice per request looking for
proxies (`urllib.request.getproxies_environment`, through `os.environ.items()`), and the
generic Mapping walk (a `__getitem__` per key, each decoding bytes) cost ~0.5 ms a request,
about 40 % of the unread trigger's CPU. So iteration answers from a decoded copy of the process
environment with the function's values merged in, rebuilt only when the environment changed:
each walk checks the raw environment against the copy's source (one C-speed dict comparison),
so a change made any way (this view, the original `os.environ`, `os.environb`) shows at once.
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
        # (raw environment copied, decoded): what iteration answers from while raw is the same
        self._decoded: tuple[dict, dict[str, str]] | None = None
        # id(overlay) -> (decoded, overlay, merged): the function's values on top, in order
        self._merged: dict[int, tuple[dict[str, str], dict[str, str], dict[str, str]]] = {}

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

    def _process(self) -> dict[str, str]:
        """The process environment, decoded; rebuilt only when it changed."""
        base = self._base
        raw = getattr(base, "_data", None)     # os._Environ's bytes (or str) dict
        if not isinstance(raw, dict):
            return dict(base.items())          # not an os._Environ: walk it
        cached = self._decoded
        if cached is not None and cached[0] == raw:
            return cached[1]
        raw_copy = dict(raw)
        decode_key, decode_value = base.decodekey, base.decodevalue  # type: ignore[attr-defined]
        decoded = {decode_key(k): decode_value(v) for k, v in raw_copy.items()}
        self._decoded = (raw_copy, decoded)
        return decoded

    def _view(self) -> dict[str, str]:
        """What the current thread sees, as one dict (a snapshot: never mutated)."""
        process = self._process()
        overlay = self._overlay()
        if not overlay:
            return process
        entry = self._merged.get(id(overlay))
        if entry is not None and entry[0] is process and entry[1] is overlay:
            return entry[2]
        merged = dict(overlay)
        merged.update((k, v) for k, v in process.items() if k not in overlay)
        self._merged[id(overlay)] = (process, overlay, merged)
        return merged

    def __iter__(self) -> Iterator[str]:
        return iter(self._view())

    def __len__(self) -> int:
        return len(self._view())

    def __contains__(self, key: object) -> bool:
        overlay = self._overlay()
        return (overlay is not None and key in overlay) or key in self._base

    def items(self) -> Any:
        return self._view().items()

    def keys(self) -> Any:
        return self._view().keys()

    def values(self) -> Any:
        return self._view().values()

    def copy(self) -> dict[str, str]:
        return dict(self._view())

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
