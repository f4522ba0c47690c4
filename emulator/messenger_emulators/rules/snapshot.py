"""RuleDataSnapshot: a read-only view of one location of an immutable tree.

Tree values follow docs/CONTRACTS.md: plain JSON, priorities as ".priority" keys, a leaf with
a priority as {".value": v, ".priority": p}; an object is a dict or, when wide, a Map
(wide_nodes.py). Snapshots never copy the tree.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from messenger_emulators.wide_nodes import Map

from . import errors
from .errors import EvalError

Path = tuple[str, ...]


class ObjectValue:
    """What val() returns for a node with children.

    Firebase's reference: val() on a node with children "will not return an object containing
    the children. It will instead return a special sentinel value", so rules must use child().
    One sentinel for all such nodes; it only supports == / != (two of them are equal).
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return "[object]"


OBJECT = ObjectValue()


def node_at(value: Any, path: Path) -> Any:
    for key in path:
        if (type(value) is not dict and type(value) is not Map) or key[:1] == ".":
            return None
        value = value.get(key)
        if value is None:
            return None
    return value


@lru_cache(maxsize=4096)
def split_child_path(text: str) -> Path:
    # Cached: rules pass the same few literal paths ('members', 'chats/' + id) again and again.
    return tuple(part for part in text.split("/") if part)


def leaf_value(node: Any) -> Any:
    if type(node) is dict or type(node) is Map:
        if ".value" in node:
            return node[".value"]
        return OBJECT
    return node


class RuleSnapshot:
    __slots__ = ("root", "path", "node")

    def __init__(self, root: Any, path: Path, node: Any = ...) -> None:
        self.root = root
        self.path = path
        self.node = node_at(root, path) if node is ... else node

    def __repr__(self) -> str:
        return f"<snapshot /{'/'.join(self.path)}>"

    # --- the rules API -----------------------------------------------------------------
    def val(self) -> Any:
        node = self.node
        if type(node) is dict or type(node) is Map:
            return node[".value"] if ".value" in node else OBJECT
        return node

    def child(self, path: Any) -> RuleSnapshot:
        if type(path) is not str:
            raise EvalError(errors.RT_ARG.format(name="child", expected="string",
                                                 got=type_name(path)))
        parts = split_child_path(path)
        if not parts:
            return RuleSnapshot(self.root, self.path, None)
        node = self.node
        for key in parts:
            if (type(node) is not dict and type(node) is not Map) or key[:1] == ".":
                node = None
                break
            node = node.get(key)
            if node is None:
                break
        return RuleSnapshot(self.root, self.path + parts, node)

    def parent(self) -> RuleSnapshot:
        if not self.path:
            raise EvalError(errors.RT_NO_PARENT)
        return RuleSnapshot(self.root, self.path[:-1])

    def hasChild(self, path: Any) -> bool:  # noqa: N802 - the rules language's name
        if type(path) is not str:
            raise EvalError(errors.RT_ARG.format(name="hasChild", expected="string",
                                                 got=type_name(path)))
        parts = split_child_path(path)
        return bool(parts) and node_at(self.node, parts) is not None

    def hasChildren(self, names: Any = None) -> bool:  # noqa: N802
        node = self.node
        if names is None:
            return (type(node) is dict or type(node) is Map) and \
                any(k[:1] != "." for k in node)
        for name in names:
            if not self.hasChild(name):
                return False
        return True

    def exists(self) -> bool:
        return self.node is not None

    def getPriority(self) -> Any:  # noqa: N802
        node = self.node
        return node.get(".priority") if type(node) is dict or type(node) is Map else None

    def isNumber(self) -> bool:  # noqa: N802
        v = self.val()
        return type(v) is int or type(v) is float

    def isString(self) -> bool:  # noqa: N802
        return type(self.val()) is str

    def isBoolean(self) -> bool:  # noqa: N802
        return type(self.val()) is bool


def type_name(value: Any) -> str:
    """The rules language's name for a run-time value (for messages)."""
    if value is None:
        return "null"
    t = type(value)
    if t is bool:
        return "boolean"
    if t is int or t is float:
        return "number"
    if t is str:
        return "string"
    if t is RuleSnapshot:
        return "snapshot"
    if t is ObjectValue or t is dict:
        return "object"
    if t is list:
        return "array"
    return "regular expression" if hasattr(value, "search") else t.__name__
