"""What a commit means for one listened location: the `put`/`patch` events to send.

Computed once per commit per distinct (path, query) and encoded once, so fan-out to many
streams of the same location costs one JSON encoding.
"""

from __future__ import annotations

import json
from typing import Any

from . import tree
from .engine import Commit
from .paths import Path, is_prefix
from .query import Query, run, update_window


def frame(event: str, data: Any) -> bytes:
    return f"event: {event}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


def put_frame(path: str, data: Any) -> bytes:
    return frame("put", {"path": path, "data": data})


def _rel(parts: Path) -> str:
    return "/" + "/".join(parts)


def _changed(a: Any, b: Any) -> bool:
    return not tree.same(a, b)


def plain_events(commit: Commit, path: Path) -> bytes | None:
    """Events for a listener on `path` without a query, as one encoded chunk (or None)."""
    under: list[Path] = []
    for w, _ in commit.writes:
        if is_prefix(w, path):
            old, new = tree.get(commit.old_root, path), tree.get(commit.new_root, path)
            if not _changed(old, new):
                return None
            return put_frame("/", tree.export(new))
        if is_prefix(path, w):
            rel = w[len(path):]
            if _changed(tree.get(commit.old_root, w), tree.get(commit.new_root, w)):
                under.append(rel)
    if not under:
        return None
    if len(under) == 1 and commit.update_base is None:
        return put_frame(_rel(under[0]), tree.export(tree.get(commit.new_root, path + under[0])))
    # an update, or several changes below: one patch at their common parent, one key per
    # changed child (its whole new value, so applying the patch key by key is exact)
    common: Path = under[0][:-1]
    for rel in under[1:]:
        n = 0
        while n < min(len(common), len(rel)) and common[n] == rel[n]:
            n += 1
        common = common[:n]
    # writes of one request never overlap, so every change lies strictly below `common`
    base = path + common
    data = {}
    for rel in under:
        key = rel[len(common)]
        data[key] = tree.export(tree.get(commit.new_root, base + (key,)))
    return frame("patch", {"path": _rel(common), "data": data})


class QueryView:
    """The last result a query listener was sent; diffs it against each new result."""

    def __init__(self, query: Query, node: Any) -> None:
        self.query = query
        self.result = run(query, node)

    def initial(self) -> Any:
        return _export_result(self.result)

    def update(self, commit: Commit, path: Path) -> bytes | None:
        node = tree.get(commit.new_root, path)
        changed = _changed_children(commit, path)
        new = None if changed is None else update_window(self.query, self.result, node, changed)
        if new is None:
            new = run(self.query, node)
        old, self.result = self.result, new
        if not isinstance(old, dict) or not isinstance(new, dict):
            if _changed(old, new):
                return put_frame("/", _export_result(new))
            return None
        data: dict[str, Any] = {}
        for key, value in new.items():
            if key not in old or _changed(old[key], value):
                data[key] = tree.export(value)
        for key in old:
            if key not in new:
                data[key] = None
        if not data:
            return None
        return frame("patch", {"path": "/", "data": data})


def _changed_children(commit: Commit, path: Path) -> set[str] | None:
    """The children of `path` a commit wrote under; None when it wrote at or above it."""
    keys: set[str] = set()
    for w, _ in commit.writes:
        if is_prefix(w, path):
            return None
        if is_prefix(path, w):
            keys.add(w[len(path)])
    return keys


def _export_result(result: Any) -> Any:
    if isinstance(result, dict):
        return {k: tree.export(v) for k, v in result.items()}
    return tree.export(result)
