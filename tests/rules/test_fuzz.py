"""Random expressions and random rule documents never crash the loader or the evaluator:
the only outcomes are RulesError at load time and a Decision (possibly a deny) at run time."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from messenger_emulators.rules import Decision, QueryInfo, RulesError, RuleSet

from .support import NOW, user

ATOMS = ["auth", "auth.uid", "auth.token.email", "auth.token.admin", "root", "data", "newData",
         "now", "query.orderByChild", "query.limitToFirst", "query.equalTo", "$a", "$b",
         "data.val()", "newData.val()", "data.child('x')", "newData.child('x/y').val()",
         "data.parent()", "root.child('a').exists()", "data.getPriority()", "null", "true",
         "false", "0", "1.5", "-3", "'x'", "\"y\"", "'a/b'", "/^a+$/i", "/[0-9]{2,}/", "[]",
         "['x', 'y']", "data.hasChildren(['x'])", "data.hasChildren()", "newData.isString()",
         "data.val().length", "newData.val().matches(/a/)", "auth.uid.replace('a', 'b')",
         "'abc'.toUpperCase()", "data.exists", "foo", "1e999", "query"]
BINARY = ["+", "-", "*", "/", "%", "==", "===", "!=", "!==", "<", "<=", ">", ">=", "&&", "||"]
SCRAPS = ["(", ")", "?", ":", ".", ",", "[", "]", "!", "=", "&", "'", "/", "\\"]


@st.composite
def expressions(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(ATOMS))
    kind = draw(st.integers(0, 5))
    a = draw(expressions(depth - 1))
    if kind == 0:
        return f"({a} {draw(st.sampled_from(BINARY))} {draw(expressions(depth - 1))})"
    if kind == 1:
        return f"!{a}" if draw(st.booleans()) else f"-{a}"
    if kind == 2:
        return f"{a} ? {draw(expressions(depth - 1))} : {draw(expressions(depth - 1))}"
    if kind == 3:
        method = draw(st.sampled_from(["child", "hasChild", "contains", "beginsWith", "val",
                                       "exists", "matches", "replace", "length", "parent"]))
        return f"{a}.{method}({draw(expressions(depth - 1))})"
    if kind == 4:
        return a + draw(st.sampled_from(SCRAPS))
    return f"{a} {draw(st.sampled_from(BINARY))} {draw(expressions(depth - 1))}"


BOOL_ATOMS = ["true", "false", "auth != null", "auth == null", "data.exists()",
              "newData.isString()", "data.hasChild('x')", "$a == 'x'", "auth.uid == $a",
              "query.orderByKey", "data.hasChildren()", "newData.hasChildren(['x', 'y'])",
              "data.child('x').isNumber()", "auth.token.admin === true", "root.exists()"]
VALUE_ATOMS = ["data.val()", "newData.child('x').val()", "auth.uid", "auth.token.admin", "now",
               "1", "0", "-2.5", "'x'", "''", "null", "data.getPriority()",
               "query.limitToFirst", "query.equalTo", "$a", "data.parent().val()"]
STRING_ATOMS = ["'x'", "$a", "auth.uid", "data.val()", "auth.token.email", "'A/b'"]


@st.composite
def strings(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(STRING_ATOMS))
    a = draw(strings(depth - 1))
    return draw(st.sampled_from([f"({a} + {draw(strings(depth - 1))})", f"{a}.toLowerCase()",
                                 f"{a}.replace('a', {draw(strings(depth - 1))})"]))


@st.composite
def values(draw: st.DrawFn, depth: int = 2) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(st.sampled_from(VALUE_ATOMS))
    form = draw(st.integers(0, 3))
    if form == 0:
        op = draw(st.sampled_from(["+", "-", "*", "/", "%"]))
        return f"({draw(values(depth - 1))} {op} {draw(values(depth - 1))})"
    if form == 1:
        return f"{draw(strings(1))}.length"
    snapshot = draw(st.sampled_from(["data", "newData", "root"]))
    return f"{snapshot}.child({draw(strings(1))}).val()"


@st.composite
def booleans_(draw: st.DrawFn, depth: int = 3) -> str:
    """Well-typed boolean expressions: these load, so evaluation gets exercised.
    Each form draws only the parts it uses, which keeps generation fast."""
    if depth == 0 or draw(st.integers(0, 3)) == 0:
        return draw(st.sampled_from(BOOL_ATOMS))
    form = draw(st.integers(0, 5))
    if form == 0:
        op = draw(st.sampled_from(["&&", "||"]))
        return f"({draw(booleans_(depth - 1))} {op} {draw(booleans_(depth - 1))})"
    if form == 1:
        return f"!{draw(booleans_(depth - 1))}"
    if form == 2:
        return (f"({draw(booleans_(depth - 1))} ? {draw(booleans_(depth - 1))} : "
                f"{draw(booleans_(depth - 1))})")
    if form == 3:
        op = draw(st.sampled_from(["==", "!==", "<", ">=", "==="]))
        return f"{draw(values())} {op} {draw(values())}"
    if form == 4:
        method = draw(st.sampled_from(["contains", "beginsWith", "endsWith"]))
        return f"{draw(strings())}.{method}({draw(strings())})"
    return draw(st.sampled_from([f"{draw(strings())}.matches(/^[a-z]+$/i)",
                                 f"data.hasChild({draw(strings())})"]))


rule_values = st.one_of(booleans_(), expressions(), st.text(max_size=30), st.booleans(),
                        st.integers(), st.none(), st.lists(st.text(max_size=3), max_size=2))
keys = st.one_of(st.sampled_from([".read", ".write", ".validate", ".indexOn", "$a", "$b", "a",
                                  "b", "x", ".bad", "a.b", "$"]),
                 st.text(min_size=0, max_size=5))
documents = st.recursive(
    st.dictionaries(keys, rule_values, max_size=4),
    lambda children: st.dictionaries(keys, st.one_of(rule_values, children), max_size=4),
    max_leaves=12,
)
tree_keys = st.sampled_from(["a", "b", "x", "y", "1"])
leaves = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.floats(allow_nan=False),
                   st.text(max_size=5))
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.dictionaries(tree_keys, children, min_size=1, max_size=3),
        st.builds(lambda v, p: {".value": v, ".priority": p}, st.integers(), st.integers())),
    max_leaves=10,
)
paths = st.lists(tree_keys, max_size=4).map(tuple)
auths = st.sampled_from([None, user("a"), user("x", admin=True), {"uid": None, "token": {}}])
queries = st.one_of(st.none(), st.builds(QueryInfo, order_by_child=st.sampled_from([None, "x"]),
                                         limit_to_first=st.sampled_from([None, 1, 100]),
                                         equal_to=leaves))

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def try_load(doc: object) -> RuleSet | None:
    try:
        return RuleSet.from_document(doc)  # type: ignore[arg-type]
    except RulesError:
        return None


@FUZZ
@given(expr=st.one_of(expressions(), booleans_()),
       kind=st.sampled_from([".read", ".write", ".validate"]), old=trees, new=trees,
       path=paths, auth=auths, query=queries)
def test_random_expressions(expr: str, kind: str, old: object, new: object,
                            path: tuple[str, ...], auth: dict | None,
                            query: QueryInfo | None) -> None:
    rules = try_load({"rules": {".read": True, ".write": True,
                                "$a": {"$b": {kind: expr}, kind: expr}}})
    if rules is None:
        return
    check(rules, old, new, path, auth, query)


@FUZZ
@given(doc=documents, old=trees, new=trees, path=paths, auth=auths, query=queries)
def test_random_documents(doc: dict, old: object, new: object, path: tuple[str, ...],
                          auth: dict | None, query: QueryInfo | None) -> None:
    rules = try_load({"rules": doc})
    if rules is None:
        return
    check(rules, old, new, path, auth, query)
    assert isinstance(rules.index_on(path), list)


@FUZZ
@given(text=st.text(max_size=80))
def test_random_text(text: str) -> None:
    for candidate in (text, '{"rules": {".read": ' + text + "}}",
                      '{"rules": {".read": "' + text.replace('"', "") + '"}}'):
        try_load_text(candidate)


def try_load_text(text: str) -> None:
    try:
        RuleSet.from_text(text)
    except RulesError:
        pass


def check(rules: RuleSet, old: object, new: object, path: tuple[str, ...], auth: dict | None,
          query: QueryInfo | None) -> None:
    read = rules.can_read(path, auth, old, NOW, query)
    write = rules.can_write([(path, new), (path + ("x",), None)], auth, old, new, NOW)
    for decision in (read, write):
        assert isinstance(decision, Decision)
        assert isinstance(decision.allowed, bool)
        assert decision.trace


def test_hostile_nesting_is_refused_not_crashed() -> None:
    for expr in ("(" * 5000 + "true" + ")" * 5000, "!" * 5000 + "true",
                 "1" + " + 1" * 3000 + " == 2", "a" + ".b" * 3000):
        try_load({"rules": {".read": expr}})
    deep: dict = {}
    node = deep
    for _ in range(2000):
        node["a"] = {}
        node = node["a"]
    assert try_load({"rules": deep}) is None
    try_load_text('{"rules": ' + "[" * 100000 + "]" * 100000 + "}")
