"""Human-readable trace lines for Decision.trace."""

from __future__ import annotations

from . import errors
from .compiler import CompiledRule


def at(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path)


def rule_line(rule: CompiledRule, path: tuple[str, ...], outcome: str) -> str:
    return errors.TRACE_RULE.format(rule=rule.where, at=at(path), source=rule.display,
                                    outcome=outcome)
