"""Persistence for `--import` without `--data`: the import seeds the database at start and
nothing is kept (as the official suite without --export-on-exit)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .export import read_export


class ImportedData:
    def __init__(self, import_dir: Path | str) -> None:
        self.import_dir = import_dir
        self.namespaces: set[str] = set()

    def load(self) -> dict[str, object]:
        roots = read_export(self.import_dir)
        self.namespaces = set(roots)
        return roots

    def append_then(self, namespace: str, writes: list[tuple[tuple[str, ...], object]],
                    durable: Callable[[BaseException | None], None]) -> None:
        self.namespaces.add(namespace)
        durable(None)  # nothing to keep: "durable" at once

    async def close(self) -> None:
        return None

    def export(self, roots: dict[str, object]) -> None:
        return None
