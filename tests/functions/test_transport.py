"""transport.FastSession, the trigger's lean HTTP path to the emulator, against a scripted
server: keep-alive, chunked and close-delimited answers, 503 retries, a connection the server
closed meanwhile, and everything that is not plain HTTP left to the original session."""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from .stack import FUNCTIONS  # noqa: F401  (puts functions/ on sys.path)


class Credentials:
    valid = True

    def apply(self, headers):
        headers["authorization"] = "Bearer owner"


class Original:
    """Stands in for google-auth's AuthorizedSession."""

    def __init__(self):
        self.credentials = Credentials()
        self.headers = {"User-Agent": "test"}
        self.calls = []

    def request(self, method, url, **kwargs):
        self.calls.append((method, url))
        return "original"

    def close(self):
        pass


class Server:
    """Answers each request with the next scripted bytes; `None` closes the connection."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while self.answers:
            conn, _ = self.sock.accept()
            self.connections += 1
            with conn:
                reader = conn.makefile("rb")
                while self.answers:
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = reader.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = 0
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            length = int(line.split(b":")[1])
                    self.requests.append(head + reader.read(length))
                    answer = self.answers.pop(0)
                    if answer is None:
                        break
                    conn.sendall(answer)
                reader.close()  # with it, the socket really closes (the client sees EOF)


def _ok(body: bytes, extra: str = "") -> bytes:
    return (f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: e1\r\n{extra}"
            f"Content-Length: {len(body)}\r\n\r\n").encode() + body


@pytest.fixture
def make():
    from messenger_functions.transport import FastSession

    def build(answers):
        server = Server(answers)
        return server, FastSession(Original()), f"http://127.0.0.1:{server.port}"
    return build


def test_keep_alive_json_and_headers(make) -> None:
    server, session, base = make([_ok(b'{"a": 1}'), _ok(b"null")])
    first = session.request("put", f"{base}/x.json", json={"v": 1}, params="ns=demo",
                            headers={"if-match": "e0"}, timeout=5)
    assert first.status_code == 200 and first.json() == {"a": 1}
    assert first.headers["etag"] == "e1"
    assert session.request("get", f"{base}/y.json", timeout=5).json() is None
    assert server.connections == 1  # one kept-alive connection for both
    sent = server.requests[0].decode()
    assert sent.startswith("PUT /x.json?ns=demo HTTP/1.1\r\n")
    assert "authorization: Bearer owner" in sent and "if-match: e0" in sent
    assert "User-Agent: test" in sent and sent.endswith('{"v": 1}')


def test_chunked_and_close_delimited_answers(make) -> None:
    chunked = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"3\r\n[1,\r\n2\r\n2]\r\n0\r\n\r\n")
    closing = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n\"done\""
    server, session, base = make([chunked, closing])
    assert session.request("get", f"{base}/a.json", timeout=5).json() == [1, 2]
    assert session.request("get", f"{base}/b.json", timeout=5).json() == "done"


def test_503_is_retried_then_errors_reach_firebase_admin(make, monkeypatch) -> None:
    from messenger_functions import transport

    monkeypatch.setattr(transport.time, "sleep", lambda s: None)
    unavailable = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 17\r\n\r\n"
                   b'{"error": "busy"}')
    refused = _ok(json.dumps({"error": "Permission denied"}).encode()).replace(
        b"200 OK", b"401 Unauthorized")
    server, session, base = make([unavailable, _ok(b"1"), refused])
    assert session.request("get", f"{base}/a.json", timeout=5).json() == 1
    answer = session.request("get", f"{base}/b.json", timeout=5)
    assert answer.status_code == 401
    with pytest.raises(requests.HTTPError):
        answer.raise_for_status()


def test_a_connection_closed_by_the_server_is_replaced(make) -> None:
    server, session, base = make([_ok(b"1"), None, _ok(b"2")])
    assert session.request("get", f"{base}/a.json", timeout=5).json() == 1
    # the server drops the kept-alive connection: the request is sent again on a new one
    assert session.request("get", f"{base}/b.json", timeout=5).json() == 2
    assert server.connections == 2


def test_unreachable_is_a_connection_error(make) -> None:
    from messenger_functions.transport import FastSession

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(requests.ConnectionError):
        FastSession(Original()).request("get", f"http://127.0.0.1:{port}/a.json", timeout=5)


def test_https_and_unknown_arguments_use_the_original_session() -> None:
    from messenger_functions.transport import FastSession

    original = Original()
    session = FastSession(original)
    assert session.request("get", "https://example.firebaseio.com/a.json") == "original"
    assert session.request("get", "http://127.0.0.1:1/a.json", stream=True) == "original"
    original.credentials.valid = False
    assert session.request("get", "http://127.0.0.1:1/a.json") == "original"
    assert len(original.calls) == 3


def test_patch_with_a_silent_answer(make) -> None:
    """The trigger's id PATCHes (firebase-admin's update(): print=silent, 204 No Content)."""
    silent = b"HTTP/1.1 204 No Content\r\n\r\n"
    server, session, base = make([silent, _ok(b"1")])
    answer = session.request("patch", f"{base}/.json", json={"a/b": 1, "a/c": None},
                             params="print=silent", timeout=5)
    assert answer.status_code == 204 and answer.content == b""
    assert session.request("get", f"{base}/a.json", timeout=5).json() == 1
    assert server.connections == 1  # the connection stays usable after a bodiless answer
    sent = server.requests[0].decode()
    assert sent.startswith("PATCH /.json?print=silent HTTP/1.1\r\n")
    assert "Content-Length: 23\r\n" in sent and sent.endswith('{"a/b": 1, "a/c": null}')


class ConcurrentServer:
    """A thread per connection; `answer(request) -> bytes | None` (None: close it)."""

    def __init__(self, answer):
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            conn, _ = self.sock.accept()
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        with conn:
            reader = conn.makefile("rb")
            while True:
                head = b""
                while not head.endswith(b"\r\n\r\n"):
                    line = reader.readline()
                    if not line:
                        break
                    head += line
                if not head:
                    break
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":")[1])
                request = head + reader.read(length)
                self.requests.append(request)
                answer = self.answer(request)
                if answer is None:
                    break
                conn.sendall(answer)
            reader.close()


def test_send_all_sends_every_request_before_reading_and_keeps_each_answer_in_place() -> None:
    """send_all (over InFlight, as the trigger's writer sends): each request on its own
    connection, all in flight at once (the first is answered only once the last has
    arrived), answers in call order."""
    from messenger_functions.transport import FastSession

    arrived = threading.Event()

    def answer(request: bytes) -> bytes:
        target = request.split(b" ", 2)[1].decode()
        if target.startswith("/n0"):
            assert arrived.wait(5), "the requests were not all sent at once"
        if target.startswith("/n2"):
            arrived.set()
        return _ok(json.dumps(target).encode())

    server = ConcurrentServer(answer)
    session = FastSession(Original())
    base = f"http://127.0.0.1:{server.port}"
    calls = [("PUT", f"{base}/n{i}.json?ns=demo", {"if-match": f"e{i}"}, b'{"v": 1}')
             for i in range(3)]
    answers = session.send_all(calls, 5)
    assert [(status, json.loads(body)) for status, _, body in answers] == [
        (200, f"/n{i}.json?ns=demo") for i in range(3)]
    assert ("ETag", "e1") in answers[0][1]
    assert server.connections == 3
    sent = sorted(r.decode() for r in server.requests)
    assert sent[1].startswith("PUT /n1.json?ns=demo HTTP/1.1\r\n")
    assert "authorization: Bearer owner" in sent[1] and "if-match: e1" in sent[1]
    assert sent[1].endswith('{"v": 1}')
    # the connections are kept: a second batch opens none
    assert [a[0] for a in session.send_all(calls[:2], 5)] == [200, 200]
    assert server.connections == 3


def test_send_all_replaces_closed_connections_and_reports_failures_per_call() -> None:
    from messenger_functions.transport import FastSession

    closing = {"on": False}

    def answer(request: bytes) -> bytes | None:
        return None if closing["on"] else _ok(b"1")

    server = ConcurrentServer(answer)
    session = FastSession(Original())
    base = f"http://127.0.0.1:{server.port}"
    calls = [("GET", f"{base}/a.json", {}, b""), ("GET", f"{base}/b.json", {}, b"")]
    assert [a[0] for a in session.send_all(calls, 5)] == [200, 200]
    # the server drops its kept-alive connections: each request is sent again, once, on a
    # new connection; those are dropped too: a connection error for each call
    closing["on"] = True
    answers = session.send_all(calls, 5)
    assert all(isinstance(a, requests.ConnectionError) for a in answers)
    assert server.connections == 4
    closing["on"] = False
    assert [a[0] for a in session.send_all(calls, 5)] == [200, 200]

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gone = session.send_all([("GET", f"http://127.0.0.1:{port}/a.json", {}, b"")], 5)
    assert isinstance(gone[0], requests.ConnectionError)
    # not plain HTTP, or an invalid credential: the caller sends them one by one instead
    assert session.send_all([("GET", "https://example.firebaseio.com/a.json", {}, b"")],
                            5) is None
