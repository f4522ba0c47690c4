"""Security rules: parse and evaluate database.rules.json as Firebase does.

INTERIM: this first version only understands `true`, `false` and `auth != null` for `.read` and
`.write`, with the cascade. The full language replaces it behind the same interface
(docs/CONTRACTS.md, "Rules seam").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

Path = tuple[str, ...]


class RulesError(ValueError):
    """Ill-formed rules; the message names the rule's path and what is wrong."""


@dataclass
class Decision:
    allowed: bool
    trace: list[str] = field(default_factory=list)


@dataclass
class QueryInfo:
    order_by_key: bool = False
    order_by_value: bool = False
    order_by_priority: bool = False
    order_by_child: str | None = None
    start_at: Any = None
    end_at: Any = None
    equal_to: Any = None
    limit_to_first: int | None = None
    limit_to_last: int | None = None


def _compile(expr: Any, where: str) -> Any:
    if isinstance(expr, bool):
        return expr
    if isinstance(expr, str) and expr.strip() in ("true", "false"):
        return expr.strip() == "true"
    if isinstance(expr, str) and expr.replace(" ", "") == "auth!=null":
        return "auth"
    raise RulesError(f"{where}: unsupported rule expression {expr!r}")


class RuleSet:
    def __init__(self, doc: dict, source: str) -> None:
        if not isinstance(doc, dict) or set(doc) != {"rules"}:
            raise RulesError('Rules must be an object with a single key "rules"')
        self.source = source
        self._tree = self._build(doc["rules"], "/rules")

    @classmethod
    def from_text(cls, text: str) -> RuleSet:
        try:
            doc = json.loads(text)
        except ValueError as exc:
            raise RulesError(f"Rules are not valid JSON: {exc}") from None
        return cls(doc, text)

    @classmethod
    def from_document(cls, doc: dict) -> RuleSet:
        return cls(doc, json.dumps(doc, indent=2))

    def _build(self, node: Any, where: str) -> dict:
        if not isinstance(node, dict):
            raise RulesError(f"{where}: expected an object")
        out: dict = {}
        for key, value in node.items():
            if key in (".read", ".write"):
                out[key] = _compile(value, f"{where}/{key}")
            elif key in (".validate", ".indexOn"):
                out[key] = value
            else:
                out[key] = self._build(value, f"{where}/{key}")
        return out

    def _nodes_on(self, path: Path) -> list[dict]:
        nodes, level = [self._tree], [self._tree]
        for key in path:
            nxt = []
            for node in level:
                for name, child in node.items():
                    if name == key or name.startswith("$"):
                        nxt.append(child)
            nodes.extend(nxt)
            level = nxt
        return nodes

    def _granted(self, kind: str, path: Path, auth: dict | None) -> Decision:
        for node in self._nodes_on(path):
            rule = node.get(kind)
            if rule is True or (rule == "auth" and auth is not None):
                return Decision(True, [f"{kind} granted on the way to /{'/'.join(path)}"])
        return Decision(False, [f"no {kind} rule grants /{'/'.join(path)}"])

    def can_read(self, path: Path, auth: dict | None, root: Any, now: int,
                 query: QueryInfo | None = None) -> Decision:
        return self._granted(".read", path, auth)

    def can_write(self, writes: list[tuple[Path, Any]], auth: dict | None, old_root: Any,
                  new_root: Any, now: int) -> Decision:
        trace: list[str] = []
        for path, _ in writes:
            decision = self._granted(".write", path, auth)
            trace += decision.trace
            if not decision.allowed:
                return Decision(False, trace)
        return Decision(True, trace)

    def index_on(self, path: Path) -> list[str]:
        found: list[str] = []
        level = [self._tree]
        for key in path:
            level = [c for n in level for k, c in n.items() if k == key or k.startswith("$")]
        for node in level:
            idx = node.get(".indexOn")
            found += [idx] if isinstance(idx, str) else list(idx or [])
        return found
