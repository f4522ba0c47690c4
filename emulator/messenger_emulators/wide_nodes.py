"""Wide nodes of the database's stored tree: persistent maps, so a write costs O(log n).

The database keeps every version of its tree it still needs (a commit's old and new roots until
it is delivered, the durable root for reads) by copy-on-write: a write copies each node on its
path. A plain dict copies all its children, so a write into a chat of n messages cost O(n)
(a 5,000-message chat: ~60 µs a write, and growing). A node with more than WIDE children is
therefore an `immutables.Map` (a hash array mapped trie, in C): `set`/`delete` return a new
map sharing all but O(log n) of the old one, in about a microsecond at any size.

Small nodes stay plain dicts: they are the common case, and every reader handles them at C
speed. So a stored node is a dict or a Map; readers test with `is_node` (or `type(x) is dict
or type(x) is Map`), never `isinstance(x, dict)`. A Map has no insertion order: its children
are listed in Firebase's key order (`key_rank`: 32-bit integer keys numerically, then strings),
the order of Firebase's own sorted children. `plain` turns a value into plain dicts (in that
order) for JSON: exports, snapshots, ETags.

This module imports nothing of the database, so the rules and the functions host use it too.
"""

from __future__ import annotations

from typing import Any

from immutables import Map

WIDE = 64               # a node with more children than this is stored as a Map
NODE_TYPES = (dict, Map)
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

__all__ = ["Map", "NODE_TYPES", "WIDE", "children", "is_node", "key_rank", "plain",
           "with_child", "without_child"]


def is_node(value: Any) -> bool:
    """A stored object node (children, or a leaf with a priority), dict or Map."""
    t = type(value)
    return t is dict or t is Map


def key_rank(key: str) -> tuple:
    """Firebase's key order: keys that parse as 32-bit integers first, numerically, then the
    other keys as strings."""
    if key.lstrip("-").isdigit() and key.isascii() and key == str(int(key)):
        number = int(key)
        if _INT32_MIN <= number <= _INT32_MAX:
            return (0, number)
    return (1, key)


def children(node: Any) -> Any:
    """(key, child) pairs of a node in output order: a dict's as stored, a Map's by key."""
    if type(node) is Map:
        return sorted(node.items(), key=lambda kv: key_rank(kv[0]))
    return node.items()


def with_child(node: Any, key: str, child: Any) -> Any:
    """A new node: `node` (a dict or a Map, left unchanged) with `key` set to `child`."""
    if type(node) is Map:
        return node.set(key, child)
    if len(node) >= WIDE:
        return Map(node).set(key, child)   # once per node: O(n), then O(log n) a write
    new = dict(node)
    new[key] = child
    return new


def without_child(node: Any, key: str) -> Any:
    """A new node: `node` without `key` (which it holds)."""
    if type(node) is Map:
        return node.delete(key)
    if len(node) > WIDE:
        return Map(node).delete(key)
    new = dict(node)
    del new[key]
    return new


def plain(value: Any) -> Any:
    """The value with every Map turned into a dict (by key order), for JSON; the stored form
    is otherwise kept (priorities, {".value": v, ".priority": p} leaves). Dicts without a Map
    below them are returned as they are."""
    t = type(value)
    if t is Map:
        return {k: plain(c) for k, c in children(value)}
    if t is not dict:
        return value
    out = None
    for k, c in value.items():
        if type(c) is dict or type(c) is Map:
            converted = plain(c)
            if converted is not c:
                if out is None:
                    out = dict(value)
                out[k] = converted
    return value if out is None else out
