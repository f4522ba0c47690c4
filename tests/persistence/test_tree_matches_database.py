"""Replay (in place) must build the very tree the database built (copy-on-write), for any
sequence of resolved writes: both sides of a restart see the same data."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_emulators import wide_nodes
from messenger_emulators.database import tree as database_tree
from messenger_emulators.persistence.tree import apply_in_place

KEYS = st.sampled_from(["a", "b", "0", "1"])
PRIMITIVES = st.one_of(st.integers(-3, 3), st.booleans(), st.sampled_from(["", "s"]))


def stored(children):
    """Values as the database stores them: no empty dicts, priorities on leaves and nodes."""
    leaf = st.one_of(PRIMITIVES, st.builds(lambda v, p: {".value": v, ".priority": p},
                                          PRIMITIVES, st.integers(0, 2)))
    node = st.dictionaries(KEYS, children, min_size=1).flatmap(
        lambda d: st.one_of(st.just(d), st.integers(0, 2).map(lambda p: {**d, ".priority": p})))
    return st.one_of(leaf, node)


VALUES = st.recursive(stored(PRIMITIVES), stored, max_leaves=6)
WRITES = st.lists(
    st.tuples(st.lists(KEYS, max_size=3).map(tuple), st.one_of(st.none(), VALUES)),
    min_size=1, max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(WRITES)
def test_in_place_replay_equals_the_database_tree(writes):
    expected = None
    for path, value in writes:
        expected = database_tree.set_at(expected, path, value)
    # replay mutates: give it its own copy of the values, as a freshly parsed log would
    assert apply_in_place(None, copy.deepcopy(writes)) == expected


@settings(max_examples=150, deadline=None)
@given(WRITES)
def test_in_place_replay_equals_the_database_tree_of_maps(writes):
    """The same with every database node a Map (wide_nodes.py): replay builds plain dicts,
    equal to the Map tree once it is plain (what a snapshot or an export writes)."""
    original, wide_nodes.WIDE = wide_nodes.WIDE, 0
    try:
        expected = None
        for path, value in writes:
            expected = database_tree.set_at(expected, path, value)
    finally:
        wide_nodes.WIDE = original
    assert apply_in_place(None, copy.deepcopy(writes)) == wide_nodes.plain(expected)
