"""pyrebase4's database client (no ?ns=: it addresses the default namespace, the project id)."""

from __future__ import annotations

import queue
import uuid

import pyrebase
import pytest
from messenger_emulators.database.testing import run_in_thread


@pytest.fixture(scope="module")
def server():
    running = run_in_thread(project_id="demo-pyrebase", keepalive_s=0.5)
    yield running
    running.stop()


@pytest.fixture
def database(server):
    app = pyrebase.initialize_app({"apiKey": "fake", "authDomain": "", "storageBucket": "",
                                   "databaseURL": server.url})
    return app.database()


@pytest.fixture
def root() -> str:
    return "p" + uuid.uuid4().hex[:10]


def test_set_get_push_update_remove(database, root):
    database.child(root).child("users").child("u1").set({"name": "Ann", "age": 3})
    assert database.child(root).child("users").child("u1").get().val() == {"name": "Ann",
                                                                            "age": 3}
    key = database.child(root).child("msgs").push({"text": "hi"})["name"]
    assert database.child(root).child("msgs").child(key).get().val() == {"text": "hi"}
    database.child(root).child("users").child("u1").update({"age": 4})
    assert database.child(root).child("users").child("u1").child("age").get().val() == 4
    database.child(root).child("users").child("u1").remove()
    assert database.child(root).child("users").get().val() is None


def test_shallow_and_query(database, server, root):
    database.child(root).set({"a": {"n": 1}, "b": {"n": 2}, "c": {"n": 3}})
    assert set(database.child(root).shallow().get().val()) == {"a", "b", "c"}
    got = database.child(root).order_by_key().limit_to_first(2).get()
    assert [item.key() for item in got.each()] == ["a", "b"]


def test_stream_small_tree(database, root):
    database.child(root).set({"a": 1})
    events: queue.Queue = queue.Queue()
    stream = database.child(root).stream(
        lambda message: events.put((message["event"], message["path"], message["data"])))
    try:
        assert events.get(timeout=10) == ("put", "/", {"a": 1})
        database.child(root).child("b").set(2)
        assert events.get(timeout=10) == ("put", "/b", 2)
        database.child(root).update({"c": 3})
        assert events.get(timeout=10) == ("patch", "/", {"c": 3})
    finally:
        close_stream(stream)


def close_stream(stream) -> None:
    """pyrebase's Stream.close() shuts the socket down, then touches the response again; its
    reader thread may have released it in between (a race inside pyrebase, not the server)."""
    try:
        stream.close()
    except AttributeError:
        stream.thread.join(5)
    assert not stream.thread.is_alive()
