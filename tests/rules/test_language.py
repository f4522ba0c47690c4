"""Details of the language and the engine that the table does not show one by one."""

from __future__ import annotations

import math

import pytest
from messenger_emulators.rules import QueryInfo, RuleSet
from messenger_emulators.rules import runtime as rt
from messenger_emulators.rules.errors import EvalError
from messenger_emulators.rules.evaluator import Evaluator
from messenger_emulators.rules.model import QueryView
from messenger_emulators.rules.regex import RegexProblem, translate


def load(expr: str) -> RuleSet:
    return RuleSet.from_document({"rules": {"v": {".read": expr}}})


def allows(expr: str, data: object = None, rules: RuleSet | None = None) -> bool:
    rules = rules or load(expr)
    return rules.can_read(("v",), None, {"v": data} if data is not None else None, 0).allowed


@pytest.mark.parametrize("expr", [
    "-7 % 3 == -1", "7 % -3 == 1", "7.5 % 2 == 1.5", "1 == 1.0", "!(1/0 == 1/0)",
    "'a' + 1.5 == 'a1.5'", "2 + 'b' == '2b'", "'it\\'s' == \"it's\"", "'\\u0041' == 'A'",
    "'abc'.replace('', '-') == '-a-b-c-'", "'aaa'.replace('a', 'aa') == 'aaaaaa'",
    "'ÄB'.toLowerCase() == 'äb'", "'x'.length == 1 && ''.length == 0", "-(-3) == 3",
    "!false", "!!true", "true ? 1 == 1 : 1 == 2", "false ? false : true ? true : false",
    "null == null", "!(null != null)", "'a' < 'b' == true", "1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3",
    "'a/b'.contains('/')", "!'xx'.endsWith('abc')", "!'abc'.beginsWith('abcd')",
    "'x' === 'x' && 'x' !== 'y'", "1e3 == 1000", ".5 == 0.5",
])
def test_expression_is_true(expr: str) -> None:
    assert allows(expr), expr


@pytest.mark.parametrize(("expr", "data"), [
    ("data.val() == 1", True), ("data.val() == 'true'", True), ("data.val() + 1 == 2", None),
    ("data.val() < 'b'", 1), ("data.val().length == 1", 1), ("-data.val() == -1", "1"),
    ("data.val().contains(1 + 'x') || true", 5), ("'ab'.contains(data.val())", 5),
    ("data.val() > null", 1), ("data.val() % 2 == 0", "4"),
])
def test_runtime_type_errors_deny(expr: str, data: object) -> None:
    rules = load(expr)  # loads: only the run-time values make these fail
    assert not allows(expr, data, rules), expr


def test_js_number_formatting() -> None:
    assert rt.js_number(2.0) == "2" and rt.js_number(1.5) == "1.5"
    assert rt.js_number(math.nan) == "NaN" and rt.js_number(-math.inf) == "-Infinity"


def test_equality_refuses_snapshots() -> None:
    from messenger_emulators.rules.snapshot import RuleSnapshot
    with pytest.raises(EvalError):
        rt.eq(RuleSnapshot(None, ()), None)


@pytest.mark.parametrize(("pattern", "flags", "text", "hit"), [
    ("c$", "", "abc\n", False), ("c$", "", "abc", True), ("^a", "", "ba", False),
    ("\\d+", "", "x12", True), ("\\d", "", "\u0663", False), ("a\\.b", "", "axb", False),
    ("a\\/b", "", "a/b", True), ("[\\]a]+", "", "]a", True), ("[^0-9]", "", "5", False),
    ("a{2,3}", "", "aa", True), ("(ab)*c|d", "", "ababc", True), ("ABC", "i", "abc", True),
    ("\\w\\s\\W\\S\\D", "", "a !xy", True),
])
def test_regex_subset(pattern: str, flags: str, text: str, hit: bool) -> None:
    assert (translate(pattern, flags).search(text) is not None) is hit


@pytest.mark.parametrize(("pattern", "flags"), [
    ("a", "g"), ("a", "m"), ("a^", ""), ("$a", ""), ("(?:a)", ""), ("[a", ""), ("a\\", ""),
    ("", ""), ("a{2,1}", ""), ("*a", ""),
])
def test_regex_refused(pattern: str, flags: str) -> None:
    with pytest.raises(RegexProblem):
        translate(pattern, flags)


def test_query_view_defaults() -> None:
    plain = QueryView(None)
    assert (plain.orderByKey, plain.orderByChild, plain.limitToFirst) == (False, None, None)
    limited = QueryView(QueryInfo(limit_to_first=3))
    assert limited.orderByKey and limited.limitToFirst == 3
    child = QueryView(QueryInfo(order_by_child="ts", limit_to_last=2))
    assert not child.orderByKey and child.orderByChild == "ts"


def test_index_on_follows_wildcards_and_named_precedence() -> None:
    rules = RuleSet.from_document({"rules": {"m": {
        "$chat": {".indexOn": ["ts"]}, "special": {".indexOn": ".value"}}}})
    assert rules.index_on(("m", "c1")) == ["ts"]
    assert rules.index_on(("m", "special")) == [".value"]
    assert rules.index_on(("m",)) == []


def test_rules_below_the_written_value_follow_wildcard_captures() -> None:
    rules = RuleSet.from_document({"rules": {".write": True, "p": {"$k": {
        ".validate": "$k.beginsWith('ok') && newData.parent().hasChild($k)"}}}})
    good = {"p": {"ok1": 1, "ok2": {"x": 1}}}
    bad = {"p": {"ok1": 1, "no": 2}}
    assert rules.can_write([(("p",), good["p"])], None, None, good, 0).allowed
    assert not rules.can_write([(("p",), bad["p"])], None, None, bad, 0).allowed


def test_shared_ancestor_validate_runs_once_per_request() -> None:
    rules = RuleSet.from_document({"rules": {".write": True, "m": {
        ".validate": "newData.hasChildren(['a', 'b'])"}}})
    new = {"m": {"a": 1, "b": 2}}
    decision = rules.can_write([(("m", "a"), 1), (("m", "b"), 2)], None, None, new, 0)
    assert decision.allowed
    assert "(1 .validate rule(s) passed)" in decision.trace[-1]


def test_reads_below_the_rules_use_the_deepest_rule() -> None:
    rules = RuleSet.from_document({"rules": {"a": {".read": "data.child('open').val() == true"}}})
    root = {"a": {"open": True, "b": {"c": {"d": 1}}}}
    assert rules.can_read(("a", "b", "c", "d"), None, root, 0).allowed


def test_priorities_and_leaf_values() -> None:
    rules = RuleSet.from_document({"rules": {"x": {
        ".read": "!data.hasChildren() && data.isString() && data.getPriority() == 'p'"}}})
    root = {"x": {".value": "v", ".priority": "p"}}
    assert rules.can_read(("x",), None, root, 0).allowed


def test_walk_cache_is_bounded_and_consistent(monkeypatch: pytest.MonkeyPatch) -> None:
    import messenger_emulators.rules.evaluator as ev
    monkeypatch.setattr(ev, "_CACHE_LIMIT", 3)
    rules = RuleSet.from_document({"rules": {"$a": {".read": "$a == 'k2'"}}})
    for i in range(10):
        assert rules.can_read((f"k{i}",), None, None, 0).allowed is (i == 2)
    assert rules.can_read(("k2",), None, None, 0).allowed
    evaluator: Evaluator = rules._evaluator
    assert len(evaluator._walks) <= 3


def test_empty_write_list_is_allowed_and_said() -> None:
    rules = RuleSet.from_document({"rules": {}})
    decision = rules.can_write([], None, None, None, 0)
    assert decision.allowed and "(nothing)" in decision.trace[-1]
