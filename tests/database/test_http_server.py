"""The database's own HTTP/1.1 server (server.py) at the protocol level: raw sockets and curl.

Pipelining, chunked request bodies, Expect: 100-continue, HTTP/1.0, Connection: close,
malformed requests, body limits, event streams freed when the client goes away, and a clean
stop. The REST semantics themselves are tested in test_rest.py."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time

import pytest
import requests
from messenger_emulators.database import messages as msg
from messenger_emulators.database.testing import run_in_thread

from tests.support.waiting import wait_for


class Conn:
    """A raw keep-alive connection that reads whole responses (Content-Length, chunked or
    until close)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(65536)
        self.buf += data
        return bool(data)

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            if not self._fill():
                raise ConnectionError(f"closed before {marker!r}: {self.buf!r}")
        head, self.buf = self.buf.split(marker, 1)
        return head

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError("closed mid-body")
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def response(self, head_only: bool = False) -> tuple[str, dict[str, str], bytes]:
        head = self._until(b"\r\n\r\n").decode("latin-1")
        status, *lines = head.split("\r\n")
        headers = {}
        for line in lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        code = int(status.split()[1])
        if head_only or code in (100, 204, 304):
            return status, headers, b""
        if "content-length" in headers:
            return status, headers, self._exactly(int(headers["content-length"]))
        if headers.get("transfer-encoding") == "chunked":
            body = b""
            while True:
                size = int(self._until(b"\r\n"), 16)
                if size == 0:
                    self._until(b"\r\n")
                    return status, headers, body
                body += self._exactly(size)
                self._exactly(2)
        while self._fill():
            pass
        body, self.buf = self.buf, b""
        return status, headers, body

    def closed_by_server(self, timeout: float = 5) -> bool:
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
                self.buf += data
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()


def request(method: str, path: str, body: bytes | None = None, headers: str = "",
            version: str = "1.1") -> bytes:
    length = f"Content-Length: {len(body)}\r\n" if body is not None else ""
    return (f"{method} {path} HTTP/{version}\r\nHost: x\r\n{headers}{length}\r\n".encode()
            + (body or b""))


@pytest.fixture
def conn(db):
    c = Conn(db.port)
    yield c
    c.close()


def test_pipelined_requests_are_answered_in_order(conn, ns):
    conn.send(request("PUT", f"/p/a.json?ns={ns}", b"1")
              + request("GET", f"/p/a.json?ns={ns}")
              + request("PUT", f"/p/a.json?ns={ns}", b'"x"')
              + request("GET", f"/p.json?ns={ns}")
              + request("GET", f"/p/missing.json?ns={ns}"))
    answers = [conn.response() for _ in range(5)]
    assert [a[2] for a in answers] == [b"1", b"1", b'"x"', b'{"a":"x"}', b"null"]
    assert all(a[0] == "HTTP/1.1 200 OK" for a in answers)


class SlowPersistence:
    """Durable after 50 ms: a write's answer waits, so pipelined reads must wait too."""

    def __init__(self) -> None:
        self.appended = []

    def load(self):
        return {}

    async def append(self, namespace, writes):
        await asyncio.sleep(0.05)
        self.appended.append(writes)

    def append_then(self, namespace, writes, durable) -> None:
        """The Persistence protocol over this async append (a task per commit, started in
        commit order)."""
        task = asyncio.ensure_future(self.append(namespace, writes))
        task.add_done_callback(lambda t: durable(
            RuntimeError("cancelled") if t.cancelled() else t.exception()))

    async def close(self):
        pass


def test_pipelined_read_after_a_write_waiting_for_durability_sees_it():
    slow = run_in_thread(persistence=SlowPersistence())
    c = Conn(slow.port)
    try:
        c.send(request("PUT", "/w.json", b'{"v":1}') + request("GET", "/w.json")
               + request("POST", "/w.json", b"2") + request("GET", "/w/v.json"))
        answers = [c.response() for _ in range(4)]
        assert answers[0][2] == b'{"v":1}' and answers[1][2] == b'{"v":1}'
        assert json.loads(answers[2][2])["name"] and answers[3][2] == b"1"
    finally:
        c.close()
        slow.stop()


def test_chunked_request_body(conn, ns):
    conn.send(f"PUT /c.json?ns={ns} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
              .encode() + b'5\r\n{"a":\r\n1\r\n[\r\n6\r\n1,2,3]\r\n1\r\n}\r\n0\r\n\r\n')
    status, _, body = conn.response()
    assert status == "HTTP/1.1 200 OK" and json.loads(body) == {"a": [1, 2, 3]}
    conn.send(request("GET", f"/c/a.json?ns={ns}"))
    assert json.loads(conn.response()[2]) == [1, 2, 3]


def test_expect_100_continue_raw(conn, ns):
    body = json.dumps({"t": "x" * 3000}).encode()
    conn.send(f"PUT /e.json?ns={ns} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
              "Expect: 100-continue\r\n\r\n".encode())
    assert conn.response()[0] == "HTTP/1.1 100 Continue"
    conn.send(body)
    status, _, answer = conn.response()
    assert status == "HTTP/1.1 200 OK" and json.loads(answer) == json.loads(body)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_expect_100_continue_with_curl(db, ns):
    # curl sends Expect: 100-continue for large bodies (the threshold depends on its version:
    # ask for it explicitly) and waits for the 100 before sending the body
    body = json.dumps({"text": "y" * 5000})
    done = subprocess.run(
        ["curl", "-sS", "-v", "-X", "PUT", "--data-binary", "@-", "-H",
         "Content-Type: application/json", "-H", "Expect: 100-continue",
         "--expect100-timeout", "20", f"{db.url}/curl.json?ns={ns}"],
        input=body.encode(), capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads(body)
    assert b"Expect: 100-continue" in done.stderr and b"100 Continue" in done.stderr
    assert requests.get(f"{db.url}/curl/text.json?ns={ns}", timeout=5).json() == "y" * 5000


def test_http_1_0(db, ns):
    c = Conn(db.port)
    c.send(request("PUT", f"/h.json?ns={ns}", b"7", version="1.0"))
    status, headers, body = c.response()
    assert status == "HTTP/1.0 200 OK" and body == b"7" and c.closed_by_server()
    c.close()
    c = Conn(db.port)       # HTTP/1.0 keep-alive on request
    c.send(request("GET", f"/h.json?ns={ns}", headers="Connection: keep-alive\r\n",
                   version="1.0"))
    status, headers, body = c.response()
    assert headers["connection"] == "keep-alive" and body == b"7"
    c.send(request("GET", f"/h.json?ns={ns}", version="1.0"))
    assert c.response()[2] == b"7" and c.closed_by_server()
    c.close()


def test_http_1_0_event_stream_is_close_delimited(db, ns):
    requests.put(f"{db.url}/s10.json?ns={ns}", json=1, timeout=5)
    c = Conn(db.port)
    c.send(request("GET", f"/s10.json?ns={ns}", headers="Accept: text/event-stream\r\n",
                   version="1.0"))
    head = c._until(b"\r\n\r\n").decode()
    assert head.startswith("HTTP/1.0 200 OK") and "chunked" not in head.lower()
    c._until(b"\n\n")
    requests.put(f"{db.url}/s10.json?ns={ns}", json=2, timeout=5)
    assert c._until(b"\n\n") == b'event: put\ndata: {"path":"/","data":2}'
    c.close()


def test_connection_close(conn, ns):
    conn.send(request("GET", f"/x.json?ns={ns}", headers="Connection: close\r\n"))
    status, headers, body = conn.response()
    assert headers["connection"] == "close" and body == b"null"
    assert conn.closed_by_server()


@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"FOO /x.json HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET /x.json HTTP/1.1\r\nHost x\r\n\r\n",
    b"GET /x.json HTTP/9.9\r\nHost: x\r\n\r\n",
    b"PUT /x.json HTTP/1.1\r\nContent-Length: zz\r\n\r\n",
    b"PUT /x.json HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /x.json HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
])
def test_malformed_requests_get_a_json_400_and_a_close(conn, raw):
    conn.send(raw)
    status, headers, body = conn.response()
    assert status == "HTTP/1.1 400 Bad Request"
    assert json.loads(body)["error"].startswith("Bad request")
    assert headers["connection"] == "close" and conn.closed_by_server()


def test_a_malformed_request_after_good_ones_is_answered_after_them(conn, ns):
    conn.send(request("GET", f"/x.json?ns={ns}") + b"NOT HTTP\r\n\r\n")
    assert conn.response()[2] == b"null"
    assert conn.response()[0] == "HTTP/1.1 400 Bad Request" and conn.closed_by_server()


def test_bodies_over_the_limit(monkeypatch):
    from messenger_emulators.database import http as db_http

    monkeypatch.setattr(db_http, "MAX_BODY", 1000)
    small = run_in_thread()
    try:
        # announced by Content-Length, with Expect: the 400 comes instead of 100 Continue
        c = Conn(small.port)
        c.send(b"PUT /big.json HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
               b"Expect: 100-continue\r\n\r\n")
        status, headers, body = c.response()
        assert status == "HTTP/1.1 400 Bad Request"
        assert json.loads(body)["error"] == msg.WRITE_TOO_BIG and c.closed_by_server()
        c.close()
        # a chunked body that grows past it
        c = Conn(small.port)
        c.send(b"PUT /big.json HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
               + b"200\r\n" + b"1" * 512 + b"\r\n" + b"200\r\n" + b"1" * 512 + b"\r\n")
        status, headers, body = c.response()
        assert json.loads(body)["error"] == msg.WRITE_TOO_BIG
        c.close()
        assert requests.get(f"{small.url}/big.json", timeout=5).json() is None
    finally:
        small.stop()


def test_head_and_options(conn, ns):
    conn.send(request("HEAD", f"/x.json?ns={ns}"))
    status, headers, _ = conn.response(head_only=True)
    assert status.startswith("HTTP/1.1 200") and int(headers["content-length"]) == 4  # null
    conn.send(request("OPTIONS", f"/x.json?ns={ns}"))      # the body of HEAD was not sent
    status, headers, body = conn.response()
    assert status == "HTTP/1.1 200 OK" and body == b""
    assert headers["access-control-allow-origin"] == "*"
    assert "PATCH" in headers["access-control-allow-methods"]


def test_query_strings_and_hosts(conn, ns, db):
    conn.send(request("PUT", f"/q.json?ns={ns}&print=silent", b'{"a":1}'))
    assert conn.response()[0] == "HTTP/1.1 204 No Content"
    # a repeated orderBy is refused (the handler sees every value)
    conn.send(request("GET", f"/q.json?ns={ns}&orderBy=%22%24key%22&orderBy=%22%24key%22"))
    assert json.loads(conn.response()[2])["error"] == msg.ORDER_BY_INVALID
    # the namespace from a NAME.firebaseio.com-style Host header
    c = Conn(db.port)
    c.send(f"PUT /q.json HTTP/1.1\r\nHost: {ns}.firebaseio.com\r\nContent-Length: 1\r\n\r\n2"
           .encode())
    assert c.response()[2] == b"2"
    c.close()
    conn.send(request("GET", f"/q.json?ns={ns}"))
    assert conn.response()[2] == b"2"


def test_client_disconnect_mid_stream_frees_the_stream(db, ns):
    hub = db.emulator.hub
    before = db.call(lambda: hub.stream_count)
    c = Conn(db.port)
    c.send(request("GET", f"/d.json?ns={ns}", headers="Accept: text/event-stream\r\n"))
    c._until(b"\r\n\r\n")
    c._until(b"\n\n")
    wait_for(lambda: db.call(lambda: hub.stream_count) == before + 1, 5, "stream registered")
    c.close()
    wait_for(lambda: db.call(lambda: hub.stream_count) == before, 5, "stream freed")
    # the location is forgotten too: a write there costs nothing for the gone stream
    assert requests.put(f"{db.url}/d.json?ns={ns}", json=1, timeout=5).status_code == 200
    assert db.call(lambda: hub.stream_count) == before


def test_stop_ends_streams_and_closes_idle_connections():
    running = run_in_thread()
    idle = Conn(running.port)
    idle.send(request("GET", "/x.json"))
    assert idle.response()[2] == b"null"
    stream = Conn(running.port)
    stream.send(request("GET", "/x.json", headers="Accept: text/event-stream\r\n"))
    stream._until(b"\n\n")
    started = time.monotonic()
    running.stop()
    assert time.monotonic() - started < 5
    assert idle.closed_by_server(2)
    assert stream.closed_by_server(2)
    assert stream.buf.endswith(b"0\r\n\r\n")      # a clean end of the chunked body
    idle.close()
    stream.close()


def test_a_request_pipelined_behind_a_stream_is_answered_when_it_ends(db, ns):
    c = Conn(db.port)
    c.send(request("GET", f"/pipe.json?ns={ns}", headers="Accept: text/event-stream\r\n")
           + request("GET", f"/other.json?ns={ns}"))
    assert c._until(b"\r\n\r\n").startswith(b"HTTP/1.1 200 OK")
    c._until(b"\n\n")                                   # the initial put
    rules = {"rules": {".read": False, ".write": True}}
    r = requests.put(f"{db.url}/.settings/rules.json?ns={ns}", json=rules,
                     headers={"Authorization": "Bearer owner"}, timeout=5)
    assert r.status_code == 200
    assert b"event: cancel" in c._until(b"0\r\n\r\n")   # cancel, then the end of the body
    status, _, body = c.response()                      # then the pipelined request
    assert status == "HTTP/1.1 401 Unauthorized" and json.loads(body)["error"]
    c.close()
