"""Pure functions: copy-on-write tree, normalisation, ordering, push ids, identity decoding."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_emulators.database import tree
from messenger_emulators.database.errors import DatabaseError
from messenger_emulators.database.identity import InvalidToken, decode_unverified
from messenger_emulators.database.push_ids import PushIdGenerator, timestamp_of
from messenger_emulators.database.query import Query, key_rank, parse_query, run


def test_set_at_shares_untouched_subtrees_and_prunes_empty_parents():
    root = {"a": {"x": 1}, "b": {"y": {"z": 2}}}
    new = tree.set_at(root, ("a", "x"), 5)
    assert new == {"a": {"x": 5}, "b": {"y": {"z": 2}}}
    assert new["b"] is root["b"] and root["a"] == {"x": 1}
    assert tree.set_at(new, ("b", "y", "z"), None) == {"a": {"x": 5}}
    assert tree.set_at({"a": 1}, ("a", "b"), 2) == {"a": {"b": 2}}
    assert tree.set_at({"a": 1}, ("a", "b"), None) == {"a": 1}
    assert tree.set_at(root, ("q",), None) is root


def test_normalise_lists_nulls_priorities():
    n = tree.Normalizer()
    assert n.value([1, None, {"a": None}], 0) == {"0": 1}
    assert n.value({"a": {}}, 0) is None
    assert n.value({".value": 3, ".priority": 1}, 0) == {".value": 3, ".priority": 1}
    assert n.value({".value": 3}, 0) == 3
    with pytest.raises(DatabaseError):
        n.value({"a": True, ".priority": True}, 0)
    assert n.value(2**70, 0) == float(2**70)


def test_export_strips_priorities_and_rebuilds_arrays():
    stored = {"0": {".value": "a", ".priority": 1}, "1": "b", ".priority": 3}
    assert tree.export(stored) == ["a", "b"]


@given(st.recursive(st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=5),
                    lambda kids: st.dictionaries(st.text("abc", min_size=1, max_size=3), kids,
                                                 max_size=4), max_leaves=20))
@settings(max_examples=80, deadline=None)
def test_write_then_read_round_trips(value):
    stored = tree.Normalizer().value(value, 0)
    root = tree.set_at({"keep": 1}, ("x", "y"), stored)
    assert tree.get(root, ("keep",)) == 1
    assert tree.get(root, ("x", "y")) == stored
    # reading back what was stored gives the value without empty objects and nulls
    again = tree.Normalizer().value(tree.export(stored), 0)
    assert again == stored


def test_mixed_type_ordering_ties_by_key():
    node = {"n": None, "f": False, "t": True, "one": 1, "half": 0.5, "s": "a",
            "o": {"x": 1}, "n2": None}
    q = Query(order_by="$value")
    assert list(run(q, node)) == ["n", "n2", "f", "t", "half", "one", "s", "o"]


def test_key_order_puts_32_bit_ints_first():
    keys = ["b", "10", "9", "-1", "a", "2147483648", "007", "2147483647"]
    assert sorted(keys, key=key_rank) == ["-1", "9", "10", "2147483647", "007",
                                          "2147483648", "a", "b"]


def test_parse_query_errors():
    assert parse_query({}) is None
    with pytest.raises(DatabaseError, match="orderBy must be defined"):
        parse_query({"limitToFirst": "1"})
    with pytest.raises(DatabaseError, match="valid JSON encoded path"):
        parse_query({"orderBy": "name"})
    with pytest.raises(DatabaseError, match="must be string"):
        parse_query({"orderBy": '"$key"', "startAt": "1"})
    with pytest.raises(DatabaseError, match="JSON primitive"):
        parse_query({"orderBy": '"a"', "equalTo": "{}"})
    with pytest.raises(DatabaseError, match="positive integer"):
        parse_query({"orderBy": '"a"', "limitToFirst": "0"})
    q = parse_query({"orderBy": '"a/b"', "startAt": "null", "limitToLast": "3"})
    assert q.child == ("a", "b") and q.has_start and q.start_at is None
    assert q.info().order_by_child == "a/b" and q.info().limit_to_last == 3


def test_push_ids_increase_within_one_millisecond():
    gen = PushIdGenerator()
    ids = [gen.next_id(1_700_000_000_000) for _ in range(1000)]
    assert ids == sorted(ids) and len(set(ids)) == 1000
    assert timestamp_of(ids[0]) == 1_700_000_000_000
    assert gen.next_id(1_600_000_000_000) > ids[-1]      # the clock stepping back


def test_decode_unverified_rejects_garbage():
    for bad in ("owner2", "a.b", "x.y.z", "e30.W10."):
        with pytest.raises(InvalidToken):
            decode_unverified(bad)


_leaf = (st.none() | st.booleans() | st.integers(-5, 5) | st.floats(-5, 5, allow_nan=False)
         | st.sampled_from(["", "a", "b", "ab", "B"]))
_children = st.dictionaries(
    st.text("abcxyz", min_size=1, max_size=3),
    st.one_of(_leaf.filter(lambda v: v is not None),
              st.fixed_dictionaries({}, optional={"h": _leaf, "o": st.just({"x": 1})})),
    min_size=1, max_size=12)


@given(_children, st.sampled_from(["$value", "h", "$key"]))
@settings(max_examples=150, deadline=None)
def test_ordering_matches_firebase_admins_client_sorter(children, order_by):
    """firebase-admin re-sorts query results itself (an independent implementation of the
    documented order); with non-numeric keys the two must agree exactly."""
    from firebase_admin.db import _Sorter

    stored = tree.Normalizer().value(children, 0)
    if not isinstance(stored, dict):
        return
    kind = order_by if order_by.startswith("$") else "child"
    query = Query(order_by=kind, child=("h",) if kind == "child" else ())
    ours = list(run(query, stored))
    theirs = list(_Sorter(tree.export(stored), order_by).get())
    assert ours == theirs


def test_trace_header_is_shortened_to_fit():
    from messenger_emulators.database import messages as msg
    from messenger_emulators.database.http import trace_header

    trace = [{"operation": "read /x", "allowed": False,
              "trace": [f"rule {i}: " + "x" * 200 for i in range(500)]}]
    text = trace_header(trace)
    assert len(text) <= msg.MAX_TRACE_HEADER
    assert '"allowed": false' in text and "rule 0" in text


_window_child = st.one_of(st.none(), st.integers(0, 4), st.sampled_from(["a", "b"]),
                          st.fixed_dictionaries({"v": st.integers(0, 4)}))


@given(before=st.dictionaries(st.sampled_from("abcdefgh"), _window_child, max_size=8),
       changes=st.dictionaries(st.sampled_from("abcdefgh"), _window_child, max_size=3),
       spec=st.sampled_from([
           {"orderBy": '"$key"', "limitToLast": "3"}, {"orderBy": '"$key"', "limitToFirst": "2"},
           {"orderBy": '"$value"', "limitToLast": "2"}, {"orderBy": '"v"', "limitToFirst": "3"},
           {"orderBy": '"$value"', "startAt": "1", "endAt": "3", "limitToLast": "2"},
           {"orderBy": '"$value"', "equalTo": "2"}, {"orderBy": '"v"'}]))
@settings(max_examples=300, deadline=None)
def test_incremental_window_equals_a_full_run(before, changes, spec):
    from messenger_emulators.database.query import update_window

    query = parse_query(spec)
    old_node = tree.Normalizer().value(before, 0)
    new_node = old_node
    for key, value in changes.items():
        new_node = tree.set_at(new_node, (key,), tree.Normalizer().value(value, 1))
    old = run(query, old_node)
    incremental = update_window(query, old, new_node, set(changes))
    if incremental is not None:
        assert list(incremental.items()) == list(run(query, new_node).items())


def test_incremental_window_handles_the_chat_append_case():
    from messenger_emulators.database.query import update_window

    query = parse_query({"orderBy": '"$key"', "limitToLast": "2"})
    node = {f"m{i}": {"t": i} for i in range(5)}
    old = run(query, node)
    new_node = tree.set_at(node, ("m5",), {"t": 5})
    assert update_window(query, old, new_node, {"m5"}) == {"m4": {"t": 4}, "m5": {"t": 5}}
    # the newest message deleted: the next one comes from outside the window
    assert update_window(query, old, tree.set_at(node, ("m4",), None), {"m4"}) is None
