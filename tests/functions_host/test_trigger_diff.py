"""changed_nodes against a brute-force oracle, on random trees and writes (hypothesis)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_emulators.functions_host.manifest import DatabaseTrigger, parse_ref
from messenger_emulators.functions_host.triggers import changed_nodes, delta_of, get, plain

KEYS = st.sampled_from(["a", "b", "c"])
leaf = st.one_of(st.integers(0, 3), st.booleans(), st.sampled_from(["x", "y"]))
tree = st.recursive(leaf, lambda kids: st.dictionaries(KEYS, kids, min_size=1, max_size=3),
                    max_leaves=12)
path = st.lists(KEYS, max_size=4).map(tuple)
PATTERNS = ["/{x}", "/a/{y}", "/{x}/{y}", "/{x}/b/{z}", "/a/b/c", "/{x}/{y}/{z}/{w}"]


def set_at(root: Any, location: tuple[str, ...], value: Any) -> Any:
    """Copy-on-write set, pruning empty dicts (the database's tree semantics)."""
    if not location:
        return value
    node = dict(root) if isinstance(root, dict) else {}
    child = set_at(node.get(location[0]), location[1:], value)
    if child is None:
        node.pop(location[0], None)
    else:
        node[location[0]] = child
    return node or None


def all_paths(root: Any, depth: int, prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    if depth == 0:
        return {prefix} if root is not None else set()
    if not isinstance(root, dict):
        return set()
    return set().union(*[all_paths(v, depth - 1, prefix + (k,)) for k, v in root.items()])


def oracle(trigger: DatabaseTrigger, old: Any, new: Any) -> set[tuple[str, ...]]:
    depth = len(trigger.segments)
    nodes = all_paths(old, depth) | all_paths(new, depth)
    return {p for p in nodes if all(s.matches(k) for s, k in zip(trigger.segments, p,
                                                                   strict=True))
            and get(old, p) != get(new, p)}


@settings(max_examples=300, deadline=None)
@given(old=st.one_of(st.none(), tree), writes=st.lists(st.tuples(path, st.one_of(st.none(),
                                                                                  tree)),
                                                     min_size=1, max_size=3),
       pattern=st.sampled_from(PATTERNS))
def test_changed_nodes_matches_brute_force(old, writes, pattern) -> None:
    trigger = DatabaseTrigger("google.firebase.database.ref.v1.written", pattern, "*",
                              parse_ref(pattern))
    new = old
    for location, value in writes:
        new = set_at(new, location, value)
    found = changed_nodes(trigger, writes, old, new)
    assert {p for p, _, _ in found} == oracle(trigger, old, new)
    assert len(found) == len({p for p, _, _ in found})  # one event per node per commit
    for p, before, after in found:
        assert before == get(old, p) and after == get(new, p)


def test_priorities_are_stripped() -> None:
    value = {".priority": 1, "a": {".value": 5, ".priority": 2}}
    assert plain(value) == {"a": 5}


def test_shared_subtrees_are_not_walked() -> None:
    shared = {"m1": {"t": 1}}
    old = {"messages": {"c1": shared}}
    new = {"messages": {"c1": shared, "c2": {"m2": {"t": 2}}}}
    trigger = DatabaseTrigger("x", "/messages/{c}/{m}", "*", parse_ref("/messages/{c}/{m}"))
    assert [p for p, _, _ in changed_nodes(trigger, [(("messages",), new["messages"])], old,
                                           new)] == [("messages", "c2", "m2")]


def test_delta_names_removed_children() -> None:
    assert delta_of({"a": 1, "b": 2}, {"a": 3}) == {"a": 3, "b": None}
    assert delta_of(None, {"a": 1}) == {"a": 1}
    assert delta_of({"a": 1}, None) is None
    assert delta_of(1, 2) == 2


def test_params_from_path() -> None:
    trigger = DatabaseTrigger("x", "/messages/{chatId}/{messageId}", "*",
                              parse_ref("/messages/{chatId}/{messageId}"))
    assert trigger.params(("messages", "c1", "m1")) == {"chatId": "c1", "messageId": "m1"}
