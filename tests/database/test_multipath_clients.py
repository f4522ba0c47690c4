"""Clients that rebuild a tree from stream events stay exact under multi-path updates (issue 19).

A `patch` carries the written paths as keys (`"c1/unreadIds/m": ts`), relative to the event's
path. Three clients nobody here wrote the events for are checked against a real server, after
each write, against a plain GET: the desktop app's tree builder, pyrebase4's `stream()` and
firebase-admin's `listen()` (the last two hand the events to a callback; the rebuild applies
the REST streaming reference's rule: each key of a `patch` is set relative to its path).
"""

from __future__ import annotations

import queue
import time
import uuid
from collections.abc import Callable
from typing import Any

import pyrebase
import pytest
from firebase_admin import db as fdb
from messenger_desktop.firebase.tree import apply_event
from messenger_emulators.database.testing import run_in_thread

from .test_pyrebase import close_stream

BIG = {f"-id{i:04d}": 1_700_000_000_000 + i for i in range(300)}


def _writes(write: Callable[[str, str, Any], None]) -> list[Callable[[], None]]:
    """The steps: each a write that the three clients must follow exactly."""
    return [
        # the trigger's shape: one root-level update touching two chats and another user
        lambda: write("PATCH", "", {"userChats/r/c1/unreadIds/-n1": 5,
                                    "userChats/r/c2/unreadIds/-n1": 6,
                                    "userChats/x/c1/unreadIds/-n1": 7}),
        # deleting the last id of a set removes the set (no empty objects)
        lambda: write("PATCH", "", {"userChats/r/c3/unreadIds/-only": None,
                                    "userChats/r/c1/lastMessage": {"text": "hi", "ts": 9}}),
        # an update below the listener, mixing deletions, nested replacements and new keys
        lambda: write("PATCH", "userChats/r/c1", {"unreadIds/-id0000": None,
                                                 "lastMessage": {"text": "yo", "ts": 10},
                                                 "readAt": 11}),
        lambda: write("PUT", "userChats/r/c2/unreadIds/-n2", 12),
        lambda: write("DELETE", "userChats/r/c2", None),
        lambda: write("PATCH", "userChats/r", {"c4/readAt": 13, "c1/unreadIds": None}),
        lambda: write("PUT", "userChats", {"r": {"c9": {"readAt": 1}}}),   # above the listener
    ]


def _initial() -> dict[str, Any]:
    return {"userChats": {"r": {"c1": {"unreadIds": dict(BIG), "readAt": 1},
                                "c2": {"unreadIds": dict(BIG)},
                                "c3": {"unreadIds": {"-only": 3}, "readAt": 2}}}}


def _follow(events: queue.Queue, get: Callable[[], Any], steps: list[Callable[[], None]]) -> None:
    """Apply the events (through the app's builder) and compare with the server after each
    write; also checks that no event carries a whole entry (the sizes stay small)."""
    kind, path, data = events.get(timeout=10)
    assert (kind, path) == ("put", "/")
    tree, _ = apply_event(None, kind, path, data)
    assert tree == get()
    for step in steps:
        step()
        expected = get()
        deadline = time.monotonic() + 10
        while tree != expected:
            kind, path, data = events.get(timeout=max(0.01, deadline - time.monotonic()))
            if step is not steps[-1]:
                assert len(repr(data)) < 200, (kind, path, data)  # proportional to the change
            tree, _ = apply_event(tree, kind, path, data)
        assert events.empty()


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(project_id="demo-multipath", keepalive_s=0.5)
    yield running
    running.stop()


def test_firebase_admin_listen_rebuilds_the_tree(admin_app):
    app = admin_app.default
    root = fdb.reference("/", app=app)
    root.set(_initial())
    listened = fdb.reference("/userChats/r", app=app)

    def write(method: str, path: str, value: Any) -> None:
        ref = fdb.reference("/" + path, app=app)
        {"PATCH": ref.update, "PUT": ref.set, "DELETE": lambda _v: ref.delete()}[method](value)

    events: queue.Queue = queue.Queue()
    registration = listened.listen(lambda e: events.put((e.event_type, e.path, e.data)))
    try:
        _follow(events, listened.get, _writes(write))
    finally:
        registration.close()


def test_pyrebase_stream_rebuilds_the_tree(server):
    app = pyrebase.initialize_app({"apiKey": "fake", "authDomain": "", "storageBucket": "",
                                   "databaseURL": server.url})
    database = app.database()
    top = "p" + uuid.uuid4().hex[:8]
    database.child(top).set(_initial())

    def write(method: str, path: str, value: Any) -> None:
        node = database.child(top)
        for part in [p for p in path.split("/") if p]:
            node = node.child(part)
        if method == "PATCH":
            node.update(value)
        elif method == "PUT":
            node.set(value)
        else:
            node.remove()

    def get() -> Any:
        return database.child(top).child("userChats").child("r").get().val()

    events: queue.Queue = queue.Queue()
    stream = database.child(top).child("userChats").child("r").stream(
        lambda m: events.put((m["event"], m["path"], m["data"])))
    try:
        _follow(events, get, _writes(write))
    finally:
        close_stream(stream)
