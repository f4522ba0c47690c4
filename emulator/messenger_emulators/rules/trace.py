"""Human-readable trace lines for Decision.trace."""

from __future__ import annotations

from . import errors
from .compiler import CompiledRule

_MAX_SOURCE = 100


def at(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path)


def short(source: str) -> str:
    source = " ".join(source.split())
    return source if len(source) <= _MAX_SOURCE else source[:_MAX_SOURCE - 3] + "..."


def rule_line(rule: CompiledRule, path: tuple[str, ...], outcome: str) -> str:
    return errors.TRACE_RULE.format(rule=rule.where, at=at(path), source=short(rule.source),
                                    outcome=outcome)
