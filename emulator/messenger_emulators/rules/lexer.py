"""Tokenizer for rule expressions (a small JavaScript subset).

A `/` starts a regular-expression literal where an operand is expected and is the division
operator elsewhere, the usual JavaScript rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import errors


class SyntaxProblem(Exception):
    """Raised by the lexer and parser; the loader turns it into a RulesError."""

    def __init__(self, pos: int, detail: str) -> None:
        super().__init__(detail)
        self.pos = pos
        self.detail = detail

    def text(self) -> str:
        return errors.SYNTAX.format(col=self.pos + 1, detail=self.detail)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str   # "num", "str", "name", "regex", "op", "end"
    value: object
    start: int
    end: int


_OPERATORS = ("===", "!==", "==", "!=", "<=", ">=", "&&", "||",
              "<", ">", "!", "+", "-", "*", "/", "%", "?", ":", "(", ")", "[", "]", ".", ",")
# After these tokens an operand has just ended, so `/` means division.
_OPERAND_END = {")", "]"}
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def tokenize(src: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\r\n":
            i += 1
            continue
        start = i
        if c.isdigit() or (c == "." and i + 1 < n and src[i + 1].isdigit()):
            i = _number_end(src, i)
            text = src[start:i]
            try:
                value: object = float(text) if any(ch in text for ch in ".eE") else int(text)
            except ValueError:
                raise SyntaxProblem(start, errors.SX_BAD_NUMBER.format(text=text)) from None
            if i < n and (src[i].isalnum() or src[i] in "_$"):
                raise SyntaxProblem(i, errors.SX_AFTER_NUMBER.format(char=src[i]))
            tokens.append(Token("num", value, start, i))
        elif c in "'\"":
            value, i = _string(src, i)
            tokens.append(Token("str", value, start, i))
        elif c.isalpha() or c in "_$":
            while i < n and (src[i].isalnum() or src[i] in "_$"):
                i += 1
            tokens.append(Token("name", src[start:i], start, i))
        elif c == "/" and _regex_allowed(tokens):
            pattern, flags, i = _regex(src, i)
            tokens.append(Token("regex", (pattern, flags), start, i))
        else:
            for op in _OPERATORS:
                if src.startswith(op, i):
                    i += len(op)
                    tokens.append(Token("op", op, start, i))
                    break
            else:
                if c == "=" or c == "&" or c == "|":
                    raise SyntaxProblem(i, errors.SX_DOUBLED.format(char=c))
                raise SyntaxProblem(i, errors.SX_CHARACTER.format(char=c))
    tokens.append(Token("end", None, n, n))
    return tokens


def _regex_allowed(tokens: list[Token]) -> bool:
    if not tokens:
        return True
    last = tokens[-1]
    return last.kind == "op" and last.value not in _OPERAND_END


def _number_end(src: str, i: int) -> int:
    n = len(src)
    while i < n and src[i].isdigit():
        i += 1
    if i < n and src[i] == ".":
        i += 1
        while i < n and src[i].isdigit():
            i += 1
    if i < n and src[i] in "eE":
        j = i + 1
        if j < n and src[j] in "+-":
            j += 1
        if j < n and src[j].isdigit():
            i = j
            while i < n and src[i].isdigit():
                i += 1
    return i


def _string(src: str, i: int) -> tuple[str, int]:
    quote, start = src[i], i
    i += 1
    out: list[str] = []
    n = len(src)
    while i < n:
        c = src[i]
        if c == quote:
            return "".join(out), i + 1
        if c == "\\":
            if i + 1 >= n:
                break
            e = src[i + 1]
            if e == "u":
                digits = src[i + 2:i + 6]
                if len(digits) != 4 or not all(d in "0123456789abcdefABCDEF" for d in digits):
                    raise SyntaxProblem(i, errors.SX_BAD_ESCAPE)
                out.append(chr(int(digits, 16)))
                i += 6
                continue
            out.append(_ESCAPES.get(e, e))
            i += 2
            continue
        if c == "\n":
            break
        out.append(c)
        i += 1
    raise SyntaxProblem(start, errors.SX_UNTERMINATED_STRING)


def _regex(src: str, i: int) -> tuple[str, str, int]:
    start = i
    i += 1
    n = len(src)
    in_class = False
    while i < n:
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "\n":
            break
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            pattern = src[start + 1:i]
            i += 1
            f0 = i
            while i < n and (src[i].isalnum() or src[i] in "_$"):
                i += 1
            return pattern, src[f0:i], i
        i += 1
    raise SyntaxProblem(start, errors.SX_UNTERMINATED_REGEX)
