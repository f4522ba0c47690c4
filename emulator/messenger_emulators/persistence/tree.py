"""Apply resolved writes to an immutable tree, copy-on-write (the shape of docs/CONTRACTS.md).

The journal keeps its own view of every namespace's root so that it can write a snapshot at
any moment without asking the database: each write copies only the dicts along its path and
shares the rest, so an old root stays a valid, never-mutated snapshot (a compaction thread
can serialise it while the event loop keeps applying writes).
"""

from __future__ import annotations

from collections.abc import Iterable

Path = tuple[str, ...]
PRIORITY = ".priority"


def _is_empty(node: object) -> bool:
    # A dict left with nothing but its priority is gone in Firebase: no children, no node.
    return isinstance(node, dict) and all(key == PRIORITY for key in node)


def set_value(root: object, path: Path, value: object) -> object:
    """The new root after writing `value` (None deletes) at `path`."""
    if not path:
        return None if value is None or _is_empty(value) else value
    head, rest = path[0], path[1:]
    # A leaf (or nothing) on the way down becomes a fresh parent, as a Firebase write does.
    node = dict(root) if isinstance(root, dict) and ".value" not in root else {}
    child = set_value(node.get(head), rest, value)
    if child is None:
        node.pop(head, None)
    else:
        node[head] = child
    return None if _is_empty(node) else node


def apply_writes(root: object, writes: Iterable[tuple[Path, object]]) -> object:
    for path, value in writes:
        root = set_value(root, tuple(path), value)
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
