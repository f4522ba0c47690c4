"""Explain a rule that denied: the values of the variables, members and calls it evaluated.

Only denied requests pay for this (a second, recording variant of the rule's function, built
on first use), so allowed requests keep their speed.
"""

from __future__ import annotations

import json
from typing import Any

from .compiler import CompiledRule, explainer_of
from .errors import EvalError
from .runtime import UNEXPECTED
from .snapshot import OBJECT, RuleSnapshot

MAX_VALUES = 12
MAX_VALUE_TEXT = 60
INDENT = "    "


def explain(rule: CompiledRule, args: tuple[Any, ...]) -> list[str]:
    seen: dict[str, str] = {}

    def log(text: str, value: Any) -> None:
        if text not in seen and len(seen) < MAX_VALUES:
            seen[text] = show(value)

    try:
        explainer = explainer_of(rule)
    except UNEXPECTED:  # an absurdly nested rule: the main line of the trace must do
        return []
    try:
        explainer(*args, log)
    except (EvalError, *UNEXPECTED):
        pass  # the values up to the error are what explains it
    return [f"{INDENT}{text} = {shown}" for text, shown in seen.items()]


def show(value: Any) -> str:
    if isinstance(value, RuleSnapshot):
        return f"<snapshot /{'/'.join(value.path)}: {show(value.val())}>"
    if value is OBJECT:
        return "<object>"
    if callable(getattr(value, "search", None)):
        return f"/{value.pattern}/"
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= MAX_VALUE_TEXT else text[:MAX_VALUE_TEXT - 3] + "..."
