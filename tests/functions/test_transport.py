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
