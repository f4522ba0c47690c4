from messenger_emulators.persistence.tree import apply_writes, from_json, set_value


def test_set_creates_parents_and_shares_untouched_subtrees():
    old = {"a": {"x": 1}, "b": {"y": 2}}
    new = set_value(old, ("a", "z"), 3)
    assert new == {"a": {"x": 1, "z": 3}, "b": {"y": 2}}
    assert old == {"a": {"x": 1}, "b": {"y": 2}}  # copy-on-write: the old root is intact
    assert new["b"] is old["b"]


def test_delete_prunes_empty_parents_and_priority_only_nodes():
    root = {"a": {"b": {"c": 1}}, "k": {".priority": 1, "v": 2}}
    assert set_value(root, ("a", "b", "c"), None) == {"k": {".priority": 1, "v": 2}}
    assert set_value(root, ("k", "v"), None) == {"a": {"b": {"c": 1}}}
    assert apply_writes(root, [(("a",), None), (("k",), None)]) is None


def test_writing_under_a_leaf_replaces_it():
    assert set_value({"a": 5}, ("a", "b"), 1) == {"a": {"b": 1}}
    assert set_value({"a": {".value": 5, ".priority": 1}}, ("a", "b"), 1) == {"a": {"b": 1}}
    assert set_value("leaf", (), {"x": 1}) == {"x": 1}


def test_from_json_stores_arrays_as_objects_and_drops_nulls():
    assert from_json({"l": [1, None, 3], "n": None, "e": {}}) == {"l": {"0": 1, "2": 3}}
    assert from_json({}) is None
