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


class WritesByPath:
    """A commit's writes, found by listener path without scanning them all: a multi-path
    update of a whole group (the unread trigger writes ~400 paths under 200 members'
    userChats) reaches 200 listeners, and each listener scanning all 400 cost O(200 x 400)
    path comparisons a message."""

    def __init__(self, writes: list[tuple[Path, Any]]) -> None:
        self.writes = writes
        self.paths = {w for w, _ in writes}
        self.by_depth: dict[int, dict[Path, list[tuple[Path, Any]]]] = {}

    def relevant(self, path: Path) -> list[tuple[Path, Any]]:
        """The writes at, above or below `path`, in commit order."""
        depth = len(path)
        index = self.by_depth.get(depth)
        if index is None:
            index = self.by_depth[depth] = {}
            for write in self.writes:
                if len(write[0]) >= depth:
                    index.setdefault(write[0][:depth], []).append(write)
        found = [(path[:i], None) for i in range(depth) if path[:i] in self.paths]
        return found + index.get(path, [])


def plain_events(commit: Commit, path: Path,
                 writes: list[tuple[Path, Any]] | None = None) -> bytes | None:
    """Events for a listener on `path` without a query, as one encoded chunk (or None).

    A write at or above `path` is a `put` at `/` of the new value; a PUT below it a `put` at
    its relative path. A multi-path update (PATCH) is one `patch` whose keys are the written
    paths relative to the event's path, each with the value written there (null: deleted), as
    Firebase's servers merge (docs/database.md, "Streaming"): an event is as large as what
    changed under the listener, never as its siblings.
    """
    under: list[Path] = []
    for w, _ in commit.writes if writes is None else writes:  # writes: WritesByPath's choice
        if is_prefix(w, path):
            old, new = tree.get(commit.old_root, path), tree.get(commit.new_root, path)
            if not _changed(old, new):
                return None
            return put_frame("/", tree.export(new))
        if is_prefix(path, w):
            if _changed(tree.get(commit.old_root, w), tree.get(commit.new_root, w)):
                under.append(w)
    if not under:
        return None
    base = commit.update_base
    if base is None:
        if len(under) == 1:
            rel = under[0][len(path):]
            return put_frame(_rel(rel), tree.export(tree.get(commit.new_root, under[0])))
        base = path  # several writes of one request that is not a PATCH: merge them here
    elif not is_prefix(path, base):
        base = path  # the update's location is above the listener: keys relative to it
    # writes of one request never overlap, and each lies strictly below the update's location
    data = {"/".join(w[len(base):]): tree.export(tree.get(commit.new_root, w)) for w in under}
    return frame("patch", {"path": _rel(base[len(path):]), "data": data})


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
