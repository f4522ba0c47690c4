from messenger_emulators.persistence.tree import apply_in_place, from_json, set_in_place


def test_set_creates_parents():
    assert set_in_place(None, ("a", "b"), 1) == {"a": {"b": 1}}
    assert set_in_place({"a": {"x": 1}}, ("a", "z"), 3) == {"a": {"x": 1, "z": 3}}


def test_delete_prunes_empty_parents_and_priority_only_nodes():
    def root():
        return {"a": {"b": {"c": 1}}, "k": {".priority": 1, "v": 2}}

    assert set_in_place(root(), ("a", "b", "c"), None) == {"k": {".priority": 1, "v": 2}}
    assert set_in_place(root(), ("k", "v"), None) == {"a": {"b": {"c": 1}}}
    assert apply_in_place(root(), [(("a",), None), (("k",), None)]) is None


def test_deleting_what_does_not_exist_changes_nothing():
    assert set_in_place({"a": 5}, ("a", "b"), None) == {"a": 5}
    assert set_in_place({"a": {"b": 1}}, ("x", "y", "z"), None) == {"a": {"b": 1}}
    assert set_in_place(None, ("x",), None) is None


def test_writing_under_a_leaf_replaces_it():
    assert set_in_place({"a": 5}, ("a", "b"), 1) == {"a": {"b": 1}}
    # a leaf's priority stays with the node it becomes (as the database's own tree)
    assert set_in_place({"a": {".value": 5, ".priority": 1}}, ("a", "b"), 1) == {
        "a": {".priority": 1, "b": 1}}
    assert set_in_place({".value": 5, ".priority": 2}, ("x",), 1) == {".priority": 2, "x": 1}
    assert set_in_place("leaf", ("x",), 1) == {"x": 1}
    assert set_in_place({"x": 1}, (), "leaf") == "leaf"


def test_an_empty_value_is_a_delete():
    assert set_in_place({"a": 1, "b": 2}, ("a",), {}) == {"b": 2}


def test_from_json_stores_arrays_as_objects_and_drops_nulls():
    assert from_json({"l": [1, None, 3], "n": None, "e": {}}) == {"l": {"0": 1, "2": 3}}
    assert from_json({}) is None
