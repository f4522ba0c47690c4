"""Persistence without a data folder: nothing survives the process, but the suite still knows
the state (for --export-on-exit) and --import still seeds the database."""

from __future__ import annotations

from pathlib import Path

from .export import read_export
from .tree import apply_writes


class MemoryPersistence:
    def __init__(self, import_dir: Path | str | None = None) -> None:
        self.import_dir = import_dir
        self._roots: dict[str, object] = {}

    def load(self) -> dict[str, object]:
        if self.import_dir is not None:
            self._roots.update(read_export(self.import_dir))
        return dict(self._roots)

    async def append(self, namespace: str, writes: list[tuple[tuple[str, ...], object]]) -> None:
        self._roots[namespace] = apply_writes(self._roots.get(namespace), writes)

    async def close(self) -> None:
        return None

    def export(self, roots: dict[str, object]) -> None:
        self._roots = {ns: root for ns, root in roots.items() if root is not None}

    def roots(self) -> dict[str, object]:
        return dict(self._roots)
