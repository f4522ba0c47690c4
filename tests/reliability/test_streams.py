"""Streams under faults: reconnection without a gap, and one consumer that never reads."""

from __future__ import annotations

import socket
import statistics
import threading
import time

import psutil
import pytest
import requests

from tests.support.suite import running_suite

from .conftest import REPO_RULES, TimedStream, chat_of, post_message, users, wait_for

OPEN_RULES = {"rules": {".read": True, ".write": True}}


@pytest.fixture(scope="module")
def rules_suite():
    with running_suite(only=("auth", "database"), rules=REPO_RULES) as suite:
        yield suite


def _messages(events) -> dict[str, str]:
    """Message id -> text from a messages/{chat} stream's put events."""
    seen: dict[str, str] = {}
    for _, kind, data in events:
        if kind != "put":
            continue
        if data["path"] == "/":
            seen.update({k: v["text"] for k, v in (data["data"] or {}).items()})
        elif data["data"] is not None:
            seen[data["path"].strip("/")] = data["data"]["text"]
    return seen


def test_reopened_stream_catches_up_without_a_gap(rules_suite) -> None:
    suite = rules_suite
    alice, bob = users(suite, 2, prefix="gap")
    chat = chat_of(alice, bob)
    url = f"{suite.database_url}/messages/{chat}.json"
    params = {"ns": suite.ns, "auth": alice.id_token}
    session = requests.Session()
    acked: dict[str, str] = {}

    def send(n: int) -> None:
        r = post_message(suite, session, bob, chat, f"m{n}")
        assert r.status_code == 200, r.text
        acked[r.json()["name"]] = f"m{n}"

    first = TimedStream(url, params)
    for n in range(30):
        send(n)
    wait_for(lambda: len(_messages(first.events)) >= 20, 10, "the first stream's events")
    first.close()                       # the client drops off mid-conversation...
    for n in range(30, 80):
        send(n)                         # ...while its partner keeps writing
    before = _messages(first.events)
    second = TimedStream(url, params)
    wait_for(lambda: second.events, 10, "the reopened stream's initial put")
    _, kind, data = second.events[0]
    assert kind == "put" and data["path"] == "/"
    initial = {k: v["text"] for k, v in data["data"].items()}
    assert initial == acked, "the initial put must hold every acknowledged message"
    assert set(before.items()) <= set(initial.items())
    send(80)                            # and the reopened stream is live
    wait_for(lambda: len(_messages(second.events)) == 81, 10, "the live event after reopening")
    second.close()


def _slow_socket(suite, path: str) -> socket.socket:
    """An SSE request on a socket that is never read (tiny receive buffer)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", suite.ports["database"]))
    sock.sendall(f"GET /{path}.json?ns={suite.ns} HTTP/1.1\r\nHost: x\r\n"
                 "Accept: text/event-stream\r\n\r\n".encode())
    return sock


def _drain(sock: socket.socket, timeout: float) -> tuple[int, bool]:
    """(bytes read, whether the server closed it) reading what the server had sent."""
    sock.settimeout(timeout)
    total = 0
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                return total, True
            total += len(chunk)
    except ConnectionResetError:
        return total, True
    except TimeoutError:
        return total, False


def test_a_consumer_that_never_reads_is_dropped_and_slows_no_one() -> None:
    value = "x" * 8192     # large events fill the slow socket's buffers quickly
    writes_max, after_drop = 4000, 200
    with running_suite(only=("database",), rules=OPEN_RULES) as suite:
        base = f"{suite.database_url}/room"
        slow = _slow_socket(suite, "room")
        fast = [TimedStream(f"{base}.json", {"ns": suite.ns}) for _ in range(4)]
        wait_for(lambda: all(f.events for f in fast), 10, "the fast streams' initial puts")
        server = psutil.Process(suite.pid)
        rss_before = server.memory_info().rss
        sent_at: dict[str, float] = {}
        state = {"n": 0, "dropped_at": None}
        lock = threading.Lock()

        def writer() -> None:
            session = requests.Session()
            while True:
                with lock:
                    n, dropped = state["n"], state["dropped_at"]
                    if n >= writes_max or (dropped is not None and n >= dropped + after_drop):
                        return
                    n = state["n"] = n + 1
                    key = f"k{n:05d}"
                    sent_at[key] = time.monotonic()
                r = session.put(f"{base}/{key}.json", params={"ns": suite.ns},
                                json={"v": value}, timeout=10)
                assert r.status_code == 200, r.text
                with lock:
                    if state["dropped_at"] is None and "cannot keep up" in suite.output:
                        state["dropped_at"] = state["n"]

        threads = [threading.Thread(target=writer, daemon=True) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        n, dropped_at = state["n"], state["dropped_at"]
        rss_growth_mb = (server.memory_info().rss - rss_before) / 2**20
        assert dropped_at is not None, f"the never-reading stream was not dropped in {n} writes"
        for stream in fast:
            wait_for(lambda s=stream: len(s.events) >= n + 1, 20, "every write on a fast stream")
        latencies = sorted(
            arrived - sent_at[data["path"].strip("/")]
            for stream in fast for arrived, kind, data in stream.events[1:] if kind == "put")
        slow_bytes, closed = _drain(slow, 5)
        slow.close()
        for stream in fast:
            stream.close()
    assert len(latencies) == 4 * n, "a fast stream missed events"
    p99 = latencies[int(0.99 * len(latencies)) - 1]
    print(f"\nslow consumer dropped after {dropped_at} writes; fast streams: p50 "
          f"{statistics.median(latencies) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms; server RSS "
          f"+{rss_growth_mb:.0f} MB; the slow one had {slow_bytes / 2**20:.1f} MB waiting")
    assert closed, "the server did not close the never-reading stream"
    assert slow_bytes < n * len(value), "the slow stream got everything: it was never behind"
    # A shared 2-core machine: generous bounds that a stalled fan-out (seconds) still breaks.
    assert p99 < 0.5, f"the fast streams slowed down: p99 {p99 * 1000:.0f} ms"
    assert rss_growth_mb < 150, "the slow stream's backlog was not bounded"
