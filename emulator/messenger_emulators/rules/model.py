"""Public value types of the rules seam (docs/CONTRACTS.md, "Rules seam")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Path = tuple[str, ...]


class Decision:
    """A rules decision and its trace: what each rule on the way said (tests, the trace
    header, `--rules-trace`). Lines may be given as `(render, args)` and are rendered only when
    `trace` is read: almost no decision is ever traced, and formatting every line of every
    write was ~7 % of the database's CPU under load (bench.unread_pileup)."""

    __slots__ = ("allowed", "_lines")

    def __init__(self, allowed: bool, trace: list[Any] | None = None) -> None:
        self.allowed = allowed
        self._lines: list[Any] = trace if trace is not None else []

    @property
    def trace(self) -> list[str]:
        lines = self._lines
        if any(type(line) is not str for line in lines):
            lines[:] = [line if type(line) is str else line[0](*line[1]) for line in lines]
        return lines

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Decision) and (self.allowed, self.trace) == (
            other.allowed, other.trace)

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed!r}, trace={self.trace!r})"


@dataclass
class QueryInfo:
    """The `query` variable of query-based rules, as the database parsed the request."""

    order_by_key: bool = False
    order_by_value: bool = False
    order_by_priority: bool = False
    order_by_child: str | None = None
    start_at: Any = None
    end_at: Any = None
    equal_to: Any = None
    limit_to_first: int | None = None
    limit_to_last: int | None = None


class QueryView:
    """What a rule sees as `query` (the rules language's camelCase names)."""

    __slots__ = ("orderByKey", "orderByValue", "orderByPriority", "orderByChild",
                 "startAt", "endAt", "equalTo", "limitToFirst", "limitToLast")

    def __init__(self, info: QueryInfo | None) -> None:
        info = info or QueryInfo()
        ordered = (info.order_by_value or info.order_by_priority
                   or info.order_by_child is not None)
        limited = (info.limit_to_first is not None or info.limit_to_last is not None
                   or info.start_at is not None or info.end_at is not None
                   or info.equal_to is not None)
        # A limit or range without an order is ordered by key (Firebase's default ordering).
        self.orderByKey = bool(info.order_by_key or (limited and not ordered))
        self.orderByValue = bool(info.order_by_value)
        self.orderByPriority = bool(info.order_by_priority)
        self.orderByChild = info.order_by_child
        self.startAt = info.start_at
        self.endAt = info.end_at
        self.equalTo = info.equal_to
        self.limitToFirst = info.limit_to_first
        self.limitToLast = info.limit_to_last


NO_QUERY = QueryView(None)
