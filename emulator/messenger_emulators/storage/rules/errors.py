"""Texts of the storage rules language's load and evaluation errors (one place)."""

from __future__ import annotations


class RulesLoadError(ValueError):
    """The rules file is not valid; str() is 'line L, column C: problem'."""

    def __init__(self, line: int, column: int, problem: str) -> None:
        super().__init__(f"line {line}, column {column}: {problem}")
        self.line, self.column, self.problem = line, column, problem


class EvalError(Exception):
    """An expression has no value (a missing field, a wrong type...): the allow is not granted,
    as Firebase's rules treat an error."""


# load errors
UNEXPECTED_CHAR = "unexpected character {char!r}"
UNTERMINATED_STRING = "unterminated string"
UNTERMINATED_COMMENT = "unterminated comment"
EXPECTED = "expected {what}, found {found}"
BAD_VERSION = "rules_version must be '1' or '2', not {version!r}"
NOT_STORAGE = ("this file declares service {service!r}; storage rules need "
               "'service firebase.storage'")
BAD_METHOD = "unknown method {method!r} in allow (read, write, get, list, create, update, delete)"
BAD_PATH = "invalid match path {path!r}: {why}"
WHY_RECURSIVE_LAST = "a recursive wildcard {{name=**}} must be the last segment"
WHY_RECURSIVE_V1 = "recursive wildcards need rules_version = '2' when not the last segment"
WHY_SEGMENT = "a segment is empty or not a name or a {{wildcard}}"
DUPLICATE_VARIABLE = "the path variable {name!r} is already bound by an enclosing match"
DUPLICATE_FUNCTION = "the function {name!r} is declared twice in one scope"
UNKNOWN_NAME = "unknown variable {name!r}"
UNKNOWN_FUNCTION = "unknown function {name!r}"
FUNCTION_ARITY = "the function {name!r} takes {want} argument(s), not {got}"
BAD_REGEX = "invalid regular expression {pattern!r}: {detail}"
TOO_DEEP = "the expression is nested too deeply"

# evaluation errors (shown in traces)
NO_FIELD = "no field {name!r}"
NULL_VALUE = "{what} of null"
NO_METHOD = "{type} has no method {name!r}"
BAD_OPERANDS = "operator {op!r} does not apply to {left} and {right}"
BAD_OPERAND = "operator {op!r} does not apply to {type}"
NOT_BOOL = "a condition must be a bool, not {type}"
INDEX_RANGE = "index {index} out of range"
DIVIDE_ZERO = "division by zero"
CALL_DEPTH = "function calls nested deeper than {limit}"
BAD_ARGUMENT = "{name}() does not accept {args}"
