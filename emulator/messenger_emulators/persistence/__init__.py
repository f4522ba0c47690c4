"""Durability for the database emulator: the journal behind --data, and import/export.

Entry point for the database component (docs/CONTRACTS.md, Persistence protocol):

    from messenger_emulators.persistence import open_persistence
    persistence = open_persistence(options)   # SuiteOptions; None: nothing to load or keep
    roots = persistence.load()                # namespace -> root: journal + --import applied
    persistence.append_then(namespace, writes, durable)   # after each commit (see Persistence)
    await persistence.close()                 # at stop

The suite (`Suite.persistence`) creates it once; the database component should take it from
there (`suite.persistence`) so that --export-on-exit sees the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from .errors import PersistenceError

if TYPE_CHECKING:
    from ..suite.options import SuiteOptions
    from .export import read_auth_export, read_export, write_export
    from .journal import Journal
    from .memory import ImportedData

__all__ = [
    "Durable",
    "ImportedData",
    "Journal",
    "Persistence",
    "PersistenceError",
    "open_persistence",
    "read_auth_export",
    "read_export",
    "write_export",
]

# Imported on first use: `messenger-emulators start` without --data never loads the journal.
_LAZY = {
    "Journal": ".journal",
    "ImportedData": ".memory",
    "read_auth_export": ".export",
    "read_export": ".export",
    "write_export": ".export",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Log bytes before a compaction (default 64 MB); tests set it low to compact under load. Read
# by the entry point (suite/cli.py) into SuiteOptions.compact_bytes.
COMPACT_ENV = "MESSENGER_EMULATORS_COMPACT_BYTES"


Writes = list[tuple[tuple[str, ...], object]]
Durable = Callable[[BaseException | None], None]  # told once the writes are on disk (or not)


class Persistence(Protocol):
    """The one durability seam of the database (its engine calls it; the journal and the
    import-only store implement it)."""

    def load(self) -> dict[str, object]:
        """namespace -> root, at start (journal replayed, --import applied)."""
        ...

    def append_then(self, namespace: str, writes: Writes, durable: Durable) -> None:
        """Queue one commit's writes, in commit order; call `durable(None)` on the event loop
        once they are on disk, `durable(error)` if they cannot be (possibly before this
        returns). Raises at once if the store is closed or has failed. A callback, not a
        future: the database answers in the loop iteration that learns of the sync."""
        ...

    async def close(self) -> None: ...

    def export(self, roots: dict[str, object]) -> None: ...


def open_persistence(options: SuiteOptions) -> Persistence | None:
    """Journal on options.data_dir; without one, only the --import data (or nothing at all:
    then the database needs no persistence and answers writes without waiting)."""
    if options.data_dir:
        from .journal import DEFAULT_COMPACT_BYTES, Journal

        compact_bytes = options.compact_bytes or DEFAULT_COMPACT_BYTES
        return Journal(options.data_dir, compact_bytes=compact_bytes,
                       import_dir=options.import_dir)
    if options.import_dir:
        from .memory import ImportedData

        return ImportedData(options.import_dir)
    return None
