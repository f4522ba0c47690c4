"""Property-based bad input against the real database REST layer (the suite in a subprocess).

Random methods, paths (known names, wildcards, odd characters, percent-escapes), query
parameters (Firebase's names and random ones, good and bad values), bodies (any JSON, bad JSON,
raw bytes), identities (none, admin, a signed-in user, garbage, expired) and ETag headers.
Properties: never a 5xx, never a hang (a 10 s client timeout fails the test), an error is a
JSON `{"error": ...}`, and a request that is not a success changes nothing (the whole tree,
priorities included, is compared before and after).
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.suite import running_suite

from .conftest import ADMIN, REPO_RULES, users

CLIENT_TIMEOUT = 10
QUICK_EXAMPLES = 150
SLOW_EXAMPLES = 2000
TRIED = {"requests": 0, "rejected": 0}

NAMES = ["users", "messages", "status", "chats", "userChats", "credentials", "emails",
         "a_b", "u1", "m1", "ts", "online", "$x", "-Nabc", "0", "1", "", " ", "..", "%",
         "a" * 800, "ключ", "🙂", "\x7f", "a.b", "a#b", "a$b", "a[0]"]
PARAM_NAMES = ["orderBy", "startAt", "endAt", "equalTo", "limitToFirst", "limitToLast",
               "shallow", "print", "format", "timeout", "writeSizeLimit", "download",
               "callback", "auth", "access_token", "auth_variable_override", "ns", "x"]
PARAM_VALUES = ['"$key"', '"$value"', '"$priority"', '"ts"', '"a/b"', "ts", "true", "false",
                "null", "1", "-1", "0", "1.5", "99999999999999999999", '"a"', "pretty",
                "silent", "export", "3ms", "15min", "16min", "0s", "tiny", "unlimited", "",
                '{"uid":"u1"}', "[", "\u0000"]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
    | st.sampled_from([{".sv": "timestamp"}, {".sv": {"increment": 1}}, {".sv": "bogus"},
                       {".value": 1, ".priority": "p"}, {".priority": {}}, {"sender": "u1",
                        "text": "hi", "ts": {".sv": "timestamp"}}]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(NAMES) | st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)
bodies = (json_values.map(lambda v: json.dumps(v).encode())
          | st.sampled_from([b"", b"{", b"NaN", b"[1,]", b"\xff\xfe", b'{"a":Infinity}',
                             b'{"a": 1, "a": 2}', b"1" * 5000, b'"' + b"x" * 100 + b'"'])
          | st.binary(max_size=40))
segments = st.sampled_from(NAMES) | st.text(max_size=12)


def _path(parts: list[str], suffix: str, raw: bool) -> str:
    joined = "/".join(p if raw else quote(p, safe="") for p in parts)
    return f"/{joined}{suffix}"


requests_ = st.fixed_dictionaries({
    "method": st.sampled_from(["GET", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "HEAD"]),
    "parts": st.lists(segments, max_size=4),
    "suffix": st.sampled_from([".json", ".json", ".json", "", ".JSON", "/.json", ".json/x"]),
    "raw": st.booleans(),
    "params": st.dictionaries(st.sampled_from(PARAM_NAMES) | st.text(max_size=6),
                              st.sampled_from(PARAM_VALUES) | st.text(max_size=12), max_size=4),
    "body": bodies,
    "who": st.sampled_from(["none", "admin", "user", "garbage", "expired", "bearer-user"]),
    "etag": st.sampled_from([None, "true-header", "if-match-bad", "null_etag"]),
})


@pytest.fixture(scope="module")
def server():
    with running_suite(only=("auth", "database"), rules=REPO_RULES) as suite:
        (user,) = users(suite, 1, prefix="fuzz")
        seed = {"users": {user.uid: {"email": "a@example.com", "displayName": "A",
                                      "createdAt": 1}},
                "status": {user.uid: {"online": True, "lastSeen": 1}},
                "messages": {"a_b": {"m1": {"sender": "a", "text": "hi", "ts": 1}}},
                "things": {".priority": 3, "x": {".value": 1, ".priority": "p"}}}
        r = requests.put(f"{suite.database_url}/.json", params={"ns": suite.ns},
                         headers=ADMIN, json=seed, timeout=30)
        assert r.status_code == 200, r.text
        suite.fuzz_user = user
        yield suite
    print(f"\nREST fuzz: {TRIED['requests']} requests, {TRIED['rejected']} rejected, no 5xx")


def _snapshot(suite) -> bytes:
    r = requests.get(f"{suite.database_url}/.json", params={"ns": suite.ns, "format": "export"},
                     headers=ADMIN, timeout=CLIENT_TIMEOUT)
    assert r.status_code == 200, r.text
    return r.content


def _identity(suite, who: str) -> tuple[dict, dict]:
    token = suite.fuzz_user.id_token
    expired = ("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ1MSIsInVzZXJfaWQiOiJ1MSIsImF1Z"
               "CI6ImRlbW8tbWVzc2VuZ2VyIiwiZXhwIjoxMDAwMDAwMDAwLCJpYXQiOjF9.")
    return {
        "none": ({}, {}),
        "admin": ({}, ADMIN),
        "user": ({"auth": token}, {}),
        "bearer-user": ({}, {"Authorization": f"Bearer {token}"}),
        "garbage": ({"auth": "not.a.token"}, {}),
        "expired": ({"auth": expired}, {}),
    }[who]


def check_request(suite, case: dict) -> None:
    if case["parts"][:1] == [".settings"]:
        case["parts"] = ["settings"]   # rules uploads have their own fuzz test
    url = suite.database_url + _path(case["parts"], case["suffix"], case["raw"])
    params, headers = _identity(suite, case["who"])
    params = {**case["params"], **params}
    if case["etag"] == "true-header":
        headers = {**headers, "X-Firebase-ETag": "true"}
    elif case["etag"] == "if-match-bad":
        headers = {**headers, "if-match": "bogus-etag"}
    elif case["etag"] == "null_etag":
        headers = {**headers, "if-match": "null_etag"}
    body = case["body"] if case["method"] in ("PUT", "POST", "PATCH") else None
    before = _snapshot(suite)
    r = requests.request(case["method"], url, params=params, headers=headers, data=body,
                         timeout=CLIENT_TIMEOUT)
    TRIED["requests"] += 1
    sent = (body or b"")[:200]
    what = f"{case['method']} {r.url} ({case['who']}, {case['etag']}, body {sent!r}): " \
           f"{r.status_code} {r.text[:300]!r}"
    assert r.status_code < 500, what
    if 400 <= r.status_code < 500 and r.status_code != 412 and case["method"] != "HEAD":
        try:
            assert "error" in r.json(), what
        except ValueError:
            raise AssertionError(f"an error body that is not JSON: {what}") from None
    if not 200 <= r.status_code < 300 or case["method"] in ("GET", "HEAD", "OPTIONS"):
        TRIED["rejected"] += r.status_code >= 300
        assert _snapshot(suite) == before, f"a {r.status_code} {case['method']} changed the tree"


@settings(max_examples=QUICK_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=requests_)
def test_rest_never_fails_and_rejections_change_nothing(server, case) -> None:
    check_request(server, case)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=requests_)
def test_rest_never_fails_and_rejections_change_nothing_many(server, case) -> None:
    check_request(server, case)


def test_an_empty_patch_under_rules_is_not_a_server_error(server) -> None:
    """Found by the fuzz above (was an IndexError in engine.py, fixed in e1743f4):
    `curl -X PATCH 'http://HOST:PORT/.json' -d '{}'`."""
    for path in (".json", "users.json"):
        r = requests.patch(f"{server.database_url}/{path}", params={"ns": server.ns},
                           data=b"{}", timeout=CLIENT_TIMEOUT)
        assert r.status_code < 500, r.text


def test_a_line_break_in_the_path_gets_a_json_error(server) -> None:
    """Found by the fuzz above (fixed in b850c91: the route was '/{tail:.*}' and '.' does not
    match a newline): `curl 'http://HOST:PORT/a%0Ab.json'`."""
    r = requests.get(f"{server.database_url}/a%0Ab.json", params={"ns": server.ns},
                     headers=ADMIN, timeout=CLIENT_TIMEOUT)
    assert r.status_code == 400 and "error" in r.json(), (r.status_code, r.text)
