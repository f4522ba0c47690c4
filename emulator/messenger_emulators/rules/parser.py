"""Recursive-descent parser for rule expressions, with JavaScript's precedence."""

from __future__ import annotations

from typing import cast

from . import errors
from . import nodes as n
from .lexer import SyntaxProblem, Token, tokenize

# Binary operators by binding power; higher binds tighter. `?:` and unary are handled apart.
_BINARY: dict[object, int] = {  # keyed by Token.value (an object)
    "||": 1, "&&": 2,
    "==": 3, "!=": 3, "===": 3, "!==": 3,
    "<": 4, ">": 4, "<=": 4, ">=": 4,
    "+": 5, "-": 5,
    "*": 6, "/": 6, "%": 6,
}
_UNARY_POWER = 7
_KEYWORDS = {"true": True, "false": False, "null": None}
# Words that are JavaScript but not part of the rules language: a clear message beats
# "Unknown variable".
_UNSUPPORTED = {"new", "typeof", "instanceof", "in", "function", "var", "let", "const",
                "this", "undefined", "delete", "void", "return"}
MAX_DEPTH = 200  # far beyond any real rule; keeps Python's recursion safe on hostile input


def parse(src: str) -> n.Node:
    return _Parser(src).parse()


class _Parser:
    def __init__(self, src: str) -> None:
        self.src = src
        self.tokens = tokenize(src)
        self.i = 0
        self.depth = 0

    def parse(self) -> n.Node:
        if self.tokens[0].kind == "end":
            raise SyntaxProblem(0, errors.SX_EMPTY)
        node = self.expression()
        tok = self.peek()
        if tok.kind != "end":
            raise SyntaxProblem(tok.start, errors.SX_UNEXPECTED.format(what=self.describe(tok)))
        return node

    # --- token helpers ---------------------------------------------------------------
    def peek(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def is_op(self, value: str) -> bool:
        tok = self.tokens[self.i]
        return tok.kind == "op" and tok.value == value

    def expect(self, value: str) -> Token:
        tok = self.peek()
        if tok.kind != "op" or tok.value != value:
            raise SyntaxProblem(tok.start, errors.SX_EXPECTED.format(value=value,
                                                              what=self.describe(tok)))
        return self.advance()

    @staticmethod
    def describe(tok: Token) -> str:
        if tok.kind == "end":
            return "the end of the expression"
        if tok.kind == "regex":
            return "a regular expression"
        return repr(tok.value) if tok.kind != "op" else f"'{tok.value}'"

    # --- grammar -----------------------------------------------------------------------
    def expression(self) -> n.Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SyntaxProblem(self.peek().start, errors.SX_TOO_DEEP)
        try:
            return self.conditional()
        finally:
            self.depth -= 1

    def conditional(self) -> n.Node:
        test = self.binary(1)
        if not self.is_op("?"):
            return test
        self.advance()
        then = self.expression()
        self.expect(":")
        other = self.expression()
        return n.Conditional(test.start, other.end, test, then, other)

    def binary(self, min_power: int) -> n.Node:
        left = self.unary()
        while True:
            tok = self.peek()
            power = _BINARY.get(tok.value) if tok.kind == "op" else None
            if power is None or power < min_power:
                return left
            self.advance()
            right = self.binary(power + 1)
            op = str(tok.value)
            cls = n.Logical if op in ("&&", "||") else n.Binary
            left = cls(left.start, right.end, op, left, right)

    def unary(self) -> n.Node:
        tok = self.peek()
        if tok.kind == "op" and tok.value in ("!", "-"):
            self.advance()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise SyntaxProblem(tok.start, errors.SX_TOO_DEEP)
            try:
                operand = self.unary()
            finally:
                self.depth -= 1
            return n.Unary(tok.start, operand.end, str(tok.value), operand)
        if tok.kind == "op" and tok.value == "+":
            raise SyntaxProblem(tok.start, errors.SX_UNARY_PLUS)
        return self.postfix(self.primary())

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            if self.is_op("."):
                self.advance()
                tok = self.advance()
                if tok.kind != "name":
                    raise SyntaxProblem(tok.start, errors.SX_PROPERTY_NAME)
                node = n.Member(node.start, tok.end, node, str(tok.value))
            elif self.is_op("["):
                self.advance()
                key = self.expression()
                end = self.expect("]").end
                node = n.Index(node.start, end, node, key)
            elif self.is_op("("):
                self.advance()
                args: list[n.Node] = []
                if not self.is_op(")"):
                    args.append(self.expression())
                    while self.is_op(","):
                        self.advance()
                        args.append(self.expression())
                end = self.expect(")").end
                node = n.Call(node.start, end, node, args)
            else:
                return node

    def primary(self) -> n.Node:
        tok = self.advance()
        if tok.kind in ("num", "str"):
            return n.Literal(tok.start, tok.end, tok.value)
        if tok.kind == "regex":
            pattern, flags = cast("tuple[str, str]", tok.value)  # the lexer's (pattern, flags)
            return n.Regex(tok.start, tok.end, pattern, flags)
        if tok.kind == "name":
            word = str(tok.value)
            if word in _KEYWORDS:
                return n.Literal(tok.start, tok.end, _KEYWORDS[word])
            if word in _UNSUPPORTED:
                raise SyntaxProblem(tok.start, errors.SX_NOT_RULES.format(word=word))
            return n.Name(tok.start, tok.end, word)
        if tok.kind == "op" and tok.value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if tok.kind == "op" and tok.value == "[":
            items: list[n.Node] = []
            if not self.is_op("]"):
                items.append(self.expression())
                while self.is_op(","):
                    self.advance()
                    items.append(self.expression())
            end = self.expect("]").end
            return n.Array(tok.start, end, items)
        raise SyntaxProblem(tok.start, errors.SX_UNEXPECTED.format(what=self.describe(tok)))
