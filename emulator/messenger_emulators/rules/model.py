"""Public value types of the rules seam (docs/CONTRACTS.md, "Rules seam")."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Path = tuple[str, ...]


@dataclass
class Decision:
    allowed: bool
    trace: list[str] = field(default_factory=list)


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
