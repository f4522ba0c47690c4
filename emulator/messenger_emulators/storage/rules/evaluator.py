"""Evaluating an expression tree (parser.py) against variables; an error is EvalError.

`&&` and `||` forgive an error on the side they do not need (`false && error` is false,
`error || true` is true), as Firebase's rules do; any other error denies the allow."""

from __future__ import annotations

from collections.abc import Mapping

from . import errors as e
from .errors import EvalError
from .parser import Function
from .values import (
    GLOBAL_FUNCTIONS,
    NAMESPACES,
    NS,
    Duration,
    Timestamp,
    call_method,
    contains,
    equal,
    is_number,
    is_type,
    type_name,
)

MAX_CALL_DEPTH = 20   # Firebase limits function call depth (20) and forbids recursion


class Scope:
    """Variables and the functions visible where an expression is evaluated."""

    def __init__(self, variables: Mapping[str, object],
                 functions: Mapping[str, Function]) -> None:
        self.variables = variables
        self.functions = functions


def truth(value: object) -> bool:
    if not isinstance(value, bool):
        raise EvalError(e.NOT_BOOL.format(type=type_name(value)))
    return value


def evaluate(node: tuple, scope: Scope, depth: int = 0) -> object:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "name":
        if node[1] in scope.variables:
            return scope.variables[node[1]]
        raise EvalError(e.UNKNOWN_NAME.format(name=node[1]))
    if kind == "member":
        target = evaluate(node[1], scope, depth)
        return _field(target, node[2])
    if kind == "and":
        try:
            left = truth(evaluate(node[1], scope, depth))
        except EvalError:
            if truth(evaluate(node[2], scope, depth)) is False:
                return False
            raise
        return left and truth(evaluate(node[2], scope, depth))
    if kind == "or":
        try:
            left = truth(evaluate(node[1], scope, depth))
        except EvalError:
            if truth(evaluate(node[2], scope, depth)):
                return True
            raise
        return left or truth(evaluate(node[2], scope, depth))
    if kind == "cond":
        chosen = node[2] if truth(evaluate(node[1], scope, depth)) else node[3]
        return evaluate(chosen, scope, depth)
    if kind == "unary":
        value = evaluate(node[2], scope, depth)
        if node[1] == "!":
            return not truth(value)
        if is_number(value):
            return -value  # type: ignore[operator]
        if isinstance(value, Duration):
            return Duration(-value.ns)
        raise EvalError(e.BAD_OPERAND.format(op="-", type=type_name(value)))
    if kind == "binary":
        return _binary(node[1], evaluate(node[2], scope, depth), evaluate(node[3], scope, depth))
    if kind == "is":
        return is_type(evaluate(node[1], scope, depth), node[2])
    if kind == "index":
        return _index(evaluate(node[1], scope, depth), evaluate(node[2], scope, depth))
    if kind == "slice":
        target = evaluate(node[1], scope, depth)
        lo = 0 if node[2] is None else evaluate(node[2], scope, depth)
        hi = None if node[3] is None else evaluate(node[3], scope, depth)
        if not isinstance(target, (str, list)) or not isinstance(lo, int) or \
                (hi is not None and not isinstance(hi, int)):
            raise EvalError(e.BAD_OPERAND.format(op="[:]", type=type_name(target)))
        return target[lo:hi]
    if kind == "list":
        return [evaluate(item, scope, depth) for item in node[1]]
    if kind == "map":
        out: dict[str, object] = {}
        for key_node, value_node in node[1]:
            key = evaluate(key_node, scope, depth)
            if not isinstance(key, str):
                raise EvalError(e.BAD_OPERAND.format(op="map key", type=type_name(key)))
            out[key] = evaluate(value_node, scope, depth)
        return out
    if kind == "call":
        return _call(node, scope, depth)
    raise EvalError(f"unknown node {kind}")


def _field(target: object, name: str) -> object:
    if target is None:
        raise EvalError(e.NULL_VALUE.format(what=f"field {name!r}"))
    if isinstance(target, dict):
        if name in target:
            return target[name]
        raise EvalError(e.NO_FIELD.format(name=name))
    raise EvalError(e.NO_FIELD.format(name=name) + f" on {type_name(target)}")


def _index(target: object, key: object) -> object:
    if isinstance(target, dict):
        if isinstance(key, str) and key in target:
            return target[key]
        raise EvalError(e.NO_FIELD.format(name=key))
    if isinstance(target, (list, str)) and isinstance(key, int) and not isinstance(key, bool):
        if -len(target) <= key < len(target):
            return target[key]
        raise EvalError(e.INDEX_RANGE.format(index=key))
    raise EvalError(e.BAD_OPERAND.format(op="[]", type=type_name(target)))


def _call(node: tuple, scope: Scope, depth: int) -> object:
    callee, arg_nodes = node[1], node[2]
    args = [evaluate(a, scope, depth) for a in arg_nodes]
    if callee[0] == "name":
        name = callee[1]
        fn = scope.functions.get(name)
        if fn is not None:
            return call_function(fn, args, scope, depth)
        if name in GLOBAL_FUNCTIONS:
            return GLOBAL_FUNCTIONS[name](args)
        raise EvalError(e.UNKNOWN_FUNCTION.format(name=name))
    if callee[0] == "member":
        owner = callee[1]
        if owner[0] == "name" and owner[1] in NAMESPACES and owner[1] not in scope.variables:
            namespace = NAMESPACES[owner[1]]
            if callee[2] in namespace:
                return namespace[callee[2]](args)
            raise EvalError(e.UNKNOWN_FUNCTION.format(name=f"{owner[1]}.{callee[2]}"))
        return call_method(evaluate(owner, scope, depth), callee[2], args)
    raise EvalError(e.UNKNOWN_FUNCTION.format(name="(expression)"))


def call_function(fn: Function, args: list, scope: Scope, depth: int) -> object:
    if depth >= MAX_CALL_DEPTH:
        raise EvalError(e.CALL_DEPTH.format(limit=MAX_CALL_DEPTH))
    if len(args) != len(fn.params):
        raise EvalError(e.FUNCTION_ARITY.format(name=fn.name, want=len(fn.params),
                                                got=len(args)))
    variables = dict(scope.variables)
    variables.update(zip(fn.params, args, strict=False))
    inner = Scope(variables, scope.functions)
    for name, expr in fn.lets:
        variables[name] = evaluate(expr, inner, depth + 1)
    return evaluate(fn.result, inner, depth + 1)


def _binary(op: str, a: object, b: object) -> object:
    if op == "==":
        return equal(a, b)
    if op == "!=":
        return not equal(a, b)
    if op == "in":
        return contains(b, a)
    if op in ("<", "<=", ">", ">="):
        comparable = (is_number(a) and is_number(b)) or (
            type(a) is type(b) and isinstance(a, (str, Timestamp, Duration)))
        if not comparable:
            raise EvalError(e.BAD_OPERANDS.format(op=op, left=type_name(a), right=type_name(b)))
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]  # type: ignore
    if is_number(a) and is_number(b):
        return _arithmetic(op, a, b)  # type: ignore[arg-type]
    if op == "+":
        if isinstance(a, str) and isinstance(b, str):
            return a + b
        if isinstance(a, list) and isinstance(b, list):
            return a + b
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.ns + b.ns)
        if isinstance(a, Duration) and isinstance(b, Timestamp):
            return Timestamp(a.ns + b.ns)
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(a.ns + b.ns)
    if op == "-":
        if isinstance(a, Timestamp) and isinstance(b, Duration):
            return Timestamp(a.ns - b.ns)
        if isinstance(a, Timestamp) and isinstance(b, Timestamp):
            return Duration(a.ns - b.ns)
        if isinstance(a, Duration) and isinstance(b, Duration):
            return Duration(a.ns - b.ns)
    raise EvalError(e.BAD_OPERANDS.format(op=op, left=type_name(a), right=type_name(b)))


def _arithmetic(op: str, a: int | float, b: int | float) -> int | float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op in ("/", "%"):
        if b == 0:
            if isinstance(a, int) and isinstance(b, int):
                raise EvalError(e.DIVIDE_ZERO)
            return float("nan") if a == 0 or op == "%" else float("inf") * (1 if a > 0 else -1)
        if isinstance(a, int) and isinstance(b, int):
            quotient = abs(a) // abs(b) * (1 if (a >= 0) == (b >= 0) else -1)  # toward zero
            return quotient if op == "/" else a - quotient * b
        return a / b if op == "/" else a % b
    raise EvalError(e.BAD_OPERANDS.format(op=op, left=type_name(a), right=type_name(b)))


__all__ = ["NS", "Scope", "call_function", "evaluate", "truth"]
