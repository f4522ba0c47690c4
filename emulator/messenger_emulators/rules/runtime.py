"""Run-time operations of compiled rules, with Firebase's strict typing.

Compiled expressions call these helpers wherever a value's type is only known at run time.
Every type error raises EvalError, which makes the rule deny (Firebase: "an error inside
an expression ... makes the rule fail"). Python's `True == 1` must never leak into the
language, hence the `type(x) is ...` tests.
"""

from __future__ import annotations

import math
from typing import Any

from . import errors
from .errors import EvalError
from .snapshot import ObjectValue, RuleSnapshot, type_name

_NUM = (int, float)
# Python errors that a bug or a hostile input could still raise while evaluating; they must
# deny (or drop an explanation), never crash a request.
UNEXPECTED = (RecursionError, MemoryError, OverflowError, TypeError, ValueError, AttributeError,
              KeyError, IndexError, SyntaxError)
_EQUATABLE = (type(None), bool, int, float, str, dict, ObjectValue)


def is_num(v: Any) -> bool:
    t = type(v)
    return t is int or t is float


def _operands(op: str, allowed: str, a: Any, b: Any) -> EvalError:
    return EvalError(errors.RT_OPERAND.format(op=op, allowed=allowed,
                                              left=type_name(a), right=type_name(b)))


def js_number(v: int | float) -> str:
    """A number as JavaScript prints it (string concatenation)."""
    if isinstance(v, int):
        return str(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def add(a: Any, b: Any) -> Any:
    ta, tb = type(a), type(b)
    if ta is str:
        if tb is str:
            return a + b
        if tb is int or tb is float:
            return a + js_number(b)
    elif ta is int or ta is float:
        if tb is int or tb is float:
            return a + b
        if tb is str:
            return js_number(a) + b
    raise _operands("+", "numbers or strings", a, b)


def _numbers(op: str, a: Any, b: Any) -> None:
    if not (is_num(a) and is_num(b)):
        raise _operands(op, "numbers", a, b)


def sub(a: Any, b: Any) -> Any:
    _numbers("-", a, b)
    return a - b


def mul(a: Any, b: Any) -> Any:
    _numbers("*", a, b)
    return a * b


def div(a: Any, b: Any) -> Any:
    _numbers("/", a, b)
    return math.nan if b == 0 else a / b


def mod(a: Any, b: Any) -> Any:
    _numbers("%", a, b)
    if b == 0:
        return math.nan
    if type(a) is int and type(b) is int:
        r = abs(a) % abs(b)       # JavaScript: the sign follows the dividend
        return -r if a < 0 else r
    return math.fmod(a, b)


def neg(a: Any) -> Any:
    if not is_num(a):
        raise EvalError(errors.RT_UNARY.format(op="-", allowed="a number", got=type_name(a)))
    return -a


def eq(a: Any, b: Any) -> bool:
    ta, tb = type(a), type(b)
    if ta not in _EQUATABLE or tb not in _EQUATABLE:
        raise _operands("==", "primitives", a, b)
    if ta is tb:
        return a is b if ta is dict else a == b
    if (ta is int or ta is float) and (tb is int or tb is float):
        return a == b
    return False


def ne(a: Any, b: Any) -> bool:
    return not eq(a, b)


def _comparable(op: str, a: Any, b: Any) -> int:
    """0: numbers or strings of the same type; 1: both null; raises otherwise."""
    ta, tb = type(a), type(b)
    if ta is str and tb is str:
        return 0
    if (ta is int or ta is float) and (tb is int or tb is float):
        return 0
    if a is None and b is None:
        return 1
    raise _operands(op, "two numbers or two strings", a, b)


def lt(a: Any, b: Any) -> bool:
    return _comparable("<", a, b) == 0 and a < b


def le(a: Any, b: Any) -> bool:
    return _comparable("<=", a, b) == 1 or a <= b


def gt(a: Any, b: Any) -> bool:
    return _comparable(">", a, b) == 0 and a > b


def ge(a: Any, b: Any) -> bool:
    return _comparable(">=", a, b) == 1 or a >= b


# --- members of values whose type is only known at run time ------------------------------
def get(obj: Any, name: str) -> Any:
    t = type(obj)
    if t is dict:
        return obj.get(name)
    if obj is None:
        raise EvalError(errors.RT_NULL_MEMBER.format(name=name))
    if t is str and name == "length":
        return utf16_len(obj)
    raise EvalError(errors.RT_NO_MEMBER.format(name=name, type=type_name(obj)))


def index(obj: Any, key: Any) -> Any:
    if type(key) is not str:
        raise EvalError(errors.RT_ARG.format(name="[]", expected="string", got=type_name(key)))
    return get(obj, key)


def utf16_len(s: str) -> int:
    # Firebase counts UTF-16 code units, like JavaScript.
    return len(s) if s.isascii() else len(s.encode("utf-16-le")) // 2


def string(obj: Any, name: str) -> str:
    if type(obj) is str:
        return obj
    if obj is None:
        raise EvalError(errors.RT_NULL_MEMBER.format(name=name))
    raise EvalError(errors.RT_NO_MEMBER.format(name=name, type=type_name(obj)))


def _arg(name: str, v: Any) -> str:
    if type(v) is not str:
        raise EvalError(errors.RT_ARG.format(name=name, expected="string", got=type_name(v)))
    return v


def s_length(s: Any) -> int:
    return utf16_len(string(s, "length"))


def s_contains(s: Any, x: Any) -> bool:
    return _arg("contains", x) in string(s, "contains")


def s_begins(s: Any, x: Any) -> bool:
    return string(s, "beginsWith").startswith(_arg("beginsWith", x))


def s_ends(s: Any, x: Any) -> bool:
    return string(s, "endsWith").endswith(_arg("endsWith", x))


def s_replace(s: Any, a: Any, b: Any) -> str:
    # Firebase's replace() replaces every occurrence, unlike JavaScript's.
    return string(s, "replace").replace(_arg("replace", a), _arg("replace", b))


def s_lower(s: Any) -> str:
    return string(s, "toLowerCase").lower()


def s_upper(s: Any) -> str:
    return string(s, "toUpperCase").upper()


def s_matches(s: Any, pattern: Any) -> bool:
    return pattern.search(string(s, "matches")) is not None


def snap(obj: Any, name: str) -> RuleSnapshot:
    """Guard for a snapshot method call on a value typed snapshot at load time."""
    if type(obj) is not RuleSnapshot:
        raise EvalError(errors.RT_NO_MEMBER.format(name=name, type=type_name(obj)))
    return obj


def record(log: Any, text: str, value: Any) -> Any:
    log(text, value)
    return value


HELPERS: dict[str, Any] = {
    "_rec": record,
    "_add": add, "_sub": sub, "_mul": mul, "_div": div, "_mod": mod, "_neg": neg,
    "_eq": eq, "_ne": ne, "_lt": lt, "_le": le, "_gt": gt, "_ge": ge,
    "_get": get, "_index": index, "_slen": s_length,
    "_contains": s_contains, "_begins": s_begins, "_ends": s_ends, "_replace": s_replace,
    "_lower": s_lower, "_upper": s_upper, "_matches": s_matches,
}
