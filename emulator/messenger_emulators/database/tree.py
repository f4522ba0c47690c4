"""Copy-on-write tree operations on stored values (see docs/CONTRACTS.md, "Tree values").

Stored form: JSON objects, no lists, no None children, no empty objects; a node's priority
is the key ".priority"; a leaf with a priority is {".value": v, ".priority": p}. An object is a
dict, or past WIDE children an `immutables.Map` (wide_nodes.py: a write then copies O(log n)
of it, not its n children). Values are never mutated after they are stored, so every old root
stays a valid snapshot.
"""

from __future__ import annotations

import json
import re
from typing import Any

from messenger_emulators.wide_nodes import Map, children, is_node, plain, with_child, without_child

from . import messages as msg
from .errors import bad_request
from .paths import Path, key_problem

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_SHORT_STRING = msg.MAX_STRING_BYTES // 4     # shorter strings cannot pass the byte limit
_SAFE_KEY_CHARS = msg.MAX_KEY_BYTES // 4
_FORBIDDEN_IN_KEYS = re.compile(r"[.$#\[\]/\x00-\x1f\x7f]")


def get(root: Any, path: Path) -> Any:
    node = root
    for key in path:
        t = type(node)
        if (t is not dict and t is not Map) or ".value" in node:
            return None
        node = node.get(key)
        if node is None:
            return None
    return node


def set_at(root: Any, path: Path, value: Any) -> Any:
    """A new root with `value` (None deletes) at `path`, sharing every untouched subtree."""
    if not path:
        return value
    key = path[0]
    t = type(root)
    if (t is dict or t is Map) and ".value" not in root:
        node = root
    elif (t is dict or t is Map) and ".priority" in root:
        node = {".priority": root[".priority"]}   # a leaf with priority becomes a node
    else:
        node = {}
    child = node.get(key)
    new_child = set_at(child, path[1:], value)
    if new_child is child:
        return root          # unchanged, or deleting something that is not there
    if new_child is not None:
        return with_child(node, key, new_child)
    new = without_child(node, key)
    if not any(k != ".priority" for k in new):
        return None
    return new


def same(a: Any, b: Any) -> bool:
    """Equal as database values (Python's == says True == 1; the database does not)."""
    if a is b:
        return True
    if type(a) is Map or type(b) is Map:   # no C-speed == between a Map and a dict
        return is_node(a) and is_node(b) and len(a) == len(b) and \
            all(k in b and same(v, b[k]) for k, v in a.items())
    if a != b:          # C-speed answer for real changes; equal needs the strict walk
        return False
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, bool) or isinstance(b, bool):
        return False
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def leaf_value(value: Any) -> Any:
    """The primitive at a node (None for objects), unwrapping a leaf priority."""
    if is_node(value):
        return value.get(".value")
    return value


def priority_of(value: Any) -> Any:
    if is_node(value):
        return value.get(".priority")
    return None


def _array_of(obj: dict) -> list | None:
    """Firebase renders an object as an array when every key is a canonical non-negative
    integer and more than half of the indexes up to the largest are present."""
    top = -1
    for key in obj:
        if not key.isdigit() or (key[0] == "0" and len(key) > 1) or not key.isascii():
            return None
        top = max(top, int(key))
    if top < 0 or len(obj) * 2 <= top + 1:
        return None
    return [obj.get(str(i)) for i in range(top + 1)]


def export(value: Any) -> Any:
    """A stored value as a plain read returns it: priorities stripped, arrays rebuilt."""
    t = type(value)
    if t is not dict and t is not Map:
        return value
    if ".value" in value:
        return value[".value"]
    out = {k: (export(c) if type(c) is dict or type(c) is Map else c)
           for k, c in children(value)}
    out.pop(".priority", None)
    arr = _array_of(out)
    return out if arr is None else arr


def shallow(value: Any) -> Any:
    value = export_shallow_source(value)
    if is_node(value):
        return {k: (True if is_node(c) and ".value" not in c else leaf_value(c))
                for k, c in children(value) if k != ".priority"}
    return value


def export_shallow_source(value: Any) -> Any:
    if is_node(value) and ".value" in value:
        return value[".value"]
    return value


def json_size(value: Any) -> int:
    return len(json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)
               .encode("utf-8"))


def _where(raw: str, key: str) -> str:
    """Firebase's error names the line:column of the offending key in the request body."""
    index = raw.find(json.dumps(key)[:-1]) if raw else -1
    if index < 0:
        return "1:1"
    line = raw.count("\n", 0, index) + 1
    col = index - (raw.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{col}"


def _check_server_value(sv: Any) -> None:
    if sv == "timestamp":
        return
    if isinstance(sv, dict) and set(sv) == {"increment"}:
        delta = sv["increment"]
        if isinstance(delta, (int, float)) and not isinstance(delta, bool):
            return
    raise bad_request(msg.INVALID_SERVER_VALUE.format(value=json.dumps(sv)))


class Normalizer:
    """Turns client JSON into the stored form, validating keys, depth and sizes.

    Server values are kept as {".sv": ...} markers (validated) and resolved by
    `resolve_server_values` against the data they apply to."""

    def __init__(self, raw: str = "") -> None:
        self.raw = raw
        self.has_server_values = False

    def value(self, value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is str and len(value) <= _SHORT_STRING:
            return value            # the common leaves first: big payloads are mostly leaves
        if kind is bool or kind is float or value is None or (
                kind is int and INT64_MIN <= value <= INT64_MAX):
            return value
        if depth > msg.MAX_DEPTH:
            raise bad_request(msg.DATA_TOO_DEEP.format(path="the written location",
                                                       limit=msg.MAX_DEPTH))
        if value is None or isinstance(value, (bool, float)):
            return value
        if isinstance(value, int):
            # the database stores 64-bit integers; larger ones become doubles, as in Firebase
            return value if INT64_MIN <= value <= INT64_MAX else float(value)
        if isinstance(value, str):
            if len(value) > msg.MAX_STRING_BYTES // 4 and \
                    len(value.encode("utf-8")) > msg.MAX_STRING_BYTES:
                raise bad_request(msg.STRING_TOO_LONG)
            return value
        if isinstance(value, list):
            value = {str(i): v for i, v in enumerate(value)}
        if not isinstance(value, dict):
            raise bad_request(msg.INVALID_JSON)
        if ".sv" in value:
            if len(value) != 1:
                raise bad_request(msg.INVALID_SERVER_VALUE.format(value=json.dumps(value)))
            _check_server_value(value[".sv"])
            self.has_server_values = True
            return {".sv": value[".sv"]}
        priority = value.get(".priority")
        if priority is not None and (isinstance(priority, bool)
                                     or not isinstance(priority, (str, int, float))):
            raise bad_request(msg.INVALID_PRIORITY)
        if ".value" in value:
            if set(value) - {".value", ".priority"}:
                raise bad_request(msg.INVALID_VALUE_NODE)
            inner = self.value(value[".value"], depth)
            if inner is None or priority is None:
                return inner
            if isinstance(inner, dict) and ".sv" not in inner:
                return {**inner, ".priority": priority}
            return {".value": inner, ".priority": priority}
        out: dict[str, Any] = {}
        child_depth = depth + 1
        if child_depth > msg.MAX_DEPTH:     # children would sit deeper than the limit
            raise bad_request(msg.DATA_TOO_DEEP.format(path="the written location",
                                                       limit=msg.MAX_DEPTH))
        suspicious = _FORBIDDEN_IN_KEYS.search
        for key, child in value.items():
            if not key or suspicious(key) or len(key) > _SAFE_KEY_CHARS:
                if key == ".priority":
                    continue
                self._check_key(key)
            kind = type(child)
            # leaves inline: a big payload is mostly leaves, and a call per leaf is the cost
            if kind is str and len(child) <= _SHORT_STRING or kind is bool or kind is float \
                    or (kind is int and INT64_MIN <= child <= INT64_MAX):
                out[key] = child
            elif child is not None:
                stored = self.value(child, child_depth)
                if stored is not None:
                    out[key] = stored
        if not out:
            return None
        if priority is not None:
            out[".priority"] = priority
        return out


    def _check_key(self, key: str) -> None:
        problem = key_problem(key)
        if problem == "too long":
            raise bad_request(msg.KEY_TOO_LONG.format(key=key[:40] + "..."))
        if problem is not None:
            raise bad_request(msg.INVALID_KEY.format(where=_where(self.raw, key)))


def resolve_server_values(value: Any, current: Any, now: int) -> Any:
    """Replaces {".sv": ...} markers; `current` is the stored value the write replaces."""
    if not isinstance(value, dict):
        return value
    if ".sv" in value:
        sv = value[".sv"]
        if sv == "timestamp":
            return now
        delta = sv["increment"]
        base = leaf_value(current)
        if isinstance(base, bool) or not isinstance(base, (int, float)):
            return delta
        total = base + delta
        if isinstance(total, int) and not INT64_MIN <= total <= INT64_MAX:
            return float(base) + float(delta)
        return total
    if ".value" in value:
        inner = resolve_server_values(value[".value"], leaf_value(current), now)
        return {".value": inner, ".priority": value[".priority"]}
    cur = current if is_node(current) and ".value" not in current else {}
    return {k: (c if k == ".priority" else resolve_server_values(c, cur.get(k), now))
            for k, c in value.items()}


def depth_of(value: Any) -> int:
    if not is_node(value) or ".value" in value:
        return 0
    return 1 + max((depth_of(c) for k, c in value.items() if k != ".priority"), default=0)
