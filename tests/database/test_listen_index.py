"""The listen index finds exactly the locations a commit touches (at, above or below a
written path), compared with the obvious scan of every location."""

from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_emulators.database.listen_index import ListenIndex

paths = st.lists(st.sampled_from(["a", "b", "c"]), max_size=4).map(tuple)


def related(p: tuple, q: tuple) -> bool:
    return p[: len(q)] == q or q[: len(p)] == p


@settings(max_examples=300, deadline=None)
@given(listened=st.lists(paths, max_size=12), removed=st.sets(st.integers(0, 11)),
       written=st.lists(paths, min_size=1, max_size=3))
def test_touched_is_exactly_the_scan(listened, removed, written) -> None:
    index = ListenIndex()
    locations = [(i, path) for i, path in enumerate(listened)]
    for location in locations:
        index.add(location[1], location)
    for location in [loc for loc in locations if loc[0] in removed]:
        index.remove(location[1], location)
        locations.remove(location)
    expected = {loc for loc in locations if any(related(loc[1], w) for w in written)}
    found = index.touched(written)
    assert len(found) == len(set(found))
    assert set(found) == expected


def test_removing_the_last_listener_prunes_the_branch() -> None:
    index = ListenIndex()
    index.add(("messages", "c1"), "x")
    index.remove(("messages", "c1"), "x")
    assert index.children == {}


@settings(max_examples=300, deadline=None)
@given(listener=paths, written=st.lists(paths, min_size=1, max_size=12, unique=True))
def test_writes_by_path_finds_exactly_the_related_writes(listener, written) -> None:
    """The per-commit index streams use for large multi-path updates (a group message's
    userChats update) picks the same writes, in commit order, as scanning them all."""
    from messenger_emulators.database.events import WritesByPath

    writes = [(w, i) for i, w in enumerate(written)]
    by_path = WritesByPath(writes)
    found = [w for w, _ in by_path.relevant(listener)]
    assert sorted(found) == sorted(w for w, _ in writes if related(w, listener))
    below = [w for w in found if len(w) >= len(listener)]
    assert below == [w for w, _ in writes if w[: len(listener)] == listener]
