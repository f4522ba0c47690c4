"""Firebase's regular-expression subset, translated to Python's `re`.

Documented subset (RXP): \\s \\w \\d \\S \\W \\D; `\\` makes the next character literal;
`^` only as the first and `$` only as the last character; `* + ? . ( ) | [..] [^..] {n,m}`;
only the `i` flag. Anything else is refused at load time rather than given a meaning
Firebase might not share.
"""

from __future__ import annotations

import re

from . import errors

_CLASSES = set("sdwSDW")
_PLAIN = set("*+?.()|{},")


class RegexProblem(ValueError):
    pass


def translate(pattern: str, flags: str) -> re.Pattern[str]:
    if flags not in ("", "i"):
        raise RegexProblem(errors.RX_FLAGS.format(flags=flags))
    if pattern == "":
        raise RegexProblem(errors.RX_EMPTY)
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "\\":
            i = _escape(pattern, i, out)
            continue
        if c == "^":
            if i != 0:
                raise RegexProblem(errors.RX_CARET)
            out.append("^")
        elif c == "$":
            if i != n - 1:
                raise RegexProblem(errors.RX_DOLLAR)
            out.append(r"\Z")  # Python's `$` would also match before a final newline
        elif c == "[":
            i = _char_class(pattern, i, out)
            continue
        elif c == "(":
            if pattern.startswith("(?", i):
                raise RegexProblem(errors.RX_GROUP)
            out.append(c)
        elif c in _PLAIN:
            out.append(c)
        else:
            out.append(re.escape(c))
        i += 1
    try:
        return re.compile("".join(out), re.ASCII | (re.IGNORECASE if flags else 0))
    except (re.error, OverflowError, RecursionError) as exc:
        raise RegexProblem(str(exc)) from None


def _escape(pattern: str, i: int, out: list[str]) -> int:
    if i + 1 >= len(pattern):
        raise RegexProblem(errors.RX_LONE_BACKSLASH)
    e = pattern[i + 1]
    out.append("\\" + e if e in _CLASSES else re.escape(e))
    return i + 2


def _char_class(pattern: str, i: int, out: list[str]) -> int:
    n = len(pattern)
    parts = ["["]
    i += 1
    if i < n and pattern[i] == "^":
        parts.append("^")
        i += 1
    first = True
    while i < n:
        c = pattern[i]
        if c == "]" and not first:
            parts.append("]")
            out.append("".join(parts))
            return i + 1
        if c == "\\":
            if i + 1 >= n:
                raise RegexProblem(errors.RX_LONE_BACKSLASH)
            e = pattern[i + 1]
            parts.append("\\" + e if e in _CLASSES else re.escape(e))
            i += 2
        else:
            parts.append(c if c == "-" else re.escape(c))
            i += 1
        first = False
    raise RegexProblem(errors.RX_UNTERMINATED_SET)
