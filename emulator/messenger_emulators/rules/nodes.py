"""Syntax tree of a rule expression. `start`/`end` index the rule's source text."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class Node:
    start: int
    end: int


@dataclass(slots=True)
class Literal(Node):
    value: object            # None, bool, int, float or str


@dataclass(slots=True)
class Regex(Node):
    pattern: str
    flags: str


@dataclass(slots=True)
class Name(Node):
    name: str


@dataclass(slots=True)
class Member(Node):
    obj: Node
    name: str


@dataclass(slots=True)
class Index(Node):
    obj: Node
    key: Node


@dataclass(slots=True)
class Call(Node):
    callee: Node
    args: list[Node]


@dataclass(slots=True)
class Array(Node):
    items: list[Node]


@dataclass(slots=True)
class Unary(Node):
    op: str
    operand: Node


@dataclass(slots=True)
class Binary(Node):
    op: str                  # arithmetic, equality and comparison operators
    left: Node
    right: Node


@dataclass(slots=True)
class Logical(Node):
    op: str                  # "&&" or "||"
    left: Node
    right: Node


@dataclass(slots=True)
class Conditional(Node):
    test: Node
    then: Node
    other: Node
