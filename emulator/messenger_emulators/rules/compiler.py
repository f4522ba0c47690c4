"""Compile a rule expression once: type-check it and turn it into a Python function.

Each expression becomes the source of one Python function
`def rule(auth, root, data, newData, now, query, caps)`, compiled with `compile()`; evaluation
never re-parses. Static types decide at load time what Firebase's deploy refuses, and pick a
direct snapshot method call where the type is known.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import errors
from . import nodes as n
from . import static_types as T
from .errors import RulesError
from .lexer import SyntaxProblem
from .parser import parse
from .regex import RegexProblem, translate
from .runtime import HELPERS

RuleFn = Callable[..., Any]


_MAX_DISPLAY = 100


class _TypeProblem(Exception):
    pass


# What an explainer reports: the values a developer wants to see, not every operator.
_RECORDED = (n.Name, n.Member, n.Index, n.Call)
_QUIET_NAMES = {"root", "data", "newData", "query"}
# What a rule may read besides auth, the path's wildcards and the query, all fixed for a stream.
_STATE_NAMES = {"root", "data", "newData", "now"}


@dataclass
class CompiledRule:
    kind: str                 # ".read", ".write" or ".validate"
    where: str                # "/messages/$chatId/.read"
    source: str               # the expression as written
    constant: bool | None     # true/false rules skip evaluation entirely
    fn: RuleFn | None = field(default=None, repr=False)
    python: str = field(default="", repr=False)   # generated code, for debugging
    display: str = field(default="", repr=False)  # the source shortened for traces
    tree: n.Node | None = field(default=None, repr=False)
    wildcards: tuple[str, ...] = field(default=(), repr=False)
    explainer: RuleFn | None = field(default=None, repr=False)  # built on first use
    # Reads `root`, `data` or `now`: its outcome can change while auth, path and query stay
    # the same. Open streams re-check only such rules after a commit.
    reads_state: bool = True

    def __post_init__(self) -> None:
        source = " ".join(self.source.split())
        self.display = source if len(source) <= _MAX_DISPLAY else source[:_MAX_DISPLAY - 3] + "..."


def compile_rule(value: Any, kind: str, where: str, wildcards: tuple[str, ...]) -> CompiledRule:
    """Compile one rule; `where` is its trace path ("/messages/$chatId/.read")."""
    if isinstance(value, bool):
        return CompiledRule(kind, where, "true" if value else "false", value, reads_state=False)
    src = value
    doc_path = "/rules" + where  # where the faulty rule sits in the document, for errors
    try:
        tree = parse(src)
        compiler = _Compiler(kind, wildcards)
        code, typ = compiler.expr(tree)
    except SyntaxProblem as exc:
        raise RulesError(errors.RULE_PROBLEM.format(where=doc_path, problem=exc.text(),
                                                    source=src)) from None
    except _TypeProblem as exc:
        raise RulesError(errors.RULE_PROBLEM.format(where=doc_path, problem=str(exc),
                                                    source=src)) from None
    except RecursionError:
        raise RulesError(errors.RULE_PROBLEM.format(where=doc_path, problem=errors.TOO_COMPLEX,
                                                    source=src)) from None
    if typ != T.BOOLEAN:
        raise RulesError(errors.RULE_PROBLEM.format(
            where=doc_path, problem=errors.NOT_BOOLEAN_RESULT.format(got=typ), source=src))
    if isinstance(tree, n.Literal):
        return CompiledRule(kind, where, src, bool(tree.value), reads_state=False)
    try:
        fn, python = _to_function(code, compiler.constants, where, explain=False)
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        # CPython's own nesting limits; only hostile, absurdly nested expressions reach them.
        raise RulesError(errors.RULE_PROBLEM.format(where=doc_path, problem=errors.TOO_COMPLEX,
                                                    source=src)) from None
    return CompiledRule(kind, where, src, None, fn, python, tree=tree, wildcards=wildcards,
                        reads_state=compiler.reads_state)


def _to_function(code: str, constants: dict[str, Any], where: str,
                 explain: bool) -> tuple[RuleFn, str]:
    extra = ", _log" if explain else ""
    python = f"def rule(auth, root, data, newData, now, query, caps{extra}):\n    return {code}\n"
    namespace: dict[str, Any] = dict(HELPERS)
    namespace.update(constants)
    exec(compile(python, f"<rule {where}>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace["rule"], python


def explainer_of(rule: CompiledRule) -> RuleFn:
    """A variant of the rule's function that also reports the value of every variable,
    member and call it evaluates (for the trace of a denied request); built on first use."""
    if rule.explainer is None:
        assert rule.tree is not None
        compiler = _Compiler(rule.kind, rule.wildcards, record=rule.source)
        code, _ = compiler.expr(rule.tree)
        rule.explainer, _ = _to_function(code, compiler.constants, rule.where, explain=True)
    return rule.explainer


class _Compiler:
    def __init__(self, kind: str, wildcards: tuple[str, ...], record: str | None = None) -> None:
        self.kind = kind
        self.wildcards = set(wildcards)
        self.record = record   # the rule's source when compiling an explainer
        # Values that are not Python literals (regexes, inf) reach the code by name.
        self.constants: dict[str, Any] = {}
        self.reads_state = False

    def constant(self, value: Any) -> str:
        name = f"_K{len(self.constants)}"
        self.constants[name] = value
        return name

    def expr(self, node: n.Node) -> tuple[str, str]:
        method = getattr(self, "c_" + type(node).__name__)
        code, typ = method(node)
        if self.record is not None and isinstance(node, _RECORDED):
            text = self.record[node.start:node.end]
            if not (isinstance(node, n.Name) and node.name in _QUIET_NAMES):
                code = f"_rec(_log, {text!r}, {code})"
        return code, typ

    # --- leaves ------------------------------------------------------------------------
    def c_Literal(self, node: n.Literal) -> tuple[str, str]:  # noqa: N802
        v = node.value
        if v is None:
            return "None", T.NULL
        if isinstance(v, bool):
            return repr(v), T.BOOLEAN
        if isinstance(v, str):
            return repr(v), T.STRING
        if isinstance(v, float) and not math.isfinite(v):
            return self.constant(v), T.NUMBER
        return repr(v), T.NUMBER

    def c_Regex(self, node: n.Regex) -> tuple[str, str]:  # noqa: N802
        try:
            compiled = translate(node.pattern, node.flags)
        except RegexProblem as exc:
            raise _TypeProblem(errors.BAD_REGEX.format(pattern=node.pattern, flags=node.flags,
                                                       detail=exc)) from None
        return self.constant(compiled), T.REGEX

    def c_Name(self, node: n.Name) -> tuple[str, str]:  # noqa: N802
        name = node.name
        if name in _STATE_NAMES:
            self.reads_state = True
        if name in T.VARIABLES:
            return name, T.VARIABLES[name]
        if name in T.WRITE_VARIABLES:
            if self.kind == ".read":
                raise _TypeProblem(errors.NEWDATA_IN_READ)
            return name, T.WRITE_VARIABLES[name]
        if name.startswith("$") and name in self.wildcards:
            return f"caps[{name!r}]", T.STRING
        raise _TypeProblem(errors.UNKNOWN_VARIABLE.format(name=name))

    def c_Array(self, node: n.Array) -> tuple[str, str]:  # noqa: N802
        raise _TypeProblem(errors.ARRAY_OUTSIDE)

    # --- members and calls -------------------------------------------------------------
    def c_Member(self, node: n.Member) -> tuple[str, str]:  # noqa: N802
        code, typ = self.expr(node.obj)
        return self._property(code, typ, node.name)

    def c_Index(self, node: n.Index) -> tuple[str, str]:  # noqa: N802
        code, typ = self.expr(node.obj)
        if typ in T.FUZZY:
            key_code, key_type = self.expr(node.key)
            if not T.fits(key_type, T.STRING):
                raise _TypeProblem(errors.COMPUTED_MEMBER.format(detail="the key must be a string"))
            return f"_index({code}, {key_code})", T.ANY
        if isinstance(node.key, n.Literal) and isinstance(node.key.value, str):
            return self._property(code, typ, node.key.value)
        raise _TypeProblem(errors.COMPUTED_MEMBER.format(
            detail=f"a {typ} only takes a literal property name"))

    def _property(self, code: str, typ: str, name: str) -> tuple[str, str]:
        if typ == T.QUERY and name in T.QUERY_MEMBERS:
            return f"{code}.{name}", T.QUERY_MEMBERS[name]
        if typ == T.ANY:
            return f"_get({code}, {name!r})", T.ANY
        if typ in (T.STRING, T.PRIMITIVE) and name == "length":
            return f"_slen({code})", T.NUMBER
        if (typ == T.SNAPSHOT and name in T.SNAPSHOT_METHODS) or (
                typ in (T.STRING, T.PRIMITIVE) and name in T.STRING_METHODS):
            raise _TypeProblem(errors.METHOD_NOT_CALLED.format(name=name))
        raise _TypeProblem(errors.NO_SUCH_MEMBER.format(name=name))

    def c_Call(self, node: n.Call) -> tuple[str, str]:  # noqa: N802
        callee = node.callee
        if isinstance(callee, n.Index) and isinstance(callee.key, n.Literal) \
                and isinstance(callee.key.value, str):
            callee = n.Member(callee.start, callee.end, callee.obj, callee.key.value)
        if not isinstance(callee, n.Member):
            raise _TypeProblem(errors.NOT_A_FUNCTION)
        obj_code, obj_type = self.expr(callee.obj)
        name = callee.name
        if obj_type == T.SNAPSHOT:
            return self._snapshot_call(obj_code, name, node.args)
        if obj_type in (T.STRING, T.PRIMITIVE, T.ANY):
            return self._string_call(obj_code, name, node.args)
        if name in T.SNAPSHOT_METHODS or name in T.STRING_METHODS:
            raise _TypeProblem(errors.NO_SUCH_MEMBER.format(name=name) +
                               f" ({name}() does not apply to a {obj_type})")
        raise _TypeProblem(errors.NOT_A_FUNCTION)

    def _snapshot_call(self, obj: str, name: str, args: list[n.Node]) -> tuple[str, str]:
        if name not in T.SNAPSHOT_METHODS:
            raise _TypeProblem(errors.NO_SUCH_MEMBER.format(name=name))
        wanted, result = T.SNAPSHOT_METHODS[name]
        if name == "hasChildren":
            if not args:
                return f"{obj}.hasChildren()", T.BOOLEAN
            if len(args) > 1 or not isinstance(args[0], n.Array) or not args[0].items:
                raise _TypeProblem(errors.HAS_CHILDREN_ARG)
            items = []
            for item in args[0].items:
                code, typ = self.expr(item)
                if not T.fits(typ, T.STRING):
                    raise _TypeProblem(errors.HAS_CHILDREN_ARG)
                items.append(code)
            return f"{obj}.hasChildren(({', '.join(items)},))", T.BOOLEAN
        codes = self._args(name, wanted, args)
        return f"{obj}.{name}({', '.join(codes)})", result

    def _string_call(self, obj: str, name: str, args: list[n.Node]) -> tuple[str, str]:
        if name not in T.STRING_METHODS:
            raise _TypeProblem(errors.NO_SUCH_MEMBER.format(name=name))
        wanted, result, helper = T.STRING_METHODS[name]
        codes = self._args(name, wanted, args)
        return f"{helper}({', '.join([obj, *codes])})", result

    def _args(self, name: str, wanted: tuple[str, ...], args: list[n.Node]) -> list[str]:
        if len(args) != len(wanted):
            raise _TypeProblem(errors.ARG_COUNT.format(name=name, expected=len(wanted),
                                                       got=len(args)))
        codes = []
        for i, (arg, want) in enumerate(zip(args, wanted, strict=True), start=1):
            code, typ = self.expr(arg)
            ok = typ == T.REGEX if want == T.REGEX else T.fits(typ, want)
            if not ok:
                raise _TypeProblem(errors.ARG_TYPE.format(index=i, name=name, expected=want,
                                                          got=typ))
            codes.append(code)
        return codes

    # --- operators ---------------------------------------------------------------------
    def c_Unary(self, node: n.Unary) -> tuple[str, str]:  # noqa: N802
        code, typ = self.expr(node.operand)
        if node.op == "!":
            self._need_boolean(typ, "operand", "!")
            return f"(not {code})", T.BOOLEAN
        if not T.fits(typ, T.ARITHMETIC):
            raise _TypeProblem(errors.OPERAND_TYPE.format(side="the", op="-",
                                                          allowed="a number", got=typ))
        return f"_neg({code})", T.NUMBER

    def c_Logical(self, node: n.Logical) -> tuple[str, str]:  # noqa: N802
        left, lt = self.expr(node.left)
        right, rt = self.expr(node.right)
        self._need_boolean(lt, "left", node.op)
        self._need_boolean(rt, "right", node.op)
        word = "and" if node.op == "&&" else "or"
        return f"({left} {word} {right})", T.BOOLEAN

    @staticmethod
    def _need_boolean(typ: str, side: str, op: str) -> None:
        # No run-time deferral here: Firebase refuses `auth.token.admin && ...` at deploy.
        if typ != T.BOOLEAN:
            raise _TypeProblem(errors.OPERAND_TYPE.format(side=side, op=op,
                                                          allowed="a boolean", got=typ))

    _BINARY = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod",
               "==": "_eq", "===": "_eq", "!=": "_ne", "!==": "_ne",
               "<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}

    def c_Binary(self, node: n.Binary) -> tuple[str, str]:  # noqa: N802
        left, lt = self.expr(node.left)
        right, rt = self.expr(node.right)
        op = node.op
        if op == "+":
            allowed, result = T.ADDITION, self._sum_type(lt, rt)
            label = "a number or a string"
        elif op in ("-", "*", "/", "%"):
            allowed, result, label = T.ARITHMETIC, T.NUMBER, "a number"
        elif op in ("==", "===", "!=", "!=="):
            allowed, result, label = T.EQUALITY, T.BOOLEAN, "a string, number, boolean or null"
        else:
            allowed, result, label = T.COMPARISON, T.BOOLEAN, "a string, number or null"
            if lt not in T.FUZZY and rt not in T.FUZZY and lt != rt:
                raise _TypeProblem(errors.SAME_TYPES.format(op=op, left=lt, right=rt))
        for side, typ in (("left", lt), ("right", rt)):
            if not T.fits(typ, allowed):
                raise _TypeProblem(errors.OPERAND_TYPE.format(side=side, op=op, allowed=label,
                                                              got=typ))
        return f"{self._BINARY[op]}({left}, {right})", result

    @staticmethod
    def _sum_type(lt: str, rt: str) -> str:
        if T.STRING in (lt, rt):
            return T.STRING
        if lt == rt == T.NUMBER:
            return T.NUMBER
        return T.PRIMITIVE

    def c_Conditional(self, node: n.Conditional) -> tuple[str, str]:  # noqa: N802
        test, tt = self.expr(node.test)
        self._need_boolean(tt, "condition", "?:")
        a, at = self.expr(node.then)
        b, bt = self.expr(node.other)
        if at == bt:
            typ = at
        elif at in T.PRIMITIVES and bt in T.PRIMITIVES:
            typ = T.PRIMITIVE
        else:
            typ = T.ANY
        return f"({a} if {test} else {b})", typ
