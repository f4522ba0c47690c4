"""Random and mutated rules files: loading either succeeds or raises RulesLoadError (with a
line), and deciding never raises."""

from __future__ import annotations

import random

from messenger_emulators.storage.rules import RulesLoadError, StorageRules

from .support import REPO_RULES, auth, decide, resource

PIECES = ["rules_version", "=", "'2'", ";", "service", "firebase.storage", "{", "}", "match",
          "/b/{bucket}/o", "/a/{x}", "/{p=**}", "allow", "read", "write", "get", ":", "if",
          "true", "false", "null", "request.auth.uid", "request.resource.size", "resource",
          "==", "!=", "<", "&&", "||", "!", "(", ")", "[", "]", ",", ".", "'s'", "\"t\"", "1",
          "2.5", "+", "-", "*", "/", "%", "?", "in", "is", "string", "function", "f", "return",
          "let", "x", ".size()", ".matches('a.*')", "//c\n", "/*", "*/", "\n", "\\", "'",
          "{x=**}", "\x00", "é"]


def _check(text: str) -> None:
    try:
        rules = StorageRules.from_text(text)
    except RulesLoadError as exc:
        assert exc.line >= 1 and exc.column >= 1
        return
    for method in ("get", "list", "create", "update", "delete"):
        for who in (None, auth("alice")):
            decide(rules, method, "a/x", who, incoming=resource("a/x"),
                   existing=resource("a/x"))


def test_random_token_soup_never_crashes() -> None:
    rng = random.Random(17)
    for _ in range(3000):
        _check(" ".join(rng.choice(PIECES) for _ in range(rng.randint(0, 40))))


def test_mutations_of_the_project_rules_never_crash() -> None:
    rng = random.Random(18)
    text = REPO_RULES.read_text(encoding="utf-8")
    for _ in range(1500):
        chars = list(text)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(chars))
            op = rng.random()
            if op < 0.4:
                del chars[at]
            elif op < 0.8:
                chars.insert(at, rng.choice("{}()[];:'\"/*=!&|.,a1_ \n"))
            else:
                chars[at] = rng.choice("{}()'\"x0")
        _check("".join(chars))
