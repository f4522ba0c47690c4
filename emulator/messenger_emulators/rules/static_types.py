"""Static types of the rules language, checked when rules load (as `firebase deploy` does).

"any" and "primitive" are fuzzy: auth claims and snapshot values are only known at run
time, so their checks wait until then. Names follow targaryen's type inference, which its
authors checked against the live service.
"""

from __future__ import annotations

BOOLEAN, NUMBER, STRING, NULL = "boolean", "number", "string", "null"
SNAPSHOT, QUERY, REGEX, ARRAY = "snapshot", "query", "regular expression", "array"
ANY, PRIMITIVE = "any", "primitive"
FUZZY = frozenset({ANY, PRIMITIVE})
PRIMITIVES = frozenset({BOOLEAN, NUMBER, STRING, NULL, PRIMITIVE})

# Variables of every rule; `newData` only in .write/.validate; `$name` wildcards are strings.
VARIABLES = {"auth": ANY, "root": SNAPSHOT, "data": SNAPSHOT, "now": NUMBER, "query": QUERY}
WRITE_VARIABLES = {"newData": SNAPSHOT}

QUERY_MEMBERS = {
    "orderByKey": BOOLEAN, "orderByPriority": BOOLEAN, "orderByValue": BOOLEAN,
    "orderByChild": STRING, "startAt": PRIMITIVE, "endAt": PRIMITIVE, "equalTo": PRIMITIVE,
    "limitToFirst": NUMBER, "limitToLast": NUMBER,
}

# method -> (argument types, result type); hasChildren is special-cased (optional array).
SNAPSHOT_METHODS: dict[str, tuple[tuple[str, ...], str]] = {
    "val": ((), PRIMITIVE), "child": ((STRING,), SNAPSHOT), "parent": ((), SNAPSHOT),
    "hasChild": ((STRING,), BOOLEAN), "hasChildren": ((ARRAY,), BOOLEAN),
    "exists": ((), BOOLEAN), "getPriority": ((), ANY), "isNumber": ((), BOOLEAN),
    "isString": ((), BOOLEAN), "isBoolean": ((), BOOLEAN),
}

# method -> (argument types, result type, runtime helper)
STRING_METHODS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "contains": ((STRING,), BOOLEAN, "_contains"),
    "beginsWith": ((STRING,), BOOLEAN, "_begins"),
    "endsWith": ((STRING,), BOOLEAN, "_ends"),
    "replace": ((STRING, STRING), STRING, "_replace"),
    "toLowerCase": ((), STRING, "_lower"),
    "toUpperCase": ((), STRING, "_upper"),
    "matches": ((REGEX,), BOOLEAN, "_matches"),
}

ADDITION = frozenset({STRING, NUMBER})
ARITHMETIC = frozenset({NUMBER})
EQUALITY = frozenset({STRING, NUMBER, BOOLEAN, NULL})
COMPARISON = frozenset({STRING, NUMBER, NULL})


def fits(actual: str, allowed: frozenset[str] | str) -> bool:
    """True when `actual` is allowed or may turn out to be at run time."""
    if actual in FUZZY:
        return True
    return actual == allowed if isinstance(allowed, str) else actual in allowed
