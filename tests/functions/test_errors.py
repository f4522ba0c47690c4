"""Every failure of the API is JSON {"detail": ...} with the right status, never a traceback."""

from __future__ import annotations

import pytest
import requests

from .stack import running_stack


def _check(reply: requests.Response, status: int) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["Content-Type"].startswith("application/json")
    body = reply.json()
    assert set(body) == {"detail"} and body["detail"], body
    assert "Traceback" not in reply.text
    return body


def test_routing_errors(stack, new_user):
    user = new_user("errors")
    _check(requests.get(f"{stack.api_url}/no/such/route", timeout=30), 404)
    reply = requests.put(f"{stack.api_url}/register", json={}, timeout=30)
    _check(reply, 405)
    assert reply.headers["Allow"] == "POST"
    reply = user.api("PATCH", "/users")
    _check(reply, 405)
    assert "GET" in reply.headers["Allow"]


@pytest.mark.parametrize(
    "kwargs,status,fragment",
    [
        ({"data": b"{not json", "headers": {"Content-Type": "application/json"}}, 400, "JSON"),
        ({"data": b"[" * 60_000, "headers": {"Content-Type": "application/json"}}, 400, "JSON"),
        ({"data": b"[1, 2]", "headers": {"Content-Type": "application/json"}}, 400, "object"),
        ({"data": b"\xff\xfe", "headers": {"Content-Type": "application/json"}}, 400, "UTF-8"),
        ({"data": b"<xml/>", "headers": {"Content-Type": "text/xml"}}, 400, "application/json"),
        ({"json": {"email": "a@b.co", "password": "x" * 70_000}}, 413, "larger"),
        ({"json": {"email": "a@example.com", "password": "\ud800\ud800\ud800\ud800xxxx"}}, 400,
         "Unicode"),
    ],
)
def test_bad_bodies(stack, kwargs, status, fragment):
    reply = requests.post(f"{stack.api_url}/register", timeout=30, **kwargs)
    assert fragment in _check(reply, status)["detail"]


@pytest.mark.parametrize(
    "params,fragment",
    [
        ({"receiver": "x"}, "sender"),
        ({"sender": "a", "receiver": "b", "limit": "0"}, "limit"),
        ({"sender": "a", "receiver": "b", "limit": "many"}, "limit"),
        ({"sender": "a/b", "receiver": "b"}, "sender"),
        ({"sender": "a", "receiver": "b", "before": "-5"}, "before"),
    ],
)
def test_bad_query_parameters(new_user, params, fragment):
    user = new_user("query")
    params = {key: (user.uid if value == "a" else value) for key, value in params.items()}
    assert fragment in _check(user.api("GET", "/get_messages", params=params), 400)["detail"]


def test_message_rules_in_the_api(new_user):
    alice, bob = new_user("api-a"), new_user("api-b")
    send = {"sender": alice.uid, "receiver": bob.uid}
    too_long = _check(alice.api("POST", "/send_message", json={**send, "content": "x" * 4001}), 400)
    assert too_long["detail"] == "The message must be at most 4000 characters long."
    _check(alice.api("POST", "/send_message", json={**send, "content": "   "}), 400)
    _check(alice.api("POST", "/send_message", json={**send, "receiver": alice.uid,
                                                     "content": "me"}), 400)
    _check(alice.api("POST", "/send_message", json={**send, "receiver": "nobody",
                                                     "content": "hi"}), 404)
    ok = alice.api("POST", "/send_message", json={**send, "content": "y" * 4000})
    assert ok.status_code == 200, ok.text
    _check(alice.api("DELETE", "/delete_message/not.valid/x"), 404)


def test_database_outage_is_503_not_500():
    """With the database gone, the API says so in a sentence (and a Retry-After)."""
    with running_stack(with_functions_host=False) as stack:
        stack.suite.kill()
        reply = requests.post(f"{stack.api_url}/login",
                              json={"email": "a@example.com", "password": "whatever1"}, timeout=60)
        body = _check(reply, 503)
        assert "unavailable" in body["detail"]
        assert reply.headers["Retry-After"]
