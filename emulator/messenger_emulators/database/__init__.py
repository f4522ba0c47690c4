"""Realtime Database emulator: tree, queries, REST, streaming (docs/database.md)."""

from .engine import Commit, DatabaseEngine, Persistence
from .identity import Identity, InvalidToken

__all__ = ["Commit", "DatabaseEngine", "Identity", "InvalidToken", "Persistence"]
