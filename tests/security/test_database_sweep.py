"""The Realtime Database emulator, attacked systematically (issue 12).

Every REST method x every query parameter and header the database accepts x every kind of
caller x the protected paths of the project's `database.rules.json`, against the real suite
(Auth + Database emulators, the project's rules, ID tokens minted by the Auth emulator):

- every request is sent twice, to a location holding data and to one that holds none (same
  rules); a refused caller must get the same answer for both: status, headers (ETag!), body
  and length reveal nothing about the data;
- a request whose path, query and body are well-formed must get exactly Firebase's refusal:
  the caller's plain refusal (`401 {"error": "Permission denied"}` for a caller the rules
  refuse, the credential error for a credential that is not accepted), whatever the other
  parameters and headers say (if-match, writeSizeLimit, print, X-Rules-Trace, ...);
- requests that cannot be read (a malformed body, HEAD) may be answered 400/405 before access
  is decided, but still the same for data and no data.

Callers: nobody, garbage, expired, another user (valid token, not a member), another project,
unsigned tokens in secure mode, web pages (Origin / Sec-Fetch-Site / JSONP) with the admin
credential or unsigned tokens; `owner` from a LAN peer in secure mode is in
test_database_lan.py (network namespaces).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from .db_support import PROJECT, InProcessSuite, as_admin
from .db_sweep import ANONYMOUS_PAIRS, ORIGIN, PAIRS, NoTokens, Target, callers, run_sweep


def _start(tmp_path_factory, secure: bool) -> Iterator[Target]:
    suite = InProcessSuite(tmp_path_factory.mktemp("secure" if secure else "open"),
                           secure=secure).start()
    try:
        target = Target(suite, secure)
        yield target
        target.client.close()
    finally:
        suite.stop()


@pytest.fixture(scope="module")
def open_target(tmp_path_factory) -> Iterator[Target]:
    yield from _start(tmp_path_factory, secure=False)


@pytest.fixture(scope="module")
def secure_target(tmp_path_factory) -> Iterator[Target]:
    yield from _start(tmp_path_factory, secure=True)


def _caller_names(secure: bool) -> list[str]:
    return [c.name for c in callers(NoTokens(), secure)]


def _run(target: Target, name: str):
    return run_sweep(target.client, target, target.callers[name])


@pytest.mark.parametrize("name", _caller_names(secure=False))
def test_open_mode_refused_callers_learn_nothing(open_target, name):
    result = _run(open_target, name)
    assert not result.failures, result.report()
    assert result.requests > 500


@pytest.mark.parametrize("name", _caller_names(secure=True))
def test_secure_mode_refused_callers_learn_nothing(secure_target, name):
    result = _run(secure_target, name)
    assert not result.failures, result.report()
    assert result.requests > 500


# --- controls: the sweep is not vacuous ---
@pytest.mark.parametrize("mode", ["open", "secure"])
def test_controls_the_data_is_there_and_tokens_work(request, mode):
    target: Target = request.getfixturevalue(f"{mode}_target")
    client = target.client
    for full, empty in PAIRS + ANONYMOUS_PAIRS:
        seen = as_admin(client, "GET", full.url, params={"ns": full.ns})
        assert seen.status == 200 and json.loads(seen.body) is not None, (full, seen.short())
        none = as_admin(client, "GET", empty.url, params={"ns": empty.ns})
        assert none.status == 200 and json.loads(none.body) is None, (empty, none.short())
    # a member reads her own chats with the token the sweep's "another user" is made like
    alice = target.suite.token("alice")
    mine = client.request("GET", "/userChats/alice.json", {"ns": PROJECT, "auth": alice})
    assert mine.status == 200 and "alice_bob" in json.loads(mine.body), mine.short()
    # ...also from a web page: CORS works for accepted tokens
    if target.secure:
        page = client.request("GET", "/userChats/alice.json", {"ns": PROJECT, "auth": alice},
                              ORIGIN)
        assert page.status == 200 and page.header("access-control-allow-origin") == "*"


@pytest.mark.parametrize("mode", ["open", "secure"])
def test_rules_trace_is_for_the_operator_only(request, mode):
    """The admin (owner + auth_variable_override, from this machine) gets the trace of the
    refused read it simulates; a user does not, and the answer is otherwise the same."""
    target: Target = request.getfixturevalue(f"{mode}_target")
    client = target.client
    trace = {"X-Rules-Trace": "true"}
    as_mallory = {"auth": "owner", "auth_variable_override": json.dumps({"uid": "mallory"}),
                  "ns": PROJECT}
    operator = client.request("GET", "/chats/alice_bob.json", as_mallory, trace)
    assert operator.status == 401
    decisions = json.loads(operator.header("x-rules-trace"))
    assert decisions[0]["allowed"] is False and decisions[0]["trace"]
    user = client.request("GET", "/chats/alice_bob.json",
                          {"auth": target.suite.token("mallory"), "ns": PROJECT}, trace)
    assert user.status == 401 and user.header("x-rules-trace") is None
    assert json.loads(user.body) == {"error": "Permission denied"}


@pytest.mark.parametrize("mode", ["open", "secure"])
def test_rules_endpoint_refuses_every_caller(request, mode):
    """/.settings/rules.json (read or replace the rules) is the admin's: no caller of the
    sweep may read it or open the database by replacing it."""
    target: Target = request.getfixturevalue(f"{mode}_target")
    client = target.client
    before = as_admin(client, "GET", "/.settings/rules.json", params={"ns": PROJECT})
    assert before.status == 200 and b'"credentials"' in before.body
    opened = json.dumps({"rules": {".read": True, ".write": True}}).encode()
    for caller in target.callers.values():
        params = {"ns": PROJECT, **caller.params}
        for method, body in (("GET", None), ("PUT", opened)):
            answer = client.request(method, "/.settings/rules.json", params,
                                    dict(caller.headers), body)
            assert answer.status == 401 and b"rules" not in answer.body.replace(
                b"Only the admin may read or change rules.", b""), (caller.name, method,
                                                                    answer.short())
    after = as_admin(client, "GET", "/.settings/rules.json", params={"ns": PROJECT})
    assert after.body == before.body
