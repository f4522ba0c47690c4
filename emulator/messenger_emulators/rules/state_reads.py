"""Whether a `.read` rule can read state (root, data, now) for one concrete path.

A rule such as the messenger's chat read, `auth != null && (($chatId.matches(/^..._...$/) &&
...auth only...) || ($chatId.matches(/^g-.../) && root.child('chats')...exists()))`, reads the
database only for group ids. Its compiled `reads_state` is True (some branch reads root), which
would make every open stream below it, direct chats too, re-checked after commits. For a stream
the path is fixed, so `$wildcard.matches(/regex/)` is a constant: folding it (and the `!`,
`&&`, `||` and `?:` around it, which short-circuit exactly so at run time) shows which branches
can run. Only these forms are folded; anything else counts as "may run", so the answer errs
towards re-checking, never away from it.
"""

from __future__ import annotations

from typing import Any

from . import nodes as n
from .regex import RegexProblem, translate

_STATE = frozenset({"root", "data", "newData", "now"})


def _constant(node: n.Node, caps: dict[str, str]) -> bool | None:
    """The boolean value of `node` for these captures when it is one without evaluation."""
    if isinstance(node, n.Literal) and isinstance(node.value, bool):
        return node.value
    if isinstance(node, n.Unary) and node.op == "!":
        inner = _constant(node.operand, caps)
        return None if inner is None else not inner
    if isinstance(node, n.Logical):
        left = _constant(node.left, caps)
        if node.op == "&&" and left is False or node.op == "||" and left is True:
            return left
        right = _constant(node.right, caps)
        if left is None or right is None:
            return None
        return right
    if (isinstance(node, n.Call) and isinstance(node.callee, n.Member)
            and node.callee.name == "matches" and isinstance(node.callee.obj, n.Name)
            and node.callee.obj.name in caps and len(node.args) == 1
            and isinstance(node.args[0], n.Regex)):
        regex = node.args[0]
        try:
            pattern = translate(regex.pattern, regex.flags)
        except RegexProblem:
            return None
        return pattern.search(caps[node.callee.obj.name]) is not None
    return None


def may_read_state(node: Any, caps: dict[str, str]) -> bool:
    """Whether evaluating `node` with these captures can touch root, data or now."""
    if isinstance(node, n.Name):
        return node.name in _STATE
    if isinstance(node, n.Logical):
        left = _constant(node.left, caps)
        if node.op == "&&" and left is False or node.op == "||" and left is True:
            return may_read_state(node.left, caps)
        return may_read_state(node.left, caps) or may_read_state(node.right, caps)
    if isinstance(node, n.Conditional):
        test = _constant(node.test, caps)
        if test is not None:
            return may_read_state(node.test, caps) or may_read_state(
                node.then if test else node.other, caps)
        return any(may_read_state(part, caps) for part in (node.test, node.then, node.other))
    if isinstance(node, n.Unary):
        return may_read_state(node.operand, caps)
    if isinstance(node, n.Binary):
        return may_read_state(node.left, caps) or may_read_state(node.right, caps)
    if isinstance(node, n.Member):
        return may_read_state(node.obj, caps)
    if isinstance(node, n.Index):
        return may_read_state(node.obj, caps) or may_read_state(node.key, caps)
    if isinstance(node, n.Call):
        return may_read_state(node.callee, caps) or any(may_read_state(a, caps)
                                                        for a in node.args)
    if isinstance(node, n.Array):
        return any(may_read_state(item, caps) for item in node.items)
    return False  # literals, regexes


def _root_child_key(node: Any) -> str | None | bool:
    """For `root.child('a/b')...`: 'a'; for another use of root: False (unknown); for a
    node that is no `root.child(...)` call: None."""
    if (isinstance(node, n.Call) and isinstance(node.callee, n.Member)
            and node.callee.name == "child" and isinstance(node.callee.obj, n.Name)
            and node.callee.obj.name == "root"):
        arg = node.args[0] if len(node.args) == 1 else None
        if isinstance(arg, n.Literal) and isinstance(arg.value, str) and arg.value.strip("/"):
            return arg.value.strip("/").split("/")[0]
        head = arg
        while isinstance(head, n.Binary) and head.op == "+":
            head = head.left  # root.child('a/' + $x + '/' + auth.uid): starts with 'a/'
        if head is not arg and isinstance(head, n.Literal) and isinstance(head.value, str) \
                and "/" in head.value.lstrip("/"):
            return head.value.lstrip("/").split("/")[0]
        return False
    return None


def root_prefixes(node: Any, where: str) -> set[str] | None:
    """The first path segments of the data a rule at `where` ("/a/$x") reads through `root`
    and `data`, or None when that cannot be told (root or data used another way). `now` is
    time, not data: it adds nothing here."""
    found: set[str] = set()
    first = where.strip("/").split("/")[0] if where.strip("/") else ""

    def visit(part: Any) -> bool:
        key = _root_child_key(part)
        if isinstance(key, str):
            found.add(key)
            return True  # the rest of the chain (.child($x).exists()) reads below it
        if key is False:
            return False
        if isinstance(part, n.Name):
            if part.name == "root":
                return False
            if part.name in ("data", "newData"):
                if not first or first.startswith("$"):
                    return False
                found.add(first)
            return True
        children: list[Any] = []
        for attr in ("left", "right", "operand", "obj", "key", "callee", "test", "then",
                     "other"):
            if hasattr(part, attr):
                children.append(getattr(part, attr))
        children.extend(getattr(part, "args", ()) or ())
        children.extend(getattr(part, "items", ()) or ())
        return all(visit(child) for child in children)

    return found if visit(node) else None
