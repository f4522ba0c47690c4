"""Listened locations indexed by path, so that a commit visits only the locations it touches.

Without it every commit walked every open location: with 600 streams that was most of the
server's time at a few hundred writes per second (the reliability load test's profile). With
it a commit costs the depth of its written paths plus the locations it really touches.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Path = tuple[str, ...]


class ListenIndex:
    """A trie of path segments; each node holds the locations listened at exactly its path."""

    __slots__ = ("children", "locations")

    def __init__(self) -> None:
        self.children: dict[str, ListenIndex] = {}
        self.locations: list[Any] = []

    def add(self, path: Path, location: Any) -> None:
        node = self
        for key in path:
            node = node.children.setdefault(key, ListenIndex())
        node.locations.append(location)

    def remove(self, path: Path, location: Any) -> None:
        trail: list[tuple[ListenIndex, str]] = []
        node = self
        for key in path:
            child = node.children.get(key)
            if child is None:
                return
            trail.append((node, key))
            node = child
        if location in node.locations:
            node.locations.remove(location)
        # prune the branch that no longer leads to a listener
        for parent, key in reversed(trail):
            child = parent.children[key]
            if child.locations or child.children:
                break
            del parent.children[key]

    def touched(self, written: Iterable[Path]) -> list[Any]:
        """Locations at, above or below any written path: each once, in a stable order."""
        found: dict[int, Any] = {}
        for path in written:
            node = self
            for location in self.locations:          # listeners of the root see everything
                found[id(location)] = location
            for key in path:
                child = node.children.get(key)
                if child is None:
                    break                            # nothing listens below this key
                node = child
                for location in node.locations:      # at or above the written path
                    found[id(location)] = location
            else:
                stack = list(node.children.values())  # below the written path
                while stack:
                    below = stack.pop()
                    for location in below.locations:
                        found[id(location)] = location
                    stack.extend(below.children.values())
        return list(found.values())
