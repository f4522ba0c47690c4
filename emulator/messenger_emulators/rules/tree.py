"""The compiled rules document: one RuleNode per key of the "rules" object."""

from __future__ import annotations

from dataclasses import dataclass, field

from .compiler import CompiledRule


@dataclass
class RuleNode:
    where: str                                   # "/messages/$chatId" ("" for the root)
    read: CompiledRule | None = None
    write: CompiledRule | None = None
    validate: CompiledRule | None = None
    index_on: list[str] = field(default_factory=list)
    children: dict[str, RuleNode] = field(default_factory=dict)
    wildcard: RuleNode | None = None
    wildcard_name: str | None = None

    def child_for(self, key: str) -> tuple[RuleNode | None, str | None]:
        """The rule node governing child `key`, and the wildcard it binds (if any).

        A named child takes precedence: the $wildcard only covers keys that have no named
        sibling, which is what makes Firebase's `"$other": {".validate": false}` idiom work.
        """
        named = self.children.get(key)
        if named is not None:
            return named, None
        return self.wildcard, self.wildcard_name
