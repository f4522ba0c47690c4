"""The rules file -> a tree: the service, nested match blocks, functions and allows.

Expressions are tuples whose first item names the node: ("lit", v), ("name", id, line, col),
("member", obj, field), ("index", obj, key), ("slice", obj, lo, hi), ("call", callee, args,
line, col), ("unary", op, x), ("binary", op, l, r), ("and", l, r), ("or", l, r),
("cond", c, a, b), ("list", items), ("map", [(k, v)]), ("is", x, type_name).
Precedence, loosest first: ?:  ||  &&  == != < <= > >= in is  + -  * / %  ! -(unary)  . [] ()
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import errors as e
from .lexer import Token, tokenize

METHODS = ("read", "write", "get", "list", "create", "update", "delete")
MAX_DEPTH = 60   # nested parentheses/unary operators; deeper is refused at load


@dataclass
class Segment:
    kind: str    # "lit", "var" ({name}) or "rest" ({name=**})
    value: str


@dataclass
class Allow:
    methods: tuple[str, ...]
    condition: tuple | None   # None: `allow read;`, always granted
    line: int


@dataclass
class Function:
    name: str
    params: list[str]
    lets: list[tuple[str, tuple]]
    result: tuple
    line: int
    column: int


@dataclass
class Block:
    matches: list[Match] = field(default_factory=list)
    functions: dict[str, Function] = field(default_factory=dict)
    allows: list[Allow] = field(default_factory=list)


@dataclass
class Match:
    path: str
    segments: list[Segment]
    body: Block
    line: int


@dataclass
class RulesFile:
    version: str
    service: str
    body: Block


class Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.depth = 0
        self.version = "1"

    # ---- token helpers ------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def fail(self, problem: str, tok: Token | None = None) -> e.RulesLoadError:
        tok = tok or self.tok
        return e.RulesLoadError(tok.line, tok.column, problem)

    def is_op(self, value: str) -> bool:
        return self.tok.kind == "OP" and self.tok.value == value

    def is_name(self, value: str) -> bool:
        return self.tok.kind == "NAME" and self.tok.value == value

    def take(self) -> Token:
        tok = self.tok
        self.pos += 1
        return tok

    def expect_op(self, value: str) -> Token:
        if not self.is_op(value):
            raise self.fail(e.EXPECTED.format(what=repr(value), found=self.tok.describe()))
        return self.take()

    def expect_name(self, value: str | None = None) -> Token:
        if self.tok.kind != "NAME" or (value is not None and self.tok.value != value):
            raise self.fail(e.EXPECTED.format(what=repr(value) if value else "a name",
                                              found=self.tok.describe()))
        return self.take()

    # ---- file structure -------------------------------------------------------------------
    def parse_file(self) -> RulesFile:
        if self.is_name("rules_version"):
            self.take()
            self.expect_op("=")
            tok = self.tok
            if tok.kind != "STRING":
                raise self.fail(e.EXPECTED.format(what="a version string", found=tok.describe()))
            self.take()
            if tok.value not in ("1", "2"):
                raise self.fail(e.BAD_VERSION.format(version=tok.value), tok)
            self.version = str(tok.value)
            if self.is_op(";"):
                self.take()
        start = self.expect_name("service")
        parts = [str(self.expect_name().value)]
        while self.is_op("."):
            self.take()
            parts.append(str(self.expect_name().value))
        service = ".".join(parts)
        if service != "firebase.storage":
            raise self.fail(e.NOT_STORAGE.format(service=service), start)
        self.expect_op("{")
        body = self.parse_block()
        self.expect_op("}")
        if self.tok.kind != "EOF":
            raise self.fail(e.EXPECTED.format(what="the end of the file",
                                              found=self.tok.describe()))
        return RulesFile(self.version, service, body)

    def parse_block(self) -> Block:
        block = Block()
        while not self.is_op("}") and self.tok.kind != "EOF":
            if self.is_name("match"):
                block.matches.append(self.parse_match())
            elif self.is_name("function"):
                tok = self.tok
                fn = self.parse_function()
                if fn.name in block.functions:
                    raise self.fail(e.DUPLICATE_FUNCTION.format(name=fn.name), tok)
                block.functions[fn.name] = fn
            elif self.is_name("allow"):
                block.allows.append(self.parse_allow())
            else:
                raise self.fail(e.EXPECTED.format(what="'match', 'allow' or 'function'",
                                                  found=self.tok.describe()))
        return block

    def parse_match(self) -> Match:
        start = self.take()
        tok = self.tok
        if tok.kind != "PATH":
            raise self.fail(e.EXPECTED.format(what="a path such as /b/{bucket}/o",
                                              found=tok.describe()))
        self.take()
        segments = self.parse_path(tok)
        self.expect_op("{")
        body = self.parse_block()
        self.expect_op("}")
        return Match(str(tok.value), segments, body, start.line)

    def parse_path(self, tok: Token) -> list[Segment]:
        path = str(tok.value)
        segments: list[Segment] = []
        parts = path.split("/")[1:]
        for index, part in enumerate(parts):
            def bad(why: str) -> e.RulesLoadError:
                return self.fail(e.BAD_PATH.format(path=path, why=why), tok)
            if part.startswith("{") and part.endswith("}"):
                inner = part[1:-1]
                name, rest = (inner[:-3], True) if inner.endswith("=**") else (inner, False)
                if not name.isidentifier():
                    raise bad(e.WHY_SEGMENT)
                if rest and index != len(parts) - 1:
                    raise bad(e.WHY_RECURSIVE_LAST)
                segments.append(Segment("rest" if rest else "var", name))
            elif part and "{" not in part and "}" not in part:
                segments.append(Segment("lit", part))
            else:
                raise bad(e.WHY_SEGMENT)
        return segments

    def parse_function(self) -> Function:
        self.take()
        name_tok = self.expect_name()
        self.expect_op("(")
        params: list[str] = []
        while not self.is_op(")"):
            params.append(str(self.expect_name().value))
            if not self.is_op(")"):
                self.expect_op(",")
        self.take()
        self.expect_op("{")
        lets: list[tuple[str, tuple]] = []
        while self.is_name("let"):
            self.take()
            let_name = str(self.expect_name().value)
            self.expect_op("=")
            lets.append((let_name, self.parse_expr()))
            self.expect_op(";")
        self.expect_name("return")
        result = self.parse_expr()
        if self.is_op(";"):
            self.take()
        self.expect_op("}")
        return Function(str(name_tok.value), params, lets, result, name_tok.line, name_tok.column)

    def parse_allow(self) -> Allow:
        start = self.take()
        methods: list[str] = []
        while True:
            tok = self.expect_name()
            if tok.value not in METHODS:
                raise self.fail(e.BAD_METHOD.format(method=tok.value), tok)
            methods.append(str(tok.value))
            if not self.is_op(","):
                break
            self.take()
        condition = None
        if self.is_op(":"):
            self.take()
            self.expect_name("if")
            condition = self.parse_expr()
        self.expect_op(";")
        return Allow(tuple(methods), condition, start.line)

    # ---- expressions ------------------------------------------------------------------------
    def parse_expr(self) -> tuple:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(e.TOO_DEEP)
        try:
            cond = self.parse_or()
            if self.is_op("?"):
                self.take()
                yes = self.parse_expr()
                self.expect_op(":")
                no = self.parse_expr()
                return ("cond", cond, yes, no)
            return cond
        finally:
            self.depth -= 1

    def parse_or(self) -> tuple:
        left = self.parse_and()
        while self.is_op("||"):
            self.take()
            left = ("or", left, self.parse_and())
        return left

    def parse_and(self) -> tuple:
        left = self.parse_relation()
        while self.is_op("&&"):
            self.take()
            left = ("and", left, self.parse_relation())
        return left

    def parse_relation(self) -> tuple:
        left = self.parse_sum()
        while True:
            if self.tok.kind == "OP" and self.tok.value in ("==", "!=", "<", "<=", ">", ">="):
                op = str(self.take().value)
                left = ("binary", op, left, self.parse_sum())
            elif self.is_name("in"):
                self.take()
                left = ("binary", "in", left, self.parse_sum())
            elif self.is_name("is"):
                self.take()
                left = ("is", left, str(self.expect_name().value))
            else:
                return left

    def parse_sum(self) -> tuple:
        left = self.parse_product()
        while self.tok.kind == "OP" and self.tok.value in ("+", "-"):
            op = str(self.take().value)
            left = ("binary", op, left, self.parse_product())
        return left

    def parse_product(self) -> tuple:
        left = self.parse_unary()
        while self.tok.kind == "OP" and self.tok.value in ("*", "/", "%"):
            op = str(self.take().value)
            left = ("binary", op, left, self.parse_unary())
        return left

    def parse_unary(self) -> tuple:
        if self.tok.kind == "OP" and self.tok.value in ("!", "-"):
            op = str(self.take().value)
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.fail(e.TOO_DEEP)
            try:
                return ("unary", op, self.parse_unary())
            finally:
                self.depth -= 1
        return self.parse_postfix()

    def parse_postfix(self) -> tuple:
        node = self.parse_primary()
        while True:
            if self.is_op("."):
                self.take()
                node = ("member", node, str(self.expect_name().value))
            elif self.is_op("["):
                self.take()
                lo = None if self.is_op(":") else self.parse_expr()
                if self.is_op(":"):
                    self.take()
                    hi = None if self.is_op("]") else self.parse_expr()
                    self.expect_op("]")
                    node = ("slice", node, lo, hi)
                else:
                    self.expect_op("]")
                    node = ("index", node, lo)
            elif self.is_op("("):
                tok = self.take()
                args: list[tuple] = []
                while not self.is_op(")"):
                    args.append(self.parse_expr())
                    if not self.is_op(")"):
                        self.expect_op(",")
                self.take()
                node = ("call", node, args, tok.line, tok.column)
            else:
                return node

    def parse_primary(self) -> tuple:
        tok = self.tok
        if tok.kind in ("INT", "FLOAT", "STRING"):
            self.take()
            return ("lit", tok.value)
        if tok.kind == "NAME":
            self.take()
            if tok.value == "true":
                return ("lit", True)
            if tok.value == "false":
                return ("lit", False)
            if tok.value == "null":
                return ("lit", None)
            return ("name", tok.value, tok.line, tok.column)
        if self.is_op("("):
            self.take()
            inner = self.parse_expr()
            self.expect_op(")")
            return inner
        if self.is_op("["):
            self.take()
            items: list[tuple] = []
            while not self.is_op("]"):
                items.append(self.parse_expr())
                if not self.is_op("]"):
                    self.expect_op(",")
            self.take()
            return ("list", items)
        if self.is_op("{"):
            self.take()
            pairs: list[tuple[tuple, tuple]] = []
            while not self.is_op("}"):
                key = self.parse_expr()
                self.expect_op(":")
                pairs.append((key, self.parse_expr()))
                if not self.is_op("}"):
                    self.expect_op(",")
            self.take()
            return ("map", pairs)
        raise self.fail(e.EXPECTED.format(what="an expression", found=tok.describe()))


def parse(text: str) -> RulesFile:
    return Parser(text).parse_file()
