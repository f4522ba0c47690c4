"""Streaming (SSE) over real HTTP: framing, ordering, keep-alive, cancel, auth_revoked,
queries, slow consumers."""

from __future__ import annotations

import queue
import socket
import time

import pytest
import requests
from messenger_emulators.database import messages as msg
from messenger_emulators.database.testing import run_in_thread

from .sse import CLOSED, SseReader
from .tokens import unsigned_token


def open_stream(rest, path, **params) -> SseReader:
    return SseReader(rest.url(path), params={"ns": rest.ns, **params})


def test_framing_initial_put_and_changes_in_order(rest):
    rest.put("chat", {"m1": {"text": "hi"}})
    s = open_stream(rest, "chat")
    try:
        assert s.response.headers["Content-Type"].startswith("text/event-stream")
        assert s.next() == ("put", {"path": "/", "data": {"m1": {"text": "hi"}}})
        assert s.raw_lines[:3] == ['event: put', 'data: {"path":"/","data":{"m1":{"text":"hi"}}}',
                                   '']
        for i in range(40):
            rest.put(f"chat/n{i}", i)
        got = [s.next() for _ in range(40)]
        assert got == [("put", {"path": f"/n{i}", "data": i}) for i in range(40)]
        rest.patch("chat", {"a": 1, "b/c": 2})   # keys are paths, as the update wrote them
        assert s.next() == ("patch", {"path": "/", "data": {"a": 1, "b/c": 2}})
        rest.patch("chat/m1", {"text": "edited"})
        assert s.next() == ("patch", {"path": "/m1", "data": {"text": "edited"}})
        rest.put("chat/m1/text", "again")
        assert s.next() == ("put", {"path": "/m1/text", "data": "again"})
        rest.put("", {"chat": {"only": 1}, "other": 2})      # a write above the location
        assert s.next() == ("put", {"path": "/", "data": {"only": 1}})
        rest.put("other", 3)                                 # unrelated
        rest.put("chat/only", 1)                             # no change: no event
        rest.delete("chat")
        assert s.next() == ("put", {"path": "/", "data": None})
        with pytest.raises(queue.Empty):
            s.next(timeout=0.5)
    finally:
        s.close()


def test_multi_path_update_sends_only_what_changed(rest):
    """A root-level update touching several entries under a listener: one `patch` whose keys
    are the written paths (relative to the listener), not the whole entries (issue 19)."""
    big = {f"id{i}": i for i in range(500)}
    rest.put("userChats/r", {"c1": {"ids": big, "last": "x"}, "c2": {"ids": big}})
    s = open_stream(rest, "userChats/r")
    try:
        s.next()
        rest.patch("", {"userChats/r/c1/ids/new": 1, "userChats/r/c2/ids/new": 2,
                        "userChats/other/c1/ids/new": 3, "elsewhere": 4})
        event = s.next()
        assert event == ("patch", {"path": "/", "data": {"c1/ids/new": 1, "c2/ids/new": 2}})
        assert len(s.raw_lines[-2]) < 100     # the data line: a few dozen bytes, not 2 x 500 ids
        # an update below the listener: the event's path is the update's location
        rest.patch("userChats/r/c1", {"ids/id0": None, "ids/id1": None, "last": "y"})
        assert s.next() == ("patch", {"path": "/c1",
                                      "data": {"ids/id0": None, "ids/id1": None, "last": "y"}})
        # unchanged keys are left out; nothing changed: no event
        rest.patch("userChats/r/c1", {"last": "y", "ids/id2": 99})
        assert s.next() == ("patch", {"path": "/c1", "data": {"ids/id2": 99}})
        rest.patch("userChats/r", {"c2/ids/new": 2})
        with pytest.raises(queue.Empty):
            s.next(timeout=0.5)
    finally:
        s.close()


def test_keep_alive(rest):
    s = open_stream(rest, "ka")
    try:
        assert s.next() == ("put", {"path": "/", "data": None})
        assert s.next(timeout=3, skip_keepalive=False) == ("keep-alive", None)
    finally:
        s.close()


def test_stream_denied_at_open_is_401(rest):
    rest.set_rules({"rules": {".read": False}})
    s = open_stream(rest, "x")
    assert s.status == 401 and s.response.json() == {"error": msg.PERMISSION_DENIED}


def test_cancel_when_rules_change(rest):
    rest.set_rules({"rules": {".read": "auth != null", ".write": True}})
    rest.put("room", {"a": 1})
    s = open_stream(rest, "room", auth=unsigned_token("alice"))
    other = open_stream(rest, "room", auth="owner")
    try:
        assert s.next()[0] == "put" and other.next()[0] == "put"
        rest.set_rules({"rules": {".read": False, ".write": True}})
        assert s.next() == ("cancel", msg.STREAM_PERMISSION_DENIED)
        assert s.next() == CLOSED
        rest.put("room/b", 2)                       # the admin's stream goes on
        assert other.next() == ("put", {"path": "/b", "data": 2})
    finally:
        s.close()
        other.close()


def test_auth_revoked_when_token_expires(rest):
    rest.set_rules({"rules": {".read": "auth != null"}})
    started = time.monotonic()
    s = open_stream(rest, "x", auth=unsigned_token("alice", ttl=1.5))
    try:
        assert s.next()[0] == "put"
        event, data = s.next(timeout=5)
        assert event == "auth_revoked" and isinstance(data, str)
        assert time.monotonic() - started >= 0.4
        assert s.next() == CLOSED
    finally:
        s.close()


def test_query_stream_sends_window_changes(rest):
    rest.put("q", {"a": 1, "b": 2, "c": 3})
    s = open_stream(rest, "q", orderBy='"$key"', limitToLast="2")
    try:
        assert s.next() == ("put", {"path": "/", "data": {"b": 2, "c": 3}})
        rest.put("q/d", 4)      # d enters, b leaves the window
        assert s.next() == ("patch", {"path": "/", "data": {"d": 4, "b": None}})
        rest.put("q/a", 10)     # outside the window: nothing
        rest.put("q/c", 30)
        assert s.next() == ("patch", {"path": "/", "data": {"c": 30}})
    finally:
        s.close()


def test_query_stream_needs_index(rest):
    s = open_stream(rest, "q", orderBy='"score"')
    assert s.status == 400 and "indexOn" in s.response.json()["error"]


def test_each_change_once_with_many_streams(rest):
    streams = [open_stream(rest, "fan") for _ in range(20)]
    deep = open_stream(rest, "fan/x")
    try:
        for s in streams:
            assert s.next()[0] == "put"
        assert deep.next() == ("put", {"path": "/", "data": None})
        rest.put("fan/x", {"v": 1})
        for s in streams:
            assert s.next() == ("put", {"path": "/x", "data": {"v": 1}})
            with pytest.raises(queue.Empty):
                s.next(timeout=0.05)
        assert deep.next() == ("put", {"path": "/", "data": {"v": 1}})
    finally:
        for s in streams + [deep]:
            s.close()


def test_slow_consumer_is_disconnected_without_stalling_others():
    db = run_in_thread(keepalive_s=30)
    try:
        db.call(lambda: setattr(db.emulator.hub, "max_buffer", 1_000_000))
        base = f"http://127.0.0.1:{db.port}"
        # a consumer that never reads: a raw socket that sends the request and stops
        sock = socket.create_connection(("127.0.0.1", db.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /slow.json HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
        healthy = SseReader(f"{base}/slow.json")
        assert healthy.next()[0] == "put"
        deadline = time.monotonic() + 5
        while db.call(lambda: db.emulator.hub.stream_count) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        blob = "x" * 100_000
        session = requests.Session()
        for i in range(150):
            session.put(f"{base}/slow/k{i % 5}.json", json=f"{i}{blob}", timeout=10)
        # the healthy stream got every change; the stalled one was dropped
        got = [healthy.next()[1]["data"] for _ in range(150)]
        assert all(data == f"{i}{blob}" for i, data in enumerate(got))
        assert db.call(lambda: db.emulator.hub.stream_count) == 1
        healthy.close()
        sock.close()
    finally:
        db.stop()


def test_cancel_when_data_change_revokes_read(rest):
    rest.set_rules({"rules": {"rooms": {"$room": {
        ".read": "root.child('members').child($room).child(auth.uid).exists()"}},
        ".write": True}})
    rest.put("", {"members": {"r1": {"alice": True}}, "rooms": {"r1": {"m": "hi"}}})
    s = open_stream(rest, "rooms/r1", auth=unsigned_token("alice"))
    try:
        assert s.next() == ("put", {"path": "/", "data": {"m": "hi"}})
        rest.put("rooms/r1/m2", "still a member")
        assert s.next() == ("put", {"path": "/m2", "data": "still a member"})
        rest.delete("members/r1/alice")          # a write elsewhere revokes the read
        assert s.next() == ("cancel", msg.STREAM_PERMISSION_DENIED)
        assert s.next() == CLOSED
    finally:
        s.close()


def test_query_based_rules_see_the_stream_query(rest):
    rest.set_rules({"rules": {"msgs": {
        ".read": "query.orderByKey && query.limitToLast <= 10", ".write": True}}})
    rest.put("msgs", {"a": 1, "b": 2})
    assert open_stream(rest, "msgs").status == 401
    s = open_stream(rest, "msgs", orderBy='"$key"', limitToLast="5")
    try:
        assert s.next() == ("put", {"path": "/", "data": {"a": 1, "b": 2}})
    finally:
        s.close()


def test_time_based_read_rule_is_rechecked_after_commits(rest):
    # `now` is state: a commit elsewhere after the deadline re-checks and cancels the stream;
    # a stream whose rule reads only auth is not affected
    deadline = int(time.time() * 1000) + 1500
    rest.set_rules({"rules": {".write": True,
                              "timed": {".read": f"now < {deadline}"},
                              "open": {".read": "auth != null"}}})
    rest.put("timed", {"a": 1})
    timed = open_stream(rest, "timed", auth=unsigned_token("alice"))
    steady = open_stream(rest, "open", auth=unsigned_token("alice"))
    try:
        assert timed.next()[0] == "put" and steady.next()[0] == "put"
        time.sleep(max(0.0, deadline / 1000 - time.time()) + 0.1)
        rest.put("elsewhere", 1)
        assert timed.next(timeout=5) == ("cancel", msg.STREAM_PERMISSION_DENIED)
        rest.put("open/b", 2)
        assert steady.next() == ("put", {"path": "/b", "data": 2})
    finally:
        timed.close()
        steady.close()
