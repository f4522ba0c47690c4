"""The incremental stream reader against the real database emulator (in-process, free port)."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from messenger_desktop.firebase.sse import Listener
from messenger_desktop.firebase.tree import ALL, apply_event
from messenger_emulators.database.testing import run_in_thread

OPEN_RULES = json.dumps({"rules": {".read": True, ".write": True}})


@pytest.fixture(scope="module")
def db():
    running = run_in_thread(rules_text=OPEN_RULES)
    yield running
    running.stop()


async def _wait(predicate, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


def _run(qtbot, coro) -> None:
    from .conftest import run

    run(qtbot, coro, 20)


def test_tree_events_apply_in_place() -> None:
    root, changed = apply_event(None, "put", "/", {"a": {"x": 1}, "b": 2})
    assert changed is ALL and root == {"a": {"x": 1}, "b": 2}
    root, changed = apply_event(root, "put", "/a/x", None)
    assert changed == {"a"} and root == {"b": 2}  # empty parent pruned, as Firebase does
    root, changed = apply_event(root, "patch", "/", {"c/d": 3, "b": None})
    assert changed == {"c", "b"} and root == {"c": {"d": 3}}


def test_tree_events_for_the_chat_list() -> None:
    """The trigger's small writes, as the stream of userChats/{me} delivers them."""
    entry = {"readAt": 5, "lastMessage": {"text": "a", "sender": "x", "ts": 5, "id": "m0"}}
    root, changed = apply_event(None, "put", "/", {"c1": entry, "c2": {"readAt": 1}})
    assert changed is ALL
    # An unread id added: a patch at the entry's unreadIds (one key) ...
    root, changed = apply_event(root, "patch", "/c1/unreadIds", {"m1": 10})
    assert changed == {"c1"} and root["c1"]["unreadIds"] == {"m1": 10}
    # ... or at the root with keys that are paths (a multi-path update), several entries.
    root, changed = apply_event(root, "patch", "/", {"c1/unreadIds/m2": 11,
                                                     "c2/unreadIds/m9": 3})
    assert changed == {"c1", "c2"}
    assert root["c1"]["unreadIds"] == {"m1": 10, "m2": 11}
    assert root["c2"] == {"readAt": 1, "unreadIds": {"m9": 3}}
    # A new preview: a put at a deep path replaces only it.
    last = {"text": "b", "sender": "x", "ts": 11, "id": "m2"}
    root, changed = apply_event(root, "put", "/c1/lastMessage", last)
    assert changed == {"c1"} and root["c1"]["lastMessage"] == last
    assert root["c1"]["unreadIds"] == {"m1": 10, "m2": 11}
    # A deletion: null removes the id; the last one takes its empty parent with it.
    root, changed = apply_event(root, "patch", "/c2/unreadIds", {"m9": None})
    assert changed == {"c2"} and root["c2"] == {"readAt": 1}
    # Mark read: one patch of the entry, null clearing the ids.
    root, changed = apply_event(root, "patch", "/c1", {"unreadIds": None, "readAt": 12})
    assert changed == {"c1"} and root["c1"] == {"readAt": 12, "lastMessage": last}
    # A chat emptied: its preview removed; an entry removed entirely.
    root, changed = apply_event(root, "put", "/c1/lastMessage", None)
    assert root["c1"] == {"readAt": 12}
    root, changed = apply_event(root, "put", "/c2", None)
    assert changed == {"c2"} and root == {"c1": {"readAt": 12}}
    # Deleting below something absent changes nothing; an empty key still applies the others.
    root, changed = apply_event(root, "patch", "/c3/unreadIds", {"m": None})
    assert root == {"c1": {"readAt": 12}}
    root, changed = apply_event(root, "patch", "/c1", {"": {"readAt": 13}, "x": 1})
    assert changed == {"c1"} and root == {"c1": {"readAt": 13, "x": 1}}


def test_listener_streams_put_patch_and_query(db, loop, qtbot) -> None:
    async def scenario() -> None:
        events: list[tuple[str, str, object]] = []
        tree: dict = {}

        def handler(kind: str, path: str, data: object) -> None:
            nonlocal tree
            events.append((kind, path, data))
            tree, _ = apply_event(tree, kind, path, data)

        async def tokens(_force: bool) -> str | None:
            return None

        async with httpx.AsyncClient() as client:
            base = f"{db.url}/room"
            await client.put(f"{base}.json", params={"ns": db.namespace}, json={"m1": {"t": 1}})
            listener = Listener(client, db.url, "room", handler, tokens,
                                extra_params={"ns": db.namespace})
            listener.start()
            await _wait(lambda: tree == {"m1": {"t": 1}})
            assert listener.connected
            await client.patch(f"{base}.json", params={"ns": db.namespace},
                               json={"m2": {"t": 2}})
            await _wait(lambda: "m2" in (tree or {}))
            await client.delete(f"{base}/m1.json", params={"ns": db.namespace})
            await _wait(lambda: tree == {"m2": {"t": 2}})
            listener.close()
            assert not listener.connected

            # A query stream: only keys from startAt on, as the chat view uses it.
            seen: dict = {}

            def qhandler(kind: str, path: str, data: object) -> None:
                nonlocal seen
                seen, _ = apply_event(seen, kind, path, data)

            q = Listener(client, db.url, "room", qhandler, tokens,
                         query={"orderBy": "$key", "startAt": "m2"},
                         extra_params={"ns": db.namespace})
            q.start()
            await client.put(f"{base}/m0.json", params={"ns": db.namespace}, json={"t": 0})
            await client.put(f"{base}/m3.json", params={"ns": db.namespace}, json={"t": 3})
            await _wait(lambda: set(seen or {}) == {"m2", "m3"})
            q.close()

    _run(qtbot, scenario())
