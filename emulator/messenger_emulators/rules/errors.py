"""Every error and trace text of the rules engine, in one place.

Load-time texts follow the shape of `firebase deploy`'s answers ("Unknown variable 'foo'.",
"No such method/property 'bar'.") prefixed with the rule's path in the document, so a person
can find the faulty rule at once.
"""

from __future__ import annotations


class RulesError(ValueError):
    """Ill-formed rules; the message names the rule's path and what is wrong."""


class EvalError(Exception):
    """A run-time type error inside an expression: the rule evaluating it denies."""


# --- document shape ----------------------------------------------------------------------
NOT_JSON = "Rules are not valid JSON: {detail}"
UNTERMINATED_COMMENT = "Rules are not valid JSON: unterminated /* comment starting at line {line}"
DUPLICATE_KEY = "duplicate key {key!r}"
NO_RULES_KEY = 'Rules must be an object with a single key "rules"'
NOT_AN_OBJECT = "{where}: expected an object of rules, got {got}"
UNKNOWN_KEY = "{where}: Invalid key {key!r}: the only keys starting with '.' are " \
    ".read, .write, .validate and .indexOn"
BAD_RULE_TYPE = "{where}: Expected {kind} to be a string or a boolean, got {got}"
BAD_INDEX_ON = "{where}: Expected .indexOn to be a string or an array of strings, got {got}"
BAD_CHILD_KEY = "{where}: Invalid key {key!r}: keys cannot be empty or contain " \
    "'.', '#', '[', ']', '/' or control characters"
TWO_WILDCARDS = "{where}: There can only be one $wildcard at a level, found {names}"
SAME_WILDCARD = "{where}: The wildcard {name} is already used higher in the path"
TOO_DEEP = "{where}: Rules are nested too deeply"
NOT_A_DOCUMENT = "Rules must be a JSON document"
RULE_PROBLEM = "{where}: {problem} Expression: {source}"

# --- expression problems (the {problem} above) -------------------------------------------
SYNTAX = "Syntax error at column {col}: {detail}."
UNKNOWN_VARIABLE = "Unknown variable '{name}'."
NEWDATA_IN_READ = "Unknown variable 'newData' (newData is not available in .read rules)."
NO_SUCH_MEMBER = "No such method/property '{name}'."
NOT_A_FUNCTION = "Type error: Function call on target that is not a function."
ARG_COUNT = "Method {name}() expects {expected} argument(s), got {got}."
ARG_TYPE = "Type error: argument {index} of {name}() must be a {expected}, got {got}."
HAS_CHILDREN_ARG = "hasChildren() takes no argument or one non-empty array of strings."
OPERAND_TYPE = "Type error: {side} operand of {op} must be {allowed}, got {got}."
SAME_TYPES = "Type error: both sides of {op} must have the same type, got {left} and {right}."
NOT_BOOLEAN_RESULT = "Expression must evaluate to a boolean, got {got}."
BAD_REGEX = "Invalid regular expression /{pattern}/{flags}: {detail}"
TOO_COMPLEX = "Expression is nested too deeply."
ARRAY_OUTSIDE = "Array literals are only allowed as the argument of hasChildren()."
COMPUTED_MEMBER = "Invalid property access: {detail}."

# --- syntax details (the {detail} of SYNTAX) ----------------------------------------------
SX_BAD_NUMBER = "bad number {text!r}"
SX_AFTER_NUMBER = "unexpected {char!r} after a number"
SX_DOUBLED = "unexpected {char!r} (did you mean '{char}{char}'?)"
SX_CHARACTER = "unexpected character {char!r}"
SX_BAD_ESCAPE = "bad \\u escape in a string"
SX_UNTERMINATED_STRING = "unterminated string"
SX_UNTERMINATED_REGEX = "unterminated regular expression"
SX_EMPTY = "empty expression"
SX_UNEXPECTED = "unexpected {what}"
SX_EXPECTED = "expected '{value}' but found {what}"
SX_TOO_DEEP = "expression is nested too deeply"
SX_UNARY_PLUS = "unary '+' is not supported"
SX_PROPERTY_NAME = "expected a property name after '.'"
SX_NOT_RULES = "'{word}' is not part of the rules language"
METHOD_NOT_CALLED = "{name} is a method: call it as {name}(...)."

# --- regular expressions (the {detail} of BAD_REGEX) ---------------------------------------
RX_FLAGS = "unsupported flag(s) {flags!r}: only 'i' is supported"
RX_EMPTY = "empty pattern"
RX_CARET = "'^' is only allowed as the first character"
RX_DOLLAR = "'$' is only allowed as the last character"
RX_GROUP = "'(?' groups are not supported"
RX_LONE_BACKSLASH = "pattern ends with a lone '\\'"
RX_UNTERMINATED_SET = "unterminated character set '['"

# --- run-time errors (deny the rule; shown in the trace) ---------------------------------
RT_NULL_MEMBER = "cannot read property '{name}' of null"
RT_NO_MEMBER = "no such method/property '{name}' on a {type}"
RT_OPERAND = "{op} expects {allowed}, got {left} and {right}"
RT_UNARY = "{op} expects {allowed}, got {got}"
RT_ARG = "{name}() expects a {expected} argument, got {got}"
RT_NO_PARENT = "the root has no parent"
RT_NOT_BOOLEAN = "result is not a boolean but {got}"

# --- trace -------------------------------------------------------------------------------
TRACE_ERROR = "error: {detail} -> false"
TRACE_RULE = "{rule} at {at}: {source} -> {outcome}"
TRACE_NO_GRANT = "{op} {at} denied: no {kind} rule at or above it grants access"
TRACE_GRANTED = "{op} {at} allowed by {rule}"
TRACE_VALIDATE_FAILED = "write {at} denied: {rule} failed"
TRACE_WRITE_OK = "write {locations} allowed ({count} .validate rule(s) passed)"
