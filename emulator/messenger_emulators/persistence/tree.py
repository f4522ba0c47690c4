"""Replay resolved writes (docs/CONTRACTS.md shape) onto a private tree, in place.

Replay only ever runs on a tree freshly parsed from the snapshot and the log, which nobody
else holds yet, so it mutates dicts directly: O(depth) per write, where copy-on-write would
copy every dict along the path (a chat with 10,000 messages costs 10,000 entries a write).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeGuard

Path = tuple[str, ...]
PRIORITY = ".priority"


def _is_empty(node: object) -> bool:
    # A dict left with nothing but its priority is gone in Firebase: no children, no node.
    return isinstance(node, dict) and all(key == PRIORITY for key in node)


def _is_parent(node: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(node, dict) and ".value" not in node


def _as_parent(node: object) -> dict:
    """A fresh parent in place of a leaf (or nothing) on a write's path. A leaf's priority
    stays with the node, as the database's own tree does (database/tree.py set_at)."""
    if isinstance(node, dict) and PRIORITY in node:
        return {PRIORITY: node[PRIORITY]}
    return {}


def set_in_place(root: object, path: Path, value: object) -> object:
    """Write `value` (None deletes) at `path`; returns the root (a new object only when the
    root itself is replaced)."""
    if not path:
        return None if value is None or _is_empty(value) else value
    if not _is_parent(root):
        if value is None:
            return root  # deleting under a leaf (or nothing) changes nothing
        root = _as_parent(root)  # a leaf (or nothing) on the way down becomes a parent
    assert isinstance(root, dict)
    node, trail = root, []
    for key in path[:-1]:
        child = node.get(key)
        if not _is_parent(child):
            if value is None:
                return root  # the parent of the deleted location does not exist
            child = node[key] = _as_parent(child)
        trail.append((node, key))
        node = child
    if value is None or _is_empty(value):
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    while trail and _is_empty(node):
        parent, key = trail.pop()
        del parent[key]
        node = parent
    return None if _is_empty(root) else root


def apply_in_place(root: object, writes: Iterable[tuple[Path, object]]) -> object:
    for path, value in writes:
        root = set_in_place(root, tuple(path), value)
    return root


def from_json(value: object) -> object:
    """A JSON document (an import file) as a stored value: lists become "0".."n" objects, nulls
    and empty objects vanish, exactly as Firebase stores an uploaded document."""
    if isinstance(value, list):
        value = {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        out = {}
        for key, child in value.items():
            stored = from_json(child)
            if stored is not None:
                out[str(key)] = stored
        return None if _is_empty(out) else out
    return value
