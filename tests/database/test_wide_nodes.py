"""Wide nodes (emulator/messenger_emulators/wide_nodes.py): a node past WIDE children is a
persistent map, so a write into a chat of n messages no longer copies its n children, while
every answer stays what the plain-dict tree gave.

`every_node_a_map` sets WIDE to 0 (the in-thread database shares this process): every node a
write passes through becomes a Map, so the REST, streaming, query and rules paths all meet one.
"""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from messenger_emulators import wide_nodes
from messenger_emulators.database import tree
from messenger_emulators.database.etag import etag_of
from messenger_emulators.wide_nodes import Map

from .test_properties import test_query_stream_events_rebuild_the_query_result as query_rebuild
from .test_properties import test_stream_events_rebuild_what_get_returns as stream_rebuild


@pytest.fixture
def every_node_a_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wide_nodes, "WIDE", 0)


def _chat(n: int) -> dict:
    return {f"-M{i:06d}": {"sender": "a", "text": f"m{i}", "ts": i} for i in range(n)}


# ---- the tree -------------------------------------------------------------------------
def test_a_write_into_a_wide_node_allocates_little_whatever_its_size():
    """The fix's point, measured without a clock: a write into a node of 20,000 children
    allocated a copy of all of them (about 1 MB) before; now a few kilobytes."""
    root = tree.set_at(None, ("messages", "c"), _chat(20_000))
    root = tree.set_at(root, ("messages", "c", "-first"), {"ts": 0})    # becomes a Map, once
    tracemalloc.start()
    try:
        for i in range(200):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            root = tree.set_at(root, ("messages", "c", f"-N{i:06d}"), {"ts": i})
            peak = tracemalloc.get_traced_memory()[1] - before
            assert peak < 32_000, f"write {i} allocated {peak} bytes"
    finally:
        tracemalloc.stop()
    assert type(tree.get(root, ("messages", "c"))) is Map
    assert len(tree.get(root, ("messages", "c"))) == 20_201


def test_old_roots_stay_valid_snapshots_of_a_map():
    first = tree.set_at(None, ("c",), _chat(100))
    second = tree.set_at(first, ("c", "-M000005"), None)
    third = tree.set_at(second, ("c", "-new"), {"ts": 1})
    assert type(second["c"]) is Map and type(third["c"]) is Map
    assert tree.export(first) == {"c": tree.export(_chat(100))}     # untouched
    assert "-M000005" not in second["c"] and "-new" not in second["c"]
    assert "-new" in third["c"] and len(third["c"]) == 100
    assert tree.set_at(third, ("c", "-absent"), None) is third      # deleting nothing


def test_a_map_reads_exactly_as_the_same_dict():
    as_dict = {**_chat(80), ".priority": 3, "9": 1, "10": {".value": 2, ".priority": 1}}
    as_map = tree.set_at(as_dict, ("x",), 1)
    as_map = tree.set_at(as_map, ("x",), None)
    assert type(as_map) is Map and type(as_dict) is dict
    assert tree.same(as_map, as_dict) and tree.same(as_dict, as_map)
    assert not tree.same(as_map, {**as_dict, "9": True})        # True is not 1 here either
    assert tree.export(as_map) == tree.export(as_dict)
    assert tree.shallow(as_map) == tree.shallow(as_dict)
    assert tree.plain(as_map) == as_dict
    assert etag_of(as_map) == etag_of(as_dict)
    assert tree.json_size(as_map) == tree.json_size(as_dict)
    assert tree.priority_of(as_map) == 3 and tree.leaf_value(as_map) is None
    # a Map has no insertion order: it lists its children in Firebase's key order
    assert list(tree.export(as_map))[:2] == ["9", "10"]
    assert list(tree.plain(as_map))[:2] == ["9", "10"]


KEYS = st.sampled_from(["a", "b", "1", "10", "-x"])
VALUES = st.recursive(st.none() | st.integers(0, 2) | st.booleans(),
                      lambda kids: st.dictionaries(KEYS, kids, max_size=3), max_leaves=6)
WRITES = st.lists(st.tuples(st.lists(KEYS, max_size=3).map(tuple), VALUES), min_size=1,
                  max_size=15)


@settings(max_examples=200, deadline=None)
@given(WRITES)
def test_every_node_a_map_builds_the_same_tree(writes):
    """The same writes with Maps everywhere and with dicts only: the same stored value."""
    plain_tree = maps = None
    original = wide_nodes.WIDE
    try:
        for path, value in writes:
            stored = tree.Normalizer().value(value, 0)
            wide_nodes.WIDE = 10**9
            plain_tree = tree.set_at(plain_tree, path, stored)
            wide_nodes.WIDE = 0
            maps = tree.set_at(maps, path, stored)
            assert tree.same(maps, plain_tree)
            assert tree.plain(maps) == plain_tree and tree.export(maps) == tree.export(plain_tree)
    finally:
        wide_nodes.WIDE = original


# ---- the database over HTTP, every node a Map ---------------------------------------------
def test_rest_answers_with_maps_everywhere(rest, every_node_a_map):
    rest.put("chat", _chat(5), admin=True)
    for i in range(5, 8):
        assert rest.put(f"chat/-M{i:06d}", {"sender": "a", "text": f"m{i}", "ts": i}).ok
    assert rest.delete("chat/-M000001").ok
    expected = {k: v for k, v in _chat(8).items() if k != "-M000001"}
    assert rest.get("chat").json() == expected
    assert rest.get("chat", params={"format": "export"}).json() == expected
    assert rest.get("chat", params={"shallow": "true"}).json() == {k: True for k in expected}
    last = rest.get("chat", params={"orderBy": '"$key"', "limitToLast": "2"}).json()
    assert list(last) == ["-M000006", "-M000007"]
    stale = rest.get("chat", headers={"X-Firebase-ETag": "true"}).headers["ETag"]
    assert rest.put("chat/-M000000/text", "edited").ok
    assert rest.put("chat", expected, headers={"if-match": stale}).status_code == 412
    current = rest.get("chat", headers={"X-Firebase-ETag": "true"}).headers["ETag"]
    assert current != stale
    assert rest.put("chat", expected, headers={"if-match": current}).ok
    assert rest.get("chat").json() == expected


def test_rules_see_maps_as_objects(rest, every_node_a_map):
    rest.set_rules({"rules": {".read": True, "m": {"$id": {
        ".write": "!data.exists() && newData.hasChildren(['ts'])",
        ".validate": "newData.parent().hasChildren() && newData.parent().child($id).exists()"
                     " && root.child('m/' + $id).val() == null"}}}})
    for i in range(3):
        assert rest.put(f"m/k{i}", {"ts": i}).ok
    assert rest.put("m/k0", {"ts": 9}).status_code == 401       # data.exists() in a Map
    assert rest.get("m").json() == {f"k{i}": {"ts": i} for i in range(3)}


def test_streams_rebuild_what_get_returns_with_maps_everywhere(rest, every_node_a_map):
    stream_rebuild(rest)


def test_query_streams_rebuild_their_results_with_maps_everywhere(rest, every_node_a_map):
    query_rebuild(rest)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(st.tuples(st.sampled_from(["PUT", "PATCH", "DELETE"]),
                                 st.lists(st.sampled_from(["a", "b", "9", "10"]), max_size=2),
                                 st.one_of(st.integers(0, 2),
                                           st.dictionaries(st.sampled_from(["a", "9", "z"]),
                                                           st.integers(0, 2), max_size=2))),
                       min_size=1, max_size=10))
def test_maps_and_dicts_answer_alike_over_http(rest, writes):
    """The same writes to two locations, one with Maps everywhere: the same answers in every
    read format, and the same ETags."""
    original = wide_nodes.WIDE
    try:
        for method, path, value in writes:
            body = value if method != "PATCH" or isinstance(value, dict) else {"k": value}
            for base, wide in (("maps", 0), ("dicts", 10**9)):
                wide_nodes.WIDE = wide
                r = rest.request(method, "/".join([base, *path]), json=body, admin=True)
                assert r.status_code == 200, r.text
    finally:
        wide_nodes.WIDE = original
    for params in ({}, {"format": "export"}, {"shallow": "true"},
                   {"orderBy": '"$key"', "limitToFirst": "2"}):
        a, b = rest.get("maps", params=params, admin=True), rest.get("dicts", params=params,
                                                                      admin=True)
        assert a.status_code == b.status_code and a.json() == b.json()
    tag = {"X-Firebase-ETag": "true"}
    assert rest.get("maps", headers=tag, admin=True).headers["ETag"] == \
        rest.get("dicts", headers=tag, admin=True).headers["ETag"]
    rest.delete("", admin=True)
