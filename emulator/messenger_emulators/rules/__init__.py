"""Security rules of the Realtime Database emulator: Firebase's rules language.

The public seam (docs/CONTRACTS.md, "Rules seam"): RuleSet.from_text / from_document parse and
compile a rules document once (RulesError when Firebase's deploy would refuse it); can_read,
can_write and index_on evaluate it. Modules:
  lexer, parser, nodes   expression syntax
  static_types, compiler load-time type checks, compilation to Python functions
  runtime, regex         the language's run-time operations and regex subset
  snapshot               RuleDataSnapshot over immutable trees
  loader, tree           document shape, comments, rule tree
  evaluator, trace       cascade/validate semantics and the human-readable trace
"""

from __future__ import annotations

import json
from typing import Any

from . import errors
from .errors import RulesError
from .evaluator import Evaluator
from .loader import build, parse_text
from .model import NO_QUERY, Decision, Path, QueryInfo, QueryView

__all__ = ["Decision", "QueryInfo", "RuleSet", "RulesError"]


class RuleSet:
    """A compiled rules document. Immutable; safe to share between requests."""

    def __init__(self, doc: Any, source: str) -> None:
        try:
            tree = build(doc)
        except RecursionError:
            raise RulesError(errors.TOO_DEEP.format(where="/rules")) from None
        self.source = source
        self.document = doc
        self._evaluator = Evaluator(tree)

    @classmethod
    def from_text(cls, text: str) -> RuleSet:
        return cls(parse_text(text), text)

    @classmethod
    def from_document(cls, doc: dict) -> RuleSet:
        try:
            source = json.dumps(doc, indent=2)
        except (TypeError, ValueError, RecursionError):
            raise RulesError(errors.NOT_A_DOCUMENT) from None
        return cls(doc, source)

    def can_read(self, path: Path, auth: dict | None, root: Any, now: int,
                 query: QueryInfo | None = None) -> Decision:
        view = NO_QUERY if query is None else QueryView(query)
        return self._evaluator.can_read(tuple(path), auth, root, now, view)

    def read_state_prefixes(self) -> frozenset[str] | None:
        """The top-level keys under which the data read rules read lives (None: unknown)."""
        return self._evaluator.read_state_prefixes()

    def read_reads_state(self, path: Path) -> bool:
        """False when reading `path` is decided by auth, path and query alone (no rule on the
        way reads root, data or now): a commit cannot change that decision."""
        return self._evaluator.read_reads_state(tuple(path))

    def can_write(self, writes: list[tuple[Path, Any]], auth: dict | None, old_root: Any,
                  new_root: Any, now: int) -> Decision:
        return self._evaluator.can_write([(tuple(p), v) for p, v in writes], auth, old_root,
                                         new_root, now)

    def index_on(self, path: Path) -> list[str]:
        nodes, _ = self._evaluator.walk(tuple(path))
        if len(nodes) != len(path) + 1:
            return []
        return list(nodes[-1].index_on)
