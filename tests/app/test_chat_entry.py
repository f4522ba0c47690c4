"""The chat list's incremental view of an entry (models/chat_entry.py) always equals the
derivation from the whole entry (messenger_model), whatever events come: hypothesis drives
random trigger-shaped patches, prunes, mark-reads and whole puts through the app's tree."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_desktop.firebase.tree import apply_event_paths
from messenger_desktop.models.chat_entry import WHOLE, EntryIndex
from messenger_model.previews import latest_preview
from messenger_model.unread import counted_unread

IDS = [f"-m{i}" for i in range(12)]


def _preview(mid: str, ts: int) -> dict:
    return {"text": f"t{mid}", "sender": "bob", "ts": ts}


events = st.one_of(
    # the trigger's update for one message (its id, its preview), maybe pruning others
    st.tuples(st.just("message"), st.sampled_from(IDS), st.integers(1, 50),
              st.lists(st.sampled_from(IDS), max_size=4)),
    st.tuples(st.just("delete"), st.sampled_from(IDS), st.just(0), st.just([])),
    st.tuples(st.just("read"), st.just(""), st.integers(1, 50), st.just([])),
    st.tuples(st.just("put"), st.just(""), st.integers(1, 50), st.lists(st.sampled_from(IDS))),
)


def _as_event(kind: str, mid: str, ts: int, others: list[str]) -> tuple[str, str, object]:
    if kind == "message":
        data = {f"c/unreadIds/{mid}": ts, f"c/previews/{mid}": _preview(mid, ts)}
        for other in others:
            if other != mid:
                data[f"c/unreadIds/{other}"] = None
                data[f"c/previews/{other}"] = None
        return "patch", "/", data
    if kind == "delete":
        return "patch", "/", {f"c/unreadIds/{mid}": None, f"c/previews/{mid}": None}
    if kind == "read":
        return "patch", "/c", {"unreadIds": None, "readAt": ts}
    entry = {"readAt": ts // 2, "unreadIds": {o: ts for o in others},
             "previews": {o: _preview(o, ts) for o in others}}
    return "put", "/c", entry


@settings(max_examples=300, deadline=None)
@given(st.lists(events, max_size=40))
def test_the_incremental_view_equals_the_whole_derivation(steps) -> None:
    root, index = None, EntryIndex()
    for step in steps:
        kind, path, data = _as_event(*step)
        root, changed = apply_event_paths(root, kind, path, data)
        entry = (root or {}).get("c")
        index.apply(entry, WHOLE if changed is None else changed.get("c", []))
        assert index.counted == counted_unread(entry)
        assert index.latest == latest_preview(entry)
