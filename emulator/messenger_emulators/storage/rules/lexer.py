"""Tokens of the rules language. Match paths (`/b/{bucket}/o`) are scanned as one PATH token
right after the keyword `match`, since their braces are not blocks."""

from __future__ import annotations

from dataclasses import dataclass

from . import errors as e

OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%", "?",
             ":", ".", ",", ";", "(", ")", "[", "]", "{", "}", "=")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "/": "/",
            "b": "\b", "f": "\f", "0": "\0"}


@dataclass(frozen=True)
class Token:
    kind: str      # NAME INT FLOAT STRING OP PATH EOF
    value: object
    line: int
    column: int

    def describe(self) -> str:
        if self.kind == "EOF":
            return "the end of the file"
        if self.kind == "STRING":
            return f"string {self.value!r}"
        return repr(str(self.value))


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, line, line_start = 0, len(text), 1, 0

    def where(at: int) -> tuple[int, int]:
        return line, at - line_start + 1

    while i < n:
        c = text[i]
        if c == "\n":
            line, line_start = line + 1, i + 1
            i += 1
            continue
        if c in " \t\r\ufeff":
            i += 1
            continue
        if text.startswith("//", i):
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise e.RulesLoadError(*where(i), e.UNTERMINATED_COMMENT)
            for j in range(i, end):
                if text[j] == "\n":
                    line, line_start = line + 1, j + 1
            i = end + 2
            continue
        ln, col = where(i)
        if tokens and tokens[-1].kind == "NAME" and tokens[-1].value == "match" and c == "/":
            start = i
            while i < n and text[i] == "/":
                i += 1
                if i < n and text[i] == "{":
                    close = text.find("}", i)
                    i = n if close < 0 else close + 1
                else:
                    while i < n and text[i] not in " \t\r\n/{}":
                        i += 1
            tokens.append(Token("PATH", text[start:i], ln, col))
            continue
        raw_string = c in "rR" and i + 1 < n and text[i + 1] in "'\""
        if (c.isalpha() or c == "_") and not raw_string:
            start = i
            while i < n and (text[i].isalnum() or text[i] == "_"):
                i += 1
            tokens.append(Token("NAME", text[start:i], ln, col))
            continue
        if c.isdigit():
            start = i
            while i < n and text[i].isdigit():
                i += 1
            is_float = False
            if i + 1 < n and text[i] == "." and text[i + 1].isdigit():
                is_float = True
                i += 1
                while i < n and text[i].isdigit():
                    i += 1
            if i < n and text[i] in "eE":
                j = i + 1
                if j < n and text[j] in "+-":
                    j += 1
                if j < n and text[j].isdigit():
                    is_float = True
                    i = j
                    while i < n and text[i].isdigit():
                        i += 1
            raw = text[start:i]
            tokens.append(Token("FLOAT" if is_float else "INT",
                                float(raw) if is_float else int(raw), ln, col))
            continue
        if c in "'\"" or raw_string:
            if raw_string:
                i += 1
            quote = text[i]
            i += 1
            out: list[str] = []
            while True:
                if i >= n or text[i] == "\n":
                    raise e.RulesLoadError(ln, col, e.UNTERMINATED_STRING)
                ch = text[i]
                if ch == quote:
                    i += 1
                    break
                if ch == "\\" and not raw_string and i + 1 < n:
                    nxt = text[i + 1]
                    if nxt == "u" and i + 5 < n:
                        try:
                            out.append(chr(int(text[i + 2:i + 6], 16)))
                            i += 6
                            continue
                        except ValueError:
                            pass
                    # an unknown escape keeps its backslash: regexes in strings ('\\.') need it
                    out.append(_ESCAPES.get(nxt, "\\" + nxt))
                    i += 2
                    continue
                out.append(ch)
                i += 1
            tokens.append(Token("STRING", "".join(out), ln, col))
            continue
        for op in OPERATORS:
            if text.startswith(op, i):
                tokens.append(Token("OP", op, ln, col))
                i += len(op)
                break
        else:
            raise e.RulesLoadError(ln, col, e.UNEXPECTED_CHAR.format(char=c))
    tokens.append(Token("EOF", None, *where(n)))
    return tokens
