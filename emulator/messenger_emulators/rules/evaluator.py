"""Evaluate a compiled rules tree for reads and writes, with Firebase's semantics.

- `.read`/`.write` cascade: the first rule granting on the way from the root to the location
  wins, and no deeper rule can take the grant back; with no grant at or above the location,
  the operation is denied (rules are not filters).
- `.validate` does not cascade: every validate rule of every node the write creates or
  changes must pass: the location's ancestors (with the merged new data), the location and
  its new descendants; nodes whose new value is null are skipped (deletes).
- A multi-location write is allowed only if every location passes.
"""

from __future__ import annotations

from typing import Any

from messenger_emulators.wide_nodes import Map

from . import errors
from .compiler import CompiledRule
from .errors import EvalError
from .explain import explain
from .model import NO_QUERY, Decision, Path, QueryView
from .runtime import UNEXPECTED
from .snapshot import RuleSnapshot, type_name
from .state_reads import may_read_state, root_prefixes
from .trace import granted, no_grant, rule_line, validate_failed, write_ok
from .tree import RuleNode

_CACHE_LIMIT = 20_000
# (position in the trace just after the rule's line, the rule, the arguments it ran with)
Denial = tuple[int, CompiledRule, tuple[Any, ...]]


def run(rule: CompiledRule, auth: Any, root: RuleSnapshot, data: RuleSnapshot,
        new_data: RuleSnapshot | None, now: int, query: QueryView,
        caps: dict[str, str]) -> tuple[bool, str]:
    """(allowed, outcome text). Any error inside the expression denies."""
    if rule.constant is not None:
        return rule.constant, "true" if rule.constant else "false"
    assert rule.fn is not None
    try:
        result = rule.fn(auth, root, data, new_data, now, query, caps)
    except EvalError as exc:
        return False, errors.TRACE_ERROR.format(detail=exc)
    except UNEXPECTED as exc:  # defensive: a bug must deny, never crash a request
        return False, errors.TRACE_ERROR.format(detail=f"{type(exc).__name__}: {exc}")
    if result is True:
        return True, "true"
    if result is False:
        return False, "false"
    return False, errors.TRACE_ERROR.format(
        detail=errors.RT_NOT_BOOLEAN.format(got=type_name(result)))


class Evaluator:
    def __init__(self, root: RuleNode) -> None:
        self.root = root
        self._walks: dict[Path, tuple[tuple[RuleNode, ...], dict[str, str]]] = {}
        self._prefixes: frozenset[str] | None | bool = False  # False: not computed yet

    def walk(self, path: Path) -> tuple[tuple[RuleNode, ...], dict[str, str]]:
        """Rule nodes from the root down `path` (as far as rules go) and the wildcard captures.

        Cached per path: the lookup is pure, and the database asks for the same paths again
        and again. Captures are never mutated by rules ($variables are read-only strings).
        """
        hit = self._walks.get(path)
        if hit is not None:
            return hit
        nodes = [self.root]
        caps: dict[str, str] = {}
        node: RuleNode | None = self.root
        for key in path:
            node, cap = node.child_for(key)  # type: ignore[union-attr]
            if node is None:
                break
            if cap is not None:
                caps[cap] = key
            nodes.append(node)
        result = (tuple(nodes), caps)
        if len(self._walks) >= _CACHE_LIMIT:
            self._walks.clear()
        self._walks[path] = result
        return result

    # --- reads -------------------------------------------------------------------------
    def read_reads_state(self, path: Path) -> bool:
        """Whether a read of `path` could be decided differently after a commit (some `.read`
        on the way reads root, data or now). When not, the decision is a function of auth,
        path and query alone, and an open stream's access needs no re-check until the rules
        themselves change."""
        nodes, caps = self.walk(path)
        return any(node.read is not None and node.read.reads_state
                   and (node.read.tree is None or may_read_state(node.read.tree, caps))
                   for node in nodes)

    def read_state_prefixes(self) -> frozenset[str] | None:
        """The first path segments of all data any `.read` rule reads (root.child('chats')...
        -> "chats"), or None when some rule's reads cannot be told. A commit writing under none
        of them cannot change a read decision (only time can, through `now`)."""
        if self._prefixes is not False:
            return self._prefixes  # type: ignore[return-value]
        found: set[str] = set()
        known = True
        stack = [self.root]
        while stack and known:
            node = stack.pop()
            rule = node.read
            if rule is not None and rule.reads_state and rule.tree is not None:
                got = root_prefixes(rule.tree, node.where)
                if got is None:
                    known = False
                else:
                    found |= got
            stack.extend(node.children.values())
            if node.wildcard is not None:
                stack.append(node.wildcard)
        self._prefixes = frozenset(found) if known else None
        return self._prefixes

    def can_read(self, path: Path, auth: Any, root: Any, now: int,
                 query: QueryView) -> Decision:
        nodes, caps = self.walk(path)
        trace: list[Any] = []  # lines, or (render, args) (Decision)
        denials: list[Denial] = []
        root_snap = RuleSnapshot(root, (), root)
        value = root
        for depth, node in enumerate(nodes):
            if depth:
                value = _child(value, path[depth - 1])
            rule = node.read
            if rule is None:
                continue
            here = path[:depth]
            args = (auth, root_snap, RuleSnapshot(root, here, value), None, now, query, caps)
            ok, outcome = run(rule, *args)
            trace.append((rule_line, (rule, here, outcome)))  # rendered if read (Decision)
            if ok:
                trace.append((granted, ("read", path, rule)))
                return Decision(True, trace)
            if rule.constant is None:
                denials.append((len(trace), rule, args))
        trace.append((no_grant, ("read", path, ".read")))
        return Decision(False, with_explanations(trace, denials))

    # --- writes ------------------------------------------------------------------------
    def can_write(self, writes: list[tuple[Path, Any]], auth: Any, old_root: Any,
                  new_root: Any, now: int) -> Decision:
        check = WriteCheck(auth, old_root, new_root, now)
        for path, _value in writes:
            nodes, caps = self.walk(path)
            if not check.granted(path, nodes, caps) or not check.valid(path, nodes, caps):
                return Decision(False, with_explanations(check.trace, check.denials))
        check.trace.append((write_ok, ([p for p, _ in writes], len(check.checked))))
        return Decision(True, check.trace)


class WriteCheck:
    """The state of one write request's check: its inputs, the trace, what already ran."""

    def __init__(self, auth: Any, old_root: Any, new_root: Any, now: int) -> None:
        self.auth, self.old_root, self.new_root, self.now = auth, old_root, new_root, now
        self.root_snap = RuleSnapshot(old_root, (), old_root)
        self.trace: list[Any] = []  # lines, or (render, args) (Decision)
        self.denials: list[Denial] = []
        self.checked: set[tuple[int, Path]] = set()  # validate rules run (shared ancestors)
        # .write outcomes by (rule, location): a multi-path update writing many paths below
        # one location (the unread trigger: ~400 paths under 200 members' entries, two a
        # member) evaluates each ancestor's rule there once; the outcome depends on nothing
        # else (auth, the roots and now are the request's), so the trace stays the same
        self.writes_run: dict[tuple[int, Path], tuple[bool, Any]] = {}

    def _args(self, here: Path, old: Any, new: Any, caps: dict[str, str]) -> tuple[Any, ...]:
        return (self.auth, self.root_snap, RuleSnapshot(self.old_root, here, old),
                RuleSnapshot(self.new_root, here, new), self.now, NO_QUERY, caps)

    def granted(self, path: Path, nodes: tuple[RuleNode, ...], caps: dict[str, str]) -> bool:
        """The .write cascade down to one written location."""
        old, new = self.old_root, self.new_root
        for depth, node in enumerate(nodes):
            if depth:
                old, new = _child(old, path[depth - 1]), _child(new, path[depth - 1])
            rule = node.write
            if rule is None:
                continue
            here = path[:depth]
            args = self._args(here, old, new, caps)
            seen = self.writes_run.get((id(rule), here))
            if seen is None:
                seen = self.writes_run[(id(rule), here)] = run(rule, *args)
            ok, outcome = seen
            self.trace.append((rule_line, (rule, here, outcome)))
            if ok:
                self.trace.append((granted, ("write", path, rule)))
                return True
            if rule.constant is None:
                self.denials.append((len(self.trace), rule, args))
        self.trace.append((no_grant, ("write", path, ".write")))
        return False

    def valid(self, path: Path, nodes: tuple[RuleNode, ...], caps: dict[str, str]) -> bool:
        """.validate on the location's ancestors, the location and its new descendants."""
        old, new = self.old_root, self.new_root
        for depth, node in enumerate(nodes):
            if depth:
                old, new = _child(old, path[depth - 1]), _child(new, path[depth - 1])
            rule = node.validate
            if rule is not None and new is not None and \
                    not self._check(rule, path[:depth], old, new, caps):
                return False
        if len(nodes) == len(path) + 1 and (type(new) is dict or type(new) is Map):
            return self._valid_below(nodes[-1], path, old, new, caps)
        return True

    def _valid_below(self, node: RuleNode, path: Path, old: Any, new: Any,
                     caps: dict[str, str]) -> bool:
        if not node.children and node.wildcard is None:
            return True
        for key, new_child in new.items():
            if key[:1] == "." or new_child is None:
                continue
            child, cap = node.child_for(key)
            if child is None:
                continue
            child_caps = caps if cap is None else {**caps, cap: key}
            here = (*path, key)
            old_child = _child(old, key)
            if child.validate is not None and \
                    not self._check(child.validate, here, old_child, new_child, child_caps):
                return False
            if (type(new_child) is dict or type(new_child) is Map) and \
                    not self._valid_below(child, here, old_child, new_child, child_caps):
                return False
        return True

    def _check(self, rule: CompiledRule, here: Path, old: Any, new: Any,
               caps: dict[str, str]) -> bool:
        key = (id(rule), here)
        if key in self.checked:
            return True
        self.checked.add(key)
        args = self._args(here, old, new, caps)
        ok, outcome = run(rule, *args)
        if not ok:
            self.trace.append((rule_line, (rule, here, outcome)))
            if rule.constant is None:
                self.denials.append((len(self.trace), rule, args))
            self.trace.append((validate_failed, (here, rule)))
        return ok


def with_explanations(trace: list[Any], denials: list[Denial]) -> list[Any]:
    """Insert, after each rule that said no, the values it saw (denied requests only)."""
    for index, rule, args in reversed(denials):
        trace[index:index] = explain(rule, args)
    return trace


def _child(value: Any, key: str) -> Any:
    if (type(value) is dict or type(value) is Map) and key[:1] != ".":
        return value.get(key)
    return None
