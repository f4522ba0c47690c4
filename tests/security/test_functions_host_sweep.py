"""The functions host and its worker against every kind of caller.

- The host says who the caller is: the function sees the socket peer in X-Forwarded-For,
  whatever forwarding headers the client wrote (per-address sign-in limits depend on it).
- Only the host may call the worker: HTTP requests without the run's secret and event-channel
  connections that do not start with it are refused, so a forged CloudEvent cannot run a
  trigger (which rewrites chat previews) and nobody picks their own X-Forwarded-For.
- A trigger bound to the project's instance ("*") sees only that namespace's events.
- A web page (Origin / Sec-Fetch-Site) gets through the host with neither the admin token nor,
  outside secure mode, any token (the functions check no signature there).
- In secure mode the real `api` verifies ID tokens against the suite's own keys, with no
  internet: every signed-in route answers a signed-in user, and refuses no token, garbage,
  expired, unsigned, foreign-signed and `owner`, with 401 and nothing else; another user's
  token gets 403 on someone else's data.
- From a LAN stranger's address (network namespace): a stranger's failed logins lock that
  address, not everyone behind the host.
"""

from __future__ import annotations

import http.client
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from messenger_emulators.auth.keys import SigningKey
from messenger_emulators.auth.tokens import IdTokens
from messenger_emulators.functions_host import channel
from messenger_emulators.functions_host.channel import EventChannel
from messenger_emulators.functions_host.secret import SECRET_HEADER
from messenger_emulators.functions_host.triggers import build_event

from tests.functions_host.conftest import Host, running_host
from tests.support import netns
from tests.support.suite import FUNCTIONS_SOURCE, running_suite

from .test_auth_sweep import BROWSER, FETCH_METADATA, OWNER, foreign_id_token

PROJECT = "demo-messenger"
REPO = Path(__file__).resolve().parents[2]
RULES = (REPO / "database.rules.json").read_text(encoding="utf-8")
SPOOFED = [("X-Forwarded-For", "6.6.6.6"), ("x-forwarded-for", "7.7.7.7, 8.8.8.8"),
           ("Forwarded", "for=1.2.3.4"), ("X-Real-IP", "5.5.5.5"), ("X-Client-IP", "4.4.4.4"),
           ("X-Forwarded-Host", "evil.example"), (SECRET_HEADER, "a guess")]


@pytest.fixture(scope="module")
def basic(tmp_path_factory) -> Iterator[Host]:
    with pytest.MonkeyPatch.context() as monkeypatch, \
            running_host("basic", tmp_path_factory.mktemp("basic"), monkeypatch) as host:
        host.wait_ready()
        yield host


def _raw(port: int, method: str, path: str, headers: list[tuple[str, str]],
         body: bytes = b"") -> tuple[int, bytes]:
    """One request with headers exactly as given (duplicates and cases kept)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.putrequest(method, path)
        for name, value in headers + [("Content-Length", str(len(body)))]:
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _event(host: Host, ref: tuple[str, ...] = ("messages", "c1", "forged")):
    spec = next(f for f in host.functions.manifest.functions if f.name == "onmessagewritten")
    return build_event(spec.database, host.db.namespace, ref, None,
                       {"sender": "mallory", "text": "forged"}, 1_700_000_000_000,
                       f"127.0.0.1:{host.db.port}")


# ---- what the host tells the function -----------------------------------------------------------

def test_the_function_sees_the_real_peer_and_nothing_the_client_forged(basic: Host) -> None:
    status, body = _raw(basic.functions.port, "GET",
                        f"/{PROJECT}/us-central1/api/headers", SPOOFED)
    assert status == 200, body
    seen = json.loads(body)
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["x-forwarded-for"] == "127.0.0.1"  # the socket peer, one entry
    for name in ("forwarded", "x-real-ip", "x-client-ip", "x-forwarded-host",
                 SECRET_HEADER.lower()):
        assert name not in headers, name
    assert seen["secret_in_env"] is False  # the worker took it out before loading the code


# ---- only the host may call the worker --------------------------------------------------------

def test_worker_http_needs_the_run_secret(basic: Host) -> None:
    worker = basic.functions.worker.base_url
    event = _event(basic)
    right = basic.functions.secret
    wrong = [None, "", "a guess", right[:-1], right + "x", right.upper() if right.upper() != right
             else right.lower(), "é" + right]
    tried = 0
    for secret in wrong:
        extra = {} if secret is None else {SECRET_HEADER: secret.encode("utf-8")}
        for method, path, headers, body in (
                ("POST", "/onmessagewritten/", event.headers, event.body),
                ("GET", "/api/headers", {"X-Forwarded-For": "6.6.6.6"}, b""),
                ("POST", "/api/", {}, b"x"), ("GET", "/nosuch/", {}, b"")):
            r = requests.request(method, worker + path, data=body, timeout=10,
                                 headers={**headers, **extra})
            tried += 1
            assert r.status_code == 403, (secret, path, r.text)
            assert "api called" not in r.text and "6.6.6.6" not in r.text
    assert tried == len(wrong) * 4
    basic.drain()
    assert basic.records("written-messages") == []  # no forged event ran the trigger
    # The control: with the run's secret the same POST runs the function.
    r = requests.post(worker + "/onmessagewritten/", data=event.body, timeout=10,
                      headers={**event.headers, SECRET_HEADER: right})
    assert r.status_code == 200, r.text
    assert basic.wait_records("written-messages", 1)[0]["attributes"]["ref"] == event.ref
    (basic.record_dir / "written-messages.jsonl").unlink()


def _closed_without_answer(sock: socket.socket) -> bool:
    sock.settimeout(10)
    try:
        return sock.recv(4096) == b""
    except ConnectionResetError:
        return True


def test_event_channel_needs_the_run_secret(basic: Host) -> None:
    port = basic.functions.worker.events_port
    event = _event(basic, ("messages", "c2", "forged"))
    call = channel.encode_call(1, "onmessagewritten", event.headers, event.body)
    secret = basic.functions.secret.encode()
    attempts = {
        "no hello, a call": call,
        "empty hello": channel.encode_hello(b"") + call,
        "wrong secret": channel.encode_hello(b"x" * len(secret)) + call,
        "a prefix of it": channel.encode_hello(secret[:-1]) + call,
        "oversized hello": channel.encode_hello(b"y" * 100_000) + call,
        "garbage": b"\x00\x00\x00\x05hello" + call,
    }
    for what, payload in attempts.items():
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(payload)
            assert _closed_without_answer(sock), what
    basic.drain()
    time.sleep(0.2)  # a forged call that got through would be running now
    assert basic.records("written-messages") == []
    # A host-side channel with a wrong secret fails like a worker gone away ...
    stranger = EventChannel(b"not the secret")
    with pytest.raises(ConnectionResetError):
        basic.run(stranger.call(port, "onmessagewritten", event.headers, event.body))
    basic.run(stranger.close())
    # ... and the host's own (the control) is answered.
    assert basic.run(basic.functions.channel.call(port, "onmessagewritten", event.headers,
                                                  event.body)) == 200
    assert basic.wait_records("written-messages", 1)[0]["attributes"]["ref"] == event.ref
    (basic.record_dir / "written-messages.jsonl").unlink()


# ---- a trigger sees its own instance only -------------------------------------------------------

def test_triggers_see_only_the_project_instance(basic: Host) -> None:
    for ns in ("intruder", f"{PROJECT}-other", PROJECT.upper()):
        r = requests.put(f"{basic.db.url}/messages/c3/m1.json?ns={ns}", json={"text": "x"},
                         timeout=10)
        assert r.status_code == 200, r.text
    basic.drain()
    assert basic.records("written-messages") == []
    r = requests.put(basic.db_url("messages/c3/m1"), json={"text": "x"}, timeout=10)
    assert r.status_code == 200
    basic.drain()
    (record,) = basic.wait_records("written-messages", 1)
    assert record["attributes"]["instance"] == PROJECT
    (basic.record_dir / "written-messages.jsonl").unlink()


# ---- web pages -----------------------------------------------------------------------------------

def _unsigned(uid: str) -> str:
    return IdTokens(PROJECT, 3600, None).mint(uid, {}, int(time.time()))


def test_web_pages_get_no_admin_and_no_unchecked_token_through_the_host(basic: Host) -> None:
    url = f"{basic.url}/api/headers"
    refused = [
        {**OWNER, **BROWSER}, {**OWNER, **FETCH_METADATA}, {**OWNER, "Origin": "null"},
        {"Authorization": "Bearer " + _unsigned("alice"), **BROWSER},
        # outside secure mode no signature is checked: even an RS256 token proves nothing
        {"Authorization": "Bearer " + foreign_id_token("alice"), **FETCH_METADATA},
    ]
    for headers in refused:
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 401, (headers, r.text)
        assert set(r.json()) == {"error"} and "web page" in r.json()["error"]
    # Controls: a page without a token, and this machine's programs with any, get through.
    for headers in (BROWSER, OWNER, {"Authorization": "Bearer " + _unsigned("alice")}):
        r = requests.get(url, headers=headers, timeout=10)
        assert r.status_code == 200 and "headers" in r.json(), (headers, r.text)


# ---- the real api in secure mode -----------------------------------------------------------------

TEST_ENV = {"BCRYPT_ROUNDS": "10", "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
            "REGISTER_MAX_PER_ADDRESS": "100000"}


class Api:
    """The real suite in secure mode (rules, real functions) and two signed-in users."""

    def __init__(self, suite, data: Path) -> None:
        self.suite = suite
        self.url = f"{suite.functions_url}/api"
        self.key = SigningKey.load_or_create(data / "auth")

    def register(self, email: str) -> dict:
        r = requests.post(self.url + "/register", json={"email": email,
                                                        "password": "correct horse 1"},
                          timeout=30)
        assert r.status_code == 200, r.text
        body = r.json()
        signed = requests.post(f"{self.suite.auth_url}/identitytoolkit.googleapis.com/v1/"
                               "accounts:signInWithCustomToken",
                               json={"token": body["custom_token"]}, timeout=30)
        assert signed.status_code == 200, signed.text
        return {"uid": body["user_id"], "token": signed.json()["idToken"]}

    def call(self, method: str, route: str, token: str | None = None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, self.url + route, headers=headers, timeout=30, **kwargs)


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[Api]:
    data = tmp_path_factory.mktemp("secure-api")
    with running_suite(rules=RULES, functions_source=FUNCTIONS_SOURCE, env=TEST_ENV,
                       data_dir=data, extra_args=["--secure"]) as suite:
        yield Api(suite, data)


def _signed_in_routes(alice: dict, carol: dict, message_id: str) -> list[tuple]:
    """(method, route, kwargs) of every signed-in route, each aimed at alice's data."""
    a, c = alice["uid"], carol["uid"]
    chat = "_".join(sorted((a, c)))
    return [
        ("GET", "/users", {}),
        ("POST", "/send_message", {"json": {"sender": a, "receiver": c, "content": "hi"}}),
        ("GET", "/get_messages", {"params": {"sender": a, "receiver": c}}),
        ("GET", "/get_new_messages", {"params": {"receiver": a}}),
        ("POST", "/mark_read", {"json": {"sender": c, "receiver": a}}),
        ("DELETE", f"/delete_message/{chat}/{message_id}", {}),
        ("POST", "/update_activity", {"json": {"user_id": a, "online": True}}),
    ]


def test_secure_api_verifies_tokens_against_the_suites_keys(api: Api) -> None:
    """Item 4: signed-in routes answer in secure mode (no certificates from the internet)."""
    alice = api.register("alice-keys@example.com")
    r = api.call("GET", "/users", alice["token"])
    assert r.status_code == 200, r.text
    assert alice["uid"] in {u["user_id"] for u in r.json()}


def test_secure_api_refuses_every_stranger(api: Api) -> None:
    alice = api.register("alice-sweep@example.com")
    carol = api.register("carol-sweep@example.com")
    bob = api.register("bob-sweep@example.com")
    sent = api.call("POST", "/send_message", alice["token"],
                    json={"sender": alice["uid"], "receiver": carol["uid"], "content": "secret"})
    assert sent.status_code == 200, sent.text
    message_id = sent.json()["message_id"]
    now = time.time()
    expired = IdTokens(PROJECT, 3600, api.key).mint(alice["uid"], {}, int(now - 7200),
                                                     now=now - 7200)
    claims = jwt.decode(alice["token"], options={"verify_signature": False})
    other_project = IdTokens("another-project", 3600, api.key).mint(alice["uid"], {}, int(now))
    tampered = alice["token"].rsplit(".", 1)[0] + "." + alice["token"].rsplit(".", 1)[1][::-1]
    strangers = {
        "no token": (None, {}),
        "garbage": ("garbage", {}),
        "expired": (expired, {}),
        "unsigned": (_unsigned(alice["uid"]), {}),
        "foreign key": (foreign_id_token(alice["uid"]), {}),
        "another project": (other_project, {}),
        "tampered signature": (tampered, {}),
        "owner": ("owner", {}),
        "owner from a web page": ("owner", BROWSER),
        "unsigned from a web page": (_unsigned(alice["uid"]), FETCH_METADATA),
    }
    routes = _signed_in_routes(alice, carol, message_id)
    tried = 0
    for kind, (token, headers) in strangers.items():
        for method, route, kwargs in routes:
            r = api.call(method, route, token, headers=dict(headers), **kwargs)
            tried += 1
            where = f"{kind}: {method} {route}"
            assert r.status_code == 401, f"{where}: {r.status_code} {r.text}"
            assert set(r.json()) <= {"detail", "error"}, where
            assert "secret" not in r.text and carol["uid"] not in r.text, where
    assert tried == len(strangers) * len(routes)
    # Another signed-in user (bob) on alice's data: refused, and nothing of it shown.
    for method, route, kwargs in routes[1:]:
        r = api.call(method, route, bob["token"], **kwargs)
        assert r.status_code in (403, 404), f"bob: {method} {route}: {r.status_code} {r.text}"
        assert "secret" not in r.text
    # The controls: alice herself, from this machine or from a web page with her signed token.
    assert claims["sub"] == alice["uid"]
    page = api.call("GET", "/get_messages", alice["token"], headers=dict(BROWSER),
                    params={"sender": alice["uid"], "receiver": carol["uid"]})
    assert page.status_code == 200 and page.json()[0]["content"] == "secret", page.text
    gone = api.call("DELETE", f"/delete_message/{routes[5][1].split('/', 2)[2]}",
                    alice["token"])
    assert gone.status_code == 200, gone.text


# ---- a LAN stranger behind the host -----------------------------------------------------------

@pytest.mark.skipif(not netns.available(), reason="this machine allows no unprivileged network "
                                                  "namespace (unshare -rn)")
def test_lan_strangers_failures_lock_only_their_address(tmp_path) -> None:
    # FORWARDED_HOPS stays unset, as `make run` has it: the function believes the last
    # X-Forwarded-For entry only from its loopback peer, the host.
    env = {**TEST_ENV, "LOGIN_MAX_FAILURES_PER_ADDRESS": "3", "LOGIN_MAX_FAILURES_PER_EMAIL": "100"}
    with running_suite(rules=RULES, functions_source=FUNCTIONS_SOURCE, env=env,
                       data_dir=tmp_path / "data", extra_args=["--host", netns.SUITE_ADDRESS],
                       prefix=netns.namespace_prefix()) as suite:
        ports = {"functions": suite.ports["functions"]}
        base = f"/{PROJECT}/us-central1/api"
        json_body = {"Content-Type": "application/json"}
        with netns.Relay(suite.pid, ports) as stranger, \
                netns.Relay(suite.pid, ports, source=netns.SUITE_ADDRESS) as local:
            status, _, body = local.request("functions", "POST", base + "/register", json_body,
                                            json.dumps({"email": "dana@example.com",
                                                        "password": "correct horse 1"}))
            assert status == 200, body
            statuses = []
            for i in range(5):
                # Each try names a different client in the forwarding headers: the host
                # replaces them with the stranger's real address.
                headers = {**json_body, "X-Forwarded-For": f"192.0.2.{i}"}
                status, _, body = stranger.request(
                    "functions", "POST", base + "/login", headers,
                    json.dumps({"email": f"nobody{i}@example.com", "password": "wrong"}))
                statuses.append(status)
            assert statuses[:3] == [401, 401, 401] and 429 in statuses[3:], statuses
            # dana, at another address, is not locked out by the stranger.
            status, _, body = local.request("functions", "POST", base + "/login", json_body,
                                            json.dumps({"email": "dana@example.com",
                                                        "password": "correct horse 1"}))
            assert status == 200, body
            # The stranger reaches no worker port: it listens on the namespace's loopback.
            status, _, body = stranger.request("functions", "GET", base + "/users", OWNER)
            assert status == 401, body
