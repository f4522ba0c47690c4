"""A loaded storage.rules: checked once at load (names, functions, paths), then asked
`allows(method, path, variables)` per request.

A request's path is `/b/{bucket}/o/{object name}`; match blocks nest, each consuming path
segments (`{x}` one, `{x=**}` the rest, zero or more as in rules_version 2); the allows of every
block that consumes the whole path apply, and any one granting the method allows the request.
`read` is get + list, `write` is create + update + delete.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from . import errors as e
from .errors import EvalError, RulesLoadError
from .evaluator import Scope, evaluate, truth
from .parser import Block, Function, Match, RulesFile, parse
from .values import GLOBAL_FUNCTIONS, NAMESPACES

GROUPS = {"read": ("get", "list"), "write": ("create", "update", "delete")}
REQUEST_VARIABLES = ("request", "resource")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    line: int | None = None                       # the allow that granted it
    errors: tuple[str, ...] = field(default=())   # conditions that failed with an error


def grants(allow_methods: tuple[str, ...], method: str) -> bool:
    return any(m == method or method in GROUPS.get(m, ()) for m in allow_methods)


class StorageRules:
    def __init__(self, tree: RulesFile, source: str) -> None:
        self.tree = tree
        self.source = source
        self.version = tree.version

    @classmethod
    def from_text(cls, text: str) -> StorageRules:
        try:
            tree = parse(text)
            _check_block(tree.body, set(REQUEST_VARIABLES), {}, tree.version)
        except RecursionError:   # e.g. thousands of `a && b && ...` terms in one condition
            raise RulesLoadError(1, 1, e.TOO_DEEP) from None
        return cls(tree, text)

    # ---- deciding ----------------------------------------------------------------------------
    def allows(self, method: str, path: str, variables: Mapping[str, object]) -> Decision:
        """`method`: get, list, create, update or delete; `path`: /b/BUCKET/o/NAME;
        `variables`: request and resource (maps, as the rules see them)."""
        segments = [s for s in path.split("/") if s != ""] if path.strip("/") else []
        failures: list[str] = []
        for block, bindings, functions in _applicable(self.tree.body, segments, {}, {}):
            for allow in block.allows:
                if not grants(allow.methods, method):
                    continue
                if allow.condition is None:
                    return Decision(True, allow.line)
                scope = Scope({**variables, **bindings}, functions)
                try:
                    if truth(evaluate(allow.condition, scope)):
                        return Decision(True, allow.line)
                except EvalError as exc:
                    failures.append(f"line {allow.line}: {exc}")
                except RecursionError:
                    failures.append(f"line {allow.line}: {e.TOO_DEEP}")
                except (ArithmeticError, ValueError, TypeError) as exc:
                    # e.g. math.floor(1.0 / 0.0): Python's own error, still just "no value"
                    failures.append(f"line {allow.line}: {type(exc).__name__}: {exc}")
        return Decision(False, None, tuple(failures))


def _applicable(block: Block, remaining: list[str], bindings: dict[str, object],
                functions: dict[str, Function]) -> Iterator[tuple[Block, dict, dict]]:
    """Every match block (with its bound variables and visible functions) whose path chain
    consumes `remaining` exactly."""
    visible = {**functions, **block.functions}
    for match in block.matches:
        consumed = _consume(match, remaining)
        if consumed is None:
            continue
        bound, rest = consumed
        inner_bindings = {**bindings, **bound}
        inner_functions = {**visible, **match.body.functions}
        if not rest:
            yield match.body, inner_bindings, inner_functions
        yield from _applicable(match.body, rest, inner_bindings, visible)


def _consume(match: Match, remaining: list[str]) -> tuple[dict[str, object], list[str]] | None:
    bound: dict[str, object] = {}
    i = 0
    for segment in match.segments:
        if segment.kind == "rest":
            bound[segment.value] = "/".join(remaining[i:])
            return bound, []
        if i >= len(remaining):
            return None
        if segment.kind == "lit":
            if remaining[i] != segment.value:
                return None
        else:
            bound[segment.value] = remaining[i]
        i += 1
    return bound, remaining[i:]


# ---- load-time checks ------------------------------------------------------------------------
def _check_block(block: Block, names: set[str], functions: dict[str, Function],
                 version: str) -> None:
    visible = {**functions, **block.functions}
    for fn in block.functions.values():
        inner = names | set(fn.params)
        for let_name, expr in fn.lets:
            _check_expr(expr, inner, visible, fn.line)
            inner = inner | {let_name}
        _check_expr(fn.result, inner, visible, fn.line)
    for allow in block.allows:
        if allow.condition is not None:
            _check_expr(allow.condition, names, visible, allow.line)
    for match in block.matches:
        inner_names = set(names)
        for segment in match.segments:
            if segment.kind != "lit":
                if segment.value in inner_names and segment.value not in REQUEST_VARIABLES:
                    raise RulesLoadError(match.line, 1,
                                         e.DUPLICATE_VARIABLE.format(name=segment.value))
                inner_names.add(segment.value)
        _check_block(match.body, inner_names, visible, version)


def _check_expr(node: tuple, names: set[str], functions: Mapping[str, Function],
                line: int) -> None:
    kind = node[0]
    if kind == "lit":
        return
    if kind == "name":
        if node[1] not in names and node[1] not in NAMESPACES:
            raise RulesLoadError(node[2], node[3], e.UNKNOWN_NAME.format(name=node[1]))
        return
    if kind == "call":
        callee = node[1]
        if callee[0] == "name":
            name = callee[1]
            fn = functions.get(name)
            if fn is None and name not in GLOBAL_FUNCTIONS:
                raise RulesLoadError(node[3], node[4], e.UNKNOWN_FUNCTION.format(name=name))
            if fn is not None and len(fn.params) != len(node[2]):
                raise RulesLoadError(node[3], node[4], e.FUNCTION_ARITY.format(
                    name=name, want=len(fn.params), got=len(node[2])))
        elif callee[0] == "member" and callee[1][0] == "name" and callee[1][1] in NAMESPACES \
                and callee[1][1] not in names:
            if callee[2] not in NAMESPACES[callee[1][1]]:
                raise RulesLoadError(node[3], node[4], e.UNKNOWN_FUNCTION.format(
                    name=f"{callee[1][1]}.{callee[2]}"))
        else:
            _check_expr(callee, names, functions, line)
        for arg in node[2]:
            _check_expr(arg, names, functions, line)
        return
    if kind == "member":
        _check_expr(node[1], names, functions, line)
        return
    if kind == "is":
        _check_expr(node[1], names, functions, line)
        return
    if kind == "list":
        for item in node[1]:
            _check_expr(item, names, functions, line)
        return
    if kind == "map":
        for key, value in node[1]:
            _check_expr(key, names, functions, line)
            _check_expr(value, names, functions, line)
        return
    for child in node[1:]:
        if isinstance(child, tuple):
            _check_expr(child, names, functions, line)
