"""A local copy of a streamed subtree, kept current by `put` and `patch` events.

Firebase streams send `{"path": "/a/b", "data": ...}`: `put` replaces the value at that path
(null removes it), `patch` replaces only the listed children. `apply_event` edits the local
copy in place and says which top-level children changed, so a model can update just those rows
instead of rebuilding (a 10,000-message snapshot must not be re-walked for each new message).
"""

from __future__ import annotations

from typing import Any

ALL = None  # "every child may have changed" (a put at the root)


def split_path(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def _set(root: Any, parts: list[str], value: Any) -> Any:
    """Set root[parts] = value in place (None deletes, pruning empty parents); returns root."""
    if not parts:
        return value
    if not isinstance(root, dict):
        root = {}
    node = root
    trail: list[tuple[dict, str]] = []
    for key in parts[:-1]:
        child = node.get(key)
        if not isinstance(child, dict):
            if value is None:
                return root  # nothing to delete
            child = {}
            node[key] = child
        trail.append((node, key))
        node = child
    if value is None:
        node.pop(parts[-1], None)
        # Firebase stores no empty objects: deleting the last child removes the parent.
        for parent, key in reversed(trail):
            if parent[key]:
                break
            del parent[key]
    else:
        node[parts[-1]] = value
    return root if root else None


def set_path(root: Any, parts: list[str], value: Any) -> Any:
    """Set root[parts] = value in place (None deletes, pruning emptied parents); the new root."""
    return _set(root, parts, value)


def apply_event(root: Any, event: str, path: str, data: Any) -> tuple[Any, set[str] | None]:
    """Apply one stream event. Returns (new root, changed top-level keys or ALL)."""
    parts = split_path(path)
    if event == "put":
        root = _set(root, parts, data)
        return root, (ALL if not parts else {parts[0]})
    if event == "patch":
        if not isinstance(data, dict):
            return root, set()
        # Each key is a path below `path` ("a" or "a/b/c": a multi-path update), its value
        # replaces what is there (null removes it), in the order given.
        changed: set[str] = set()
        whole = False
        for rel, value in data.items():
            sub = parts + split_path(str(rel))
            root = _set(root, sub, value)
            if sub:
                changed.add(sub[0])
            else:
                whole = True
        return root, (ALL if whole else changed)
    return root, set()


def apply_event_paths(root: Any, event: str, path: str, data: Any
                      ) -> tuple[Any, dict[str, list[list[str]] | None] | None]:
    """`apply_event`, saying also what changed below each top-level child: `{child: [the
    written paths below it, as parts]}`, None for a child written whole, ALL (None) for the
    whole tree. A model can then update in proportion to the change (models/chat_entry.py)."""
    parts = split_path(path)
    if event == "put":
        root = _set(root, parts, data)
        if not parts:
            return root, ALL
        return root, {parts[0]: [parts[1:]] if len(parts) > 1 else None}
    if event != "patch" or not isinstance(data, dict):
        return root, {}
    changed: dict[str, list[list[str]] | None] = {}
    for rel, value in data.items():
        sub = parts + split_path(str(rel))
        root = _set(root, sub, value)
        if not sub:
            return root, ALL
        below = changed.get(sub[0], [])
        if len(sub) == 1 or below is None:
            changed[sub[0]] = None
        else:
            below.append(sub[1:])
            changed[sub[0]] = below
    return root, changed
