"""Human-readable trace lines for Decision.trace."""

from __future__ import annotations

from . import errors
from .compiler import CompiledRule


def at(path: tuple[str, ...]) -> str:
    return "/" + "/".join(path)


def rule_line(rule: CompiledRule, path: tuple[str, ...], outcome: str) -> str:
    return errors.TRACE_RULE.format(rule=rule.where, at=at(path), source=rule.display,
                                    outcome=outcome)


def granted(op: str, path: tuple[str, ...], rule: CompiledRule) -> str:
    return errors.TRACE_GRANTED.format(op=op, at=at(path), rule=rule.where)


def no_grant(op: str, path: tuple[str, ...], kind: str) -> str:
    return errors.TRACE_NO_GRANT.format(op=op, at=at(path), kind=kind)


def write_ok(paths: list[tuple[str, ...]], count: int) -> str:
    return errors.TRACE_WRITE_OK.format(locations=", ".join(at(p) for p in paths) or "(nothing)",
                                        count=count)


def validate_failed(path: tuple[str, ...], rule: CompiledRule) -> str:
    return errors.TRACE_VALIDATE_FAILED.format(at=at(path), rule=rule.where)
