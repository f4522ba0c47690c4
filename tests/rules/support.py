"""Helpers shared by the rules tests: auth variables, tree updates, case running."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from messenger_emulators.rules import Decision, QueryInfo, RuleSet

NOW = 1_700_000_000_000


def user(uid: str, **claims: Any) -> dict:
    """The rules `auth` variable of a signed-in user (custom-token sign-in)."""
    token = {"sub": uid, "uid": uid, "firebase": {"sign_in_provider": "custom"}, **claims}
    return {"uid": uid, "provider": "custom", "token": token}


def split(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def set_at(root: Any, path: tuple[str, ...], value: Any) -> Any:
    """Copy-on-write set (None deletes, empty parents vanish), as the database does."""
    if not path:
        return value
    node = dict(root) if isinstance(root, dict) else {}
    child = set_at(node.get(path[0]), path[1:], value)
    if child is None:
        node.pop(path[0], None)
    else:
        node[path[0]] = child
    return node if any(k != ".priority" for k in node) else None


@dataclass
class Case:
    name: str
    rules: dict                      # the value of "rules"
    op: str                          # "read", "set" or "update"
    path: str
    allowed: bool
    data: Any = None
    auth: dict | None = None
    value: Any = None                # set: the value; update: {relative path: value}
    query: dict | None = None        # QueryInfo fields
    now: int = NOW
    targaryen: bool = True           # False where targaryen is known to differ (see docs)
    why: str = ""
    tags: list[str] = field(default_factory=list)

    def writes(self) -> list[tuple[tuple[str, ...], Any]]:
        base = split(self.path)
        if self.op == "set":
            return [(base, self.value)]
        return [(base + split(k), v) for k, v in self.value.items()]

    def new_root(self) -> Any:
        root = self.data
        for path, value in self.writes():
            root = set_at(root, path, value)
        return root

    def run(self) -> Decision:
        rules = RuleSet.from_document({"rules": self.rules})
        if self.op == "read":
            query = QueryInfo(**self.query) if self.query else None
            return rules.can_read(split(self.path), self.auth, self.data, self.now, query)
        return rules.can_write(self.writes(), self.auth, self.data, self.new_root(), self.now)
