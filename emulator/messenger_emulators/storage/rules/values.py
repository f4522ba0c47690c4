"""The rules language's values and their methods: null, bool, int, float, string, list, map
(Python's own), timestamp and duration (below); `x is T` names; the global functions."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from functools import lru_cache

from . import errors as e
from .errors import EvalError

NS = 1_000_000_000
_UNITS = {"w": 7 * 86400 * NS, "d": 86400 * NS, "h": 3600 * NS, "m": 60 * NS, "s": NS,
          "ms": 1_000_000, "ns": 1}
MAX_REGEX = 1000  # characters: a pattern is compiled once and cached


@dataclass(frozen=True, order=True)
class Timestamp:
    ns: int   # since the epoch, UTC

    @classmethod
    def from_seconds(cls, seconds: float) -> Timestamp:
        return cls(int(round(seconds * NS)))

    def datetime(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.ns // NS, dt.UTC)


@dataclass(frozen=True, order=True)
class Duration:
    ns: int


def type_name(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "map"
    if isinstance(value, Timestamp):
        return "timestamp"
    if isinstance(value, Duration):
        return "duration"
    if isinstance(value, bytes):
        return "bytes"
    return type(value).__name__


def is_type(value: object, name: str) -> bool:
    actual = type_name(value)
    if name == "number":
        return actual in ("int", "float")
    if name == "path":
        return actual == "string"   # path variables are bound as strings here
    if name == "set":
        return actual == "list"
    return actual == name


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def equal(a: object, b: object) -> bool:
    if is_number(a) and is_number(b):
        return a == b
    if type_name(a) != type_name(b):
        return False
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=False))  # type: ignore
    if isinstance(a, dict):
        assert isinstance(b, dict)
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return a == b


def contains(container: object, item: object) -> bool:
    if isinstance(container, dict):
        return item in container if isinstance(item, str) else False
    if isinstance(container, (list, tuple)):
        return any(equal(item, x) for x in container)
    raise EvalError(e.BAD_OPERANDS.format(op="in", left=type_name(item),
                                          right=type_name(container)))


@lru_cache(maxsize=512)
def regex(pattern: str) -> re.Pattern[str]:
    """RE2 syntax, as rules use it; Python's re agrees on the common subset."""
    if len(pattern) > MAX_REGEX:
        raise EvalError(e.BAD_REGEX.format(pattern=pattern[:40] + "...", detail="too long"))
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise EvalError(e.BAD_REGEX.format(pattern=pattern, detail=exc)) from None


def _args(name: str, args: list, *types: type | tuple[type, ...]) -> None:
    if len(args) != len(types) or not all(
            isinstance(a, t) and not (isinstance(a, bool) and t in (int, float, (int, float)))
            for a, t in zip(args, types, strict=False)):
        raise EvalError(e.BAD_ARGUMENT.format(name=name, args=", ".join(map(type_name, args))
                                              or "no arguments"))


def _string_method(s: str, name: str, args: list) -> object:
    if name == "size":
        _args(name, args)
        return len(s)
    if name == "matches":
        _args(name, args, str)
        return regex(args[0]).fullmatch(s) is not None
    if name == "lower":
        _args(name, args)
        return s.lower()
    if name == "upper":
        _args(name, args)
        return s.upper()
    if name == "trim":
        _args(name, args)
        return s.strip()
    if name == "split":
        _args(name, args, str)
        return regex(args[0]).split(s)
    if name == "replace":
        _args(name, args, str, str)
        return regex(args[0]).sub(args[1].replace("\\", "\\\\"), s)
    if name == "toUtf8":
        _args(name, args)
        return s.encode("utf-8")
    raise EvalError(e.NO_METHOD.format(type="string", name=name))


def _list_method(items: list, name: str, args: list) -> object:
    if name == "size":
        _args(name, args)
        return len(items)
    if name in ("hasAll", "hasAny", "hasOnly", "concat", "removeAll"):
        _args(name, args, (list, tuple))
        other = list(args[0])
        if name == "hasAll":
            return all(contains(items, x) for x in other)
        if name == "hasAny":
            return any(contains(items, x) for x in other)
        if name == "hasOnly":
            return all(contains(other, x) for x in items)
        if name == "concat":
            return list(items) + other
        return [x for x in items if not contains(other, x)]
    if name == "join":
        _args(name, args, str)
        if not all(isinstance(x, str) for x in items):
            raise EvalError(e.BAD_ARGUMENT.format(name=name, args="a list of non-strings"))
        return args[0].join(items)
    if name == "toSet":
        _args(name, args)
        out: list = []
        for x in items:
            if not contains(out, x):
                out.append(x)
        return out
    raise EvalError(e.NO_METHOD.format(type="list", name=name))


def _map_method(m: dict, name: str, args: list) -> object:
    if name == "size":
        _args(name, args)
        return len(m)
    if name == "keys":
        _args(name, args)
        return list(m.keys())
    if name == "values":
        _args(name, args)
        return list(m.values())
    if name == "get":
        if len(args) != 2:
            raise EvalError(e.BAD_ARGUMENT.format(name=name, args=f"{len(args)} arguments"))
        key, default = args
        path = key if isinstance(key, (list, tuple)) else [key]
        node: object = m
        for part in path:
            if not isinstance(node, dict) or not isinstance(part, str) or part not in node:
                return default
            node = node[part]
        return node
    raise EvalError(e.NO_METHOD.format(type="map", name=name))


def _timestamp_method(t: Timestamp, name: str, args: list) -> object:
    _args(name, args)
    when = t.datetime()
    simple = {"year": when.year, "month": when.month, "day": when.day, "hours": when.hour,
              "minutes": when.minute, "seconds": when.second, "nanos": t.ns % NS,
              "dayOfWeek": when.isoweekday(), "dayOfYear": when.timetuple().tm_yday}
    if name in simple:
        return simple[name]
    if name == "toMillis":
        return t.ns // 1_000_000
    if name == "date":
        return Timestamp((t.ns // (86400 * NS)) * 86400 * NS)
    if name == "time":
        return Duration(t.ns % (86400 * NS))
    raise EvalError(e.NO_METHOD.format(type="timestamp", name=name))


def _duration_method(d: Duration, name: str, args: list) -> object:
    _args(name, args)
    if name == "seconds":
        return d.ns // NS
    if name == "nanos":
        return d.ns % NS
    raise EvalError(e.NO_METHOD.format(type="duration", name=name))


def call_method(target: object, name: str, args: list) -> object:
    if target is None:
        raise EvalError(e.NULL_VALUE.format(what=f"{name}()"))
    if isinstance(target, str):
        return _string_method(target, name, args)
    if isinstance(target, (list, tuple)):
        return _list_method(list(target), name, args)
    if isinstance(target, dict):
        return _map_method(target, name, args)
    if isinstance(target, Timestamp):
        return _timestamp_method(target, name, args)
    if isinstance(target, Duration):
        return _duration_method(target, name, args)
    raise EvalError(e.NO_METHOD.format(type=type_name(target), name=name))


# ---- global functions and namespaces ------------------------------------------------------------
def _to_int(args: list) -> int:
    if len(args) == 1:
        value = args[0]
        if is_number(value):
            if isinstance(value, float) and not math.isfinite(value):
                raise EvalError(e.BAD_ARGUMENT.format(name="int", args=str(value)))
            return int(value)
        if isinstance(value, str):
            try:
                return int(value)
            except ValueError:
                pass
    raise EvalError(e.BAD_ARGUMENT.format(name="int", args=", ".join(map(type_name, args))))


def _to_float(args: list) -> float:
    if len(args) == 1:
        value = args[0]
        if is_number(value):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    raise EvalError(e.BAD_ARGUMENT.format(name="float", args=", ".join(map(type_name, args))))


def _to_string(args: list) -> str:
    if len(args) != 1:
        raise EvalError(e.BAD_ARGUMENT.format(name="string", args=f"{len(args)} arguments"))
    value = args[0]
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    raise EvalError(e.BAD_ARGUMENT.format(name="string", args=type_name(value)))


def _duration_value(args: list) -> Duration:
    _args("duration.value", args, int, str)
    if args[1] not in _UNITS:
        raise EvalError(e.BAD_ARGUMENT.format(name="duration.value", args=repr(args[1])))
    return Duration(args[0] * _UNITS[args[1]])


def _duration_time(args: list) -> Duration:
    _args("duration.time", args, int, int, int, int)
    h, m, s, ns = args
    return Duration(((h * 60 + m) * 60 + s) * NS + ns)


def _timestamp_date(args: list) -> Timestamp:
    _args("timestamp.date", args, int, int, int)
    try:
        when = dt.datetime(args[0], args[1], args[2], tzinfo=dt.UTC)
    except ValueError as exc:
        raise EvalError(str(exc)) from None
    return Timestamp(int(when.timestamp()) * NS)


def _timestamp_value(args: list) -> Timestamp:
    _args("timestamp.value", args, int)
    return Timestamp(args[0] * 1_000_000)


def _math(name: str, fn) -> object:
    def call(args: list) -> object:
        _args(f"math.{name}", args, (int, float))
        return fn(args[0])
    return call


GLOBAL_FUNCTIONS = {"int": _to_int, "float": _to_float, "string": _to_string,
                    "debug": lambda args: args[0] if len(args) == 1 else None}
NAMESPACES: dict[str, dict] = {
    "duration": {"value": _duration_value, "time": _duration_time},
    "timestamp": {"date": _timestamp_date, "value": _timestamp_value},
    "math": {"abs": _math("abs", abs), "ceil": _math("ceil", math.ceil),
             "floor": _math("floor", math.floor), "round": _math("round", round),
             "sqrt": _math("sqrt", lambda x: math.sqrt(x) if x >= 0 else math.nan),
             "isNaN": _math("isNaN", lambda x: isinstance(x, float) and math.isnan(x)),
             "isInfinite": _math("isInfinite",
                                 lambda x: isinstance(x, float) and math.isinf(x))},
}
