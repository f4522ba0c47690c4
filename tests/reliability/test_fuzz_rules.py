"""Property-based rules uploads through the real server (PUT /.settings/rules.json).

Expressions come from the rules grammar (variables, snapshot and string methods, every
operator, regexes, ternaries), from token soup, from raw text and from pathological nesting;
documents nest them at random places with random keys. Properties: the upload answers 200 or
400 (with an `{"error": ...}`), never a 5xx or a hang; the server still answers afterwards;
and when the rules were accepted, reads, writes and a stream evaluated under them never 5xx.
tests/rules fuzzes the parser in-process; this drives the same inputs through HTTP.
"""

from __future__ import annotations

import json

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.suite import running_suite

from .conftest import ADMIN, users

CLIENT_TIMEOUT = 10
QUICK_EXAMPLES = 60
SLOW_EXAMPLES = 1500
TRIED = {"uploads": 0, "accepted": 0}

ATOMS = ["auth", "auth.uid", "auth.token.email", "auth.token.email_verified", "now", "root",
         "data", "newData", "$x", "$other", "query.orderByChild", "query.limitToFirst",
         "'a'", '"b"', "''", "1", "0", "-1", "1.5", "1e309", "true", "false", "null",
         "/^a.*$/", "/[a-z]+/i", "/(/", "undefined", "x"]
SUFFIXES = [".child('a')", ".child($x)", ".val()", ".exists()", ".hasChild('x')",
            ".hasChildren(['a', 'b'])", ".hasChildren()", ".parent()", ".isString()",
            ".isNumber()", ".isBoolean()", ".getPriority()", ".length", ".contains('a')",
            ".beginsWith('a')", ".endsWith('a')", ".matches(/a+/)", ".replace('a', 'b')",
            ".toLowerCase()", ".toUpperCase()", ".child()", ".val", ".nope()", "[0]"]
BINARY = ["+", "-", "*", "/", "%", "==", "===", "!=", "!==", "<", "<=", ">", ">=", "&&", "||"]
TOKENS = ATOMS + SUFFIXES + BINARY + ["(", ")", "!", "?", ":", ",", ".", "[", "]", "'", "\\"]


def _expressions() -> st.SearchStrategy[str]:
    atom = st.builds(lambda a, s: a + "".join(s), st.sampled_from(ATOMS),
                     st.lists(st.sampled_from(SUFFIXES), max_size=3))
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(BINARY), inner),
            st.builds(lambda a: f"!({a})", inner),
            st.builds(lambda a: f"-{a}", inner),
            st.builds(lambda a, b, c: f"{a} ? {b} : {c}", inner, inner, inner),
            st.builds(lambda a: f"({a})", inner),
        ),
        max_leaves=12,
    )


def _conditions() -> st.SearchStrategy[str]:
    """Mostly well-typed boolean conditions, so that many uploads are accepted and run."""
    value = st.sampled_from(["auth.uid", "$x", "now", "newData.val()", "data.val()",
                             "newData.child('b').val()", "root.child('a').child($x).val()",
                             "auth.token.email", "newData.child('c').val().length", "'k'",
                             "1", "null", "true", "newData.child('b').val() + 1"])
    test = st.sampled_from(["auth != null", "newData.exists()", "data.exists()",
                            "newData.hasChildren(['b'])", "newData.isNumber()",
                            "$x.matches(/^k/)", "$x.beginsWith('k')", "newData.isString()",
                            "root.child('a').hasChild($x)", "query.limitToFirst == null"])
    comparison = st.builds(lambda a, op, b: f"{a} {op} {b}", value,
                           st.sampled_from(["==", "===", "!=", "<", ">=", ">"]), value)
    return st.recursive(
        test | comparison,
        lambda inner: st.builds(lambda a, op, b: f"({a}) {op} ({b})", inner,
                                st.sampled_from(["&&", "||"]), inner)
        | inner.map(lambda a: f"!({a})")
        | st.builds(lambda a, b, c: f"{a} ? {b} : {c}", inner, inner, inner),
        max_leaves=6,
    )


def _rules_with(condition: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.builds(
        lambda r, w, v: json.dumps({"rules": {"a": {"$x": {".read": r, ".write": w,
                                                           ".validate": v}}}}),
        condition, condition, condition)


expressions = st.one_of(
    _expressions(),
    st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join),          # token soup
    st.text(max_size=40),                                                   # anything
    st.integers(1, 3000).map(lambda n: "(" * n + "true" + ")" * n),         # deep nesting
    st.integers(1, 3000).map(lambda n: "!" * n + "true"),
    st.integers(1, 1000).map(lambda n: " && ".join(["auth != null"] * n)),
)
rule_values = expressions | st.booleans() | st.integers() | st.none() | st.lists(
    st.text(max_size=5), max_size=3)
rule_keys = st.sampled_from([".read", ".write", ".validate", ".indexOn", "a", "$x", "$other",
                             "b", ".other", "$", "", ".read "]) | st.text(max_size=8)
documents = st.recursive(
    st.dictionaries(rule_keys, rule_values, max_size=4),
    lambda inner: st.dictionaries(rule_keys, inner | rule_values, max_size=4),
    max_leaves=12,
).map(lambda body: {"rules": body})
uploads = (documents.map(json.dumps)
           | _rules_with(_conditions())
           | _rules_with(_conditions())
           | st.builds(lambda e: json.dumps({"rules": {"a": {"$x": {".read": e, ".write": e,
                                                                     ".validate": e}}}}),
                       expressions)
           | st.text(max_size=60)
           | st.sampled_from(["", "{", '{"rules": 1}', '{"rules": {}} trailing',
                              '// comment\n{"rules": {".read": true}}', "[]", "null"]))


@pytest.fixture(scope="module")
def server():
    with running_suite(only=("auth", "database")) as suite:
        (user,) = users(suite, 1, prefix="rulesfuzz")
        suite.fuzz_user = user
        yield suite
    print(f"\nrules fuzz: {TRIED['uploads']} uploads, {TRIED['accepted']} accepted, no 5xx")


def check_upload(suite, text: str) -> None:
    base, ns = suite.database_url, {"ns": suite.ns}
    r = requests.put(f"{base}/.settings/rules.json", params=ns, headers=ADMIN,
                     data=text.encode("utf-8", "surrogatepass"), timeout=CLIENT_TIMEOUT)
    TRIED["uploads"] += 1
    assert r.status_code in (200, 400), f"{r.status_code} {r.text[:300]}"
    if r.status_code == 400:
        assert "error" in r.json(), r.text[:300]
    alive = requests.get(f"{base}/.json", params=ns, headers=ADMIN, timeout=CLIENT_TIMEOUT)
    assert alive.status_code == 200, "the server stopped answering after a rules upload"
    if r.status_code != 200:
        return
    TRIED["accepted"] += 1
    as_user = {**ns, "auth": suite.fuzz_user.id_token}
    for method, path, body in (("GET", "a/k", None), ("PUT", "a/k", {"b": 1, "c": "x"}),
                               ("PATCH", "a", {"k/b": 2}), ("DELETE", "a/k", None),
                               ("GET", "", None), ("PUT", "a/k/b", {".sv": "timestamp"})):
        w = requests.request(method, f"{base}/{path}.json", params=as_user, json=body,
                             timeout=CLIENT_TIMEOUT)
        assert w.status_code < 500, f"{method} /{path} under accepted rules: {w.status_code} " \
                                    f"{w.text[:300]}"
    with requests.get(f"{base}/a.json", params=as_user, stream=True, timeout=CLIENT_TIMEOUT,
                      headers={"Accept": "text/event-stream"}) as s:
        assert s.status_code < 500, s.text[:300]


@settings(max_examples=QUICK_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=uploads)
def test_rules_uploads_never_crash_the_server(server, text) -> None:
    check_upload(server, text)


@pytest.mark.slow
@settings(max_examples=SLOW_EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(text=uploads)
def test_rules_uploads_never_crash_the_server_many(server, text) -> None:
    check_upload(server, text)
