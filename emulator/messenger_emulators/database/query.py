"""REST queries: orderBy / startAt / startAfter / endAt / endBefore / equalTo / limitToFirst /
limitToLast.

startAfter / endBefore exclude the bound itself (every child whose order value equals it), as
the SDKs' startAfter(value) / endBefore(value). With shallow=true and no orderBy the children
are ordered by key and bounds may be bare keys: firebase-tools lists children that way
(`GET path.json?shallow=true&limitToFirst=N&startAfter=KEY`, src/database/listRemote.ts).

Ordering follows Firebase: null < false < true < numbers < strings < objects, ties broken by
key; for $key, keys that parse as 32-bit integers come first, numerically, then strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from messenger_emulators.rules import QueryInfo
from messenger_emulators.wide_nodes import is_node, key_rank

from . import messages as msg
from .errors import bad_request
from .paths import Path, parse_relative, to_str
from .tree import get, leaf_value, priority_of

QUERY_PARAMS = ("orderBy", "startAt", "startAfter", "endAt", "endBefore", "equalTo",
                "limitToFirst", "limitToLast")


@dataclass(frozen=True)
class Query:
    order_by: str                    # "$key" | "$value" | "$priority" | "child"
    child: Path = ()
    start_at: Any = None
    end_at: Any = None
    equal_to: Any = None
    has_start: bool = False
    has_end: bool = False
    has_equal: bool = False
    limit_first: int | None = None
    limit_last: int | None = None
    start_after: bool = False        # the start bound is exclusive (startAfter)
    end_before: bool = False         # the end bound is exclusive (endBefore)

    def info(self) -> QueryInfo:
        """The `query` variable of query-based rules."""
        return QueryInfo(
            order_by_key=self.order_by == "$key",
            order_by_value=self.order_by == "$value",
            order_by_priority=self.order_by == "$priority",
            order_by_child="/".join(self.child) if self.order_by == "child" else None,
            start_at=self.start_at, end_at=self.end_at, equal_to=self.equal_to,
            limit_to_first=self.limit_first, limit_to_last=self.limit_last)

    def cache_key(self) -> tuple:
        return (self.order_by, self.child, json.dumps([self.start_at, self.end_at,
                self.equal_to, self.has_start, self.has_end, self.has_equal]),
                self.limit_first, self.limit_last, self.start_after, self.end_before)


def _primitive(name: str, text: str, order_by: str, bare_keys: bool = False) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        if bare_keys:
            return text
        raise bad_request(msg.CONSTRAINT_NOT_PRIMITIVE) from None
    if bare_keys and not isinstance(value, str):
        return text  # a key that reads as JSON (123, true): still the key
    if isinstance(value, (dict, list)):
        raise bad_request(msg.CONSTRAINT_NOT_PRIMITIVE)
    if order_by == "$key" and not isinstance(value, str):
        raise bad_request(msg.KEY_INDEX_TYPE)
    return value


def _limit(name: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise bad_request(msg.BAD_LIMIT.format(name=name)) from None
    if value <= 0:
        raise bad_request(msg.BAD_LIMIT.format(name=name))
    return value


def parse_query(params: Mapping[str, str], getall: Any = None,
                shallow: bool = False) -> Query | None:
    """The query of a request's parameters, or None when it has none. `getall(name)` lists
    repeated values (orderBy given twice is an error). With `shallow` a query without orderBy
    is ordered by key, its bounds bare keys."""
    present = [p for p in QUERY_PARAMS if p in params]
    if not present:
        return None
    bare_keys = shallow and "orderBy" not in params
    if bare_keys:
        return _query("$key", (), params, bare_keys=True)
    if "orderBy" not in params:
        raise bad_request(msg.ORDER_BY_REQUIRED)
    if getall is not None and len(getall("orderBy")) > 1:
        raise bad_request(msg.ORDER_BY_INVALID)
    try:
        order = json.loads(params["orderBy"])
    except ValueError:
        raise bad_request(msg.ORDER_BY_INVALID) from None
    if not isinstance(order, str) or not order:
        raise bad_request(msg.ORDER_BY_INVALID)
    child: Path = ()
    kind = order
    if order not in ("$key", "$value", "$priority"):
        if order.startswith("$"):
            raise bad_request(msg.ORDER_BY_INVALID)
        kind, child = "child", parse_relative(order)
        if not child:
            raise bad_request(msg.ORDER_BY_INVALID)
    return _query(kind, child, params)


def _query(kind: str, child: Path, params: Mapping[str, str], bare_keys: bool = False) -> Query:
    for a, b in (("startAt", "startAfter"), ("endAt", "endBefore")):
        if a in params and b in params:
            raise bad_request(msg.BOUND_TWICE.format(a=a, b=b))
    fields: dict[str, Any] = {}
    for name, attr in (("startAt", "start_at"), ("startAfter", "start_at"),
                       ("endAt", "end_at"), ("endBefore", "end_at"), ("equalTo", "equal_to")):
        if name in params:
            fields[attr] = _primitive(name, params[name], kind, bare_keys)
    if "equal_to" in fields and ("start_at" in fields or "end_at" in fields):
        raise bad_request(msg.EQUAL_WITH_RANGE)
    first = _limit("limitToFirst", params["limitToFirst"]) if "limitToFirst" in params else None
    last = _limit("limitToLast", params["limitToLast"]) if "limitToLast" in params else None
    if first is not None and last is not None:
        raise bad_request(msg.BOTH_LIMITS)
    return Query(order_by=kind, child=child, limit_first=first, limit_last=last,
                 has_start="start_at" in fields, has_end="end_at" in fields,
                 has_equal="equal_to" in fields, start_after="startAfter" in params,
                 end_before="endBefore" in params, **fields)


def required_index(query: Query) -> str | None:
    """The `.indexOn` entry a REST query needs (keys and priorities are always indexed)."""
    if query.order_by == "$value":
        return ".value"
    if query.order_by == "child":
        return "/".join(query.child)
    return None


def index_error(query: Query, path: Path) -> str:
    return msg.INDEX_NOT_DEFINED.format(index=required_index(query), path=to_str(path))


def value_rank(value: Any) -> tuple:
    if value is None:
        return (0,)
    if value is False:
        return (1,)
    if value is True:
        return (2,)
    if isinstance(value, (int, float)):
        return (3, value)
    if isinstance(value, str):
        return (4, value)
    return (5,)




def priority_rank(priority: Any) -> tuple:
    if priority is None:
        return (0,)
    if isinstance(priority, (int, float)):
        return (1, priority)
    return (2, priority)


def _node_value(node: Any) -> Any:
    """The comparable value of a node: a primitive, or {} standing for 'an object'."""
    if is_node(node) and ".value" not in node:
        return {}
    return leaf_value(node)


def _rank_of(query: Query, key: str, node: Any) -> tuple:
    if query.order_by == "$key":
        return key_rank(key)
    if query.order_by == "$priority":
        return priority_rank(priority_of(node))
    if query.order_by == "$value":
        return value_rank(_node_value(node))
    return value_rank(_node_value(get(node, query.child)))


def _bound_rank(query: Query, bound: Any) -> tuple:
    if query.order_by == "$key":
        return key_rank(bound)
    if query.order_by == "$priority":
        return priority_rank(bound) if not isinstance(bound, bool) else (0,)
    return value_rank(bound)


def run(query: Query, node: Any) -> Any:
    """The children of `node` the query selects, in query order, still in stored form."""
    if not is_node(node) or ".value" in node:
        return node
    ranked = sorted(((_rank_of(query, k, c), key_rank(k), k, c)
                     for k, c in node.items() if k != ".priority"),
                    key=lambda item: (item[0], item[1]))
    if query.has_equal:
        target = _bound_rank(query, query.equal_to)
        ranked = [r for r in ranked if r[0] == target]
    if query.has_start:
        low = _bound_rank(query, query.start_at)
        ranked = [r for r in ranked if (r[0] > low if query.start_after else r[0] >= low)]
    if query.has_end:
        high = _bound_rank(query, query.end_at)
        ranked = [r for r in ranked if (r[0] < high if query.end_before else r[0] <= high)]
    if query.limit_first is not None:
        ranked = ranked[: query.limit_first]
    if query.limit_last is not None:
        ranked = ranked[-query.limit_last:]
    # an empty selection is an empty object, a missing location stays null
    return {k: c for _, _, k, c in ranked}


def _order_key(query: Query, key: str, node: Any) -> tuple:
    return (_rank_of(query, key, node), key_rank(key))


def _passes(query: Query, rank: tuple) -> bool:
    if query.has_equal and rank != _bound_rank(query, query.equal_to):
        return False
    if query.has_start:
        low = _bound_rank(query, query.start_at)
        if rank < low or (query.start_after and rank == low):
            return False
    if query.has_end:
        high = _bound_rank(query, query.end_at)
        if rank > high or (query.end_before and rank == high):
            return False
    return True


def update_window(query: Query, old: Any, node: Any, changed: set[str]) -> Any:
    """The query result after only the children `changed` of `node` changed, computed from
    the previous result `old` in O(window) instead of sorting every child (a new message
    in a long chat under limitToLast). Returns None when only a full run() is exact: a
    child left a full window, so the next candidate from outside would be needed."""
    if not isinstance(old, dict) or not is_node(node) or ".value" in node:
        return None
    limit = query.limit_first if query.limit_first is not None else query.limit_last
    was_full = limit is not None and len(old) >= limit
    window = {k: c for k, c in old.items() if k not in changed}
    for key in changed:
        child = node.get(key)
        if child is not None and key != ".priority" and \
                _passes(query, _rank_of(query, key, child)):
            window[key] = child
    ordered = sorted(window.items(), key=lambda kv: _order_key(query, kv[0], kv[1]))
    if limit is None:
        return dict(ordered)
    kept = ordered[:limit] if query.limit_first is not None else ordered[-limit:]
    if was_full:
        # children outside the old window rank strictly beyond its edge (ranks are a total
        # order: ties are broken by key); the new window is exact when it is still full and
        # nothing in it lies beyond that edge, else the next candidate could be outside
        first = query.limit_first is not None
        edge_key, edge_node = next(reversed(old.items())) if first else next(iter(old.items()))
        edge = _order_key(query, edge_key, edge_node)
        if len(kept) < limit:
            return None
        for key, child in kept:
            rank = _order_key(query, key, child)
            if (rank > edge) if first else (rank < edge):
                return None
    return dict(kept)
