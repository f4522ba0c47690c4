"""Load a rules document: strip comments, parse JSON, check its shape, compile every rule.

Everything Firebase's deploy would refuse raises RulesError naming the rule's path.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import errors
from .compiler import compile_rule
from .errors import RulesError
from .tree import RuleNode

_RULE_KINDS = (".read", ".write", ".validate")
_WILDCARD = re.compile(r"\$[A-Za-z0-9_]+\Z")
_BAD_KEY_CHARS = re.compile(r"[.#$\[\]/\x00-\x1f\x7f]")
MAX_DEPTH = 64  # the database itself stops at 32 levels


def strip_comments(text: str) -> str:
    """Remove // and /* */ comments outside JSON strings (Firebase accepts them).

    Comments become spaces (newlines are kept) so JSON error positions stay right.
    """
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            if j < 0:
                line = text.count("\n", 0, i) + 1
                raise RulesError(errors.UNTERMINATED_COMMENT.format(line=line))
            out.append("".join(ch if ch == "\n" else " " for ch in text[i:j + 2]))
            i = j + 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse_text(text: str) -> Any:
    if not isinstance(text, str):
        raise RulesError(errors.NOT_JSON.format(detail="expected text"))
    try:
        return json.loads(strip_comments(text), object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise RulesError(errors.TOO_DEEP.format(where="/rules")) from None
    except ValueError as exc:
        raise RulesError(errors.NOT_JSON.format(detail=exc)) from None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # json would silently keep the last of two equal keys; a rule would vanish unseen.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(errors.DUPLICATE_KEY.format(key=key))
        out[key] = value
    return out


def build(doc: Any) -> RuleNode:
    if not isinstance(doc, dict) or set(doc) != {"rules"}:
        raise RulesError(errors.NO_RULES_KEY)
    return _node(doc["rules"], (), ())


def _got(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "an array", dict: "an object"}.get(type(value), type(value).__name__)


def _node(spec: Any, path: tuple[str, ...], wildcards: tuple[str, ...]) -> RuleNode:
    where = "".join("/" + k for k in path)
    doc_where = "/rules" + where
    if len(path) > MAX_DEPTH:
        raise RulesError(errors.TOO_DEEP.format(where=doc_where))
    if not isinstance(spec, dict):
        raise RulesError(errors.NOT_AN_OBJECT.format(where=doc_where, got=_got(spec)))
    node = RuleNode(where)
    wild = [k for k in spec if isinstance(k, str) and k.startswith("$")]
    if len(wild) > 1:
        raise RulesError(errors.TWO_WILDCARDS.format(where=doc_where, names=", ".join(wild)))
    for key, value in spec.items():
        if not isinstance(key, str):  # only reachable through from_document
            raise RulesError(errors.BAD_CHILD_KEY.format(where=doc_where, key=key))
        if key.startswith("."):
            _rule_key(node, key, value, where, wildcards)
        elif key.startswith("$"):
            if not _WILDCARD.match(key):
                raise RulesError(errors.BAD_CHILD_KEY.format(where=doc_where, key=key))
            if key in wildcards:
                raise RulesError(errors.SAME_WILDCARD.format(where=doc_where, name=key))
            node.wildcard = _node(value, (*path, key), (*wildcards, key))
            node.wildcard_name = key
        else:
            if not key or _BAD_KEY_CHARS.search(key) or len(key.encode()) > 768:
                raise RulesError(errors.BAD_CHILD_KEY.format(where=doc_where, key=key))
            node.children[key] = _node(value, (*path, key), wildcards)
    return node


def _rule_key(node: RuleNode, key: str, value: Any, where: str,
              wildcards: tuple[str, ...]) -> None:
    doc_where = f"/rules{where}/{key}"
    if key in _RULE_KINDS:
        if not isinstance(value, bool | str):
            raise RulesError(errors.BAD_RULE_TYPE.format(where=doc_where, kind=key,
                                                         got=_got(value)))
        compiled = compile_rule(value, key, f"{where}/{key}", wildcards)
        setattr(node, key[1:], compiled)
    elif key == ".indexOn":
        if isinstance(value, str):
            node.index_on = [value]
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            node.index_on = list(value)
        else:
            raise RulesError(errors.BAD_INDEX_ON.format(where=doc_where, got=_got(value)))
    else:
        raise RulesError(errors.UNKNOWN_KEY.format(where=f"/rules{where}", key=key))
