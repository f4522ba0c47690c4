"""Decision.trace tells a developer which rule at which path allowed or denied, and why."""

from __future__ import annotations

from messenger_emulators.rules import RuleSet

from .support import user

RULES = RuleSet.from_document({"rules": {
    "messages": {"$chatId": {
        ".read": "root.child('chats/' + $chatId + '/members').hasChild(auth.uid)",
        "$msgId": {".write": "auth != null", "text": {".validate": "newData.isString()"}},
    }},
}})


def test_denied_read_names_rule_path_expression_and_result() -> None:
    decision = RULES.can_read(("messages", "c1"), user("bob"), {"chats": {}}, 0)
    assert not decision.allowed
    assert decision.trace[0] == ("/messages/$chatId/.read at /messages/c1: root.child('chats/' + "
                                 "$chatId + '/members').hasChild(auth.uid) -> false")
    assert decision.trace[-1] == ("read /messages/c1 denied: no .read rule at or above it "
                                  "grants access")


def test_error_is_explained() -> None:
    decision = RULES.can_read(("messages", "c1"), None, {}, 0)
    assert "error: cannot read property 'uid' of null -> false" in decision.trace[0]


def test_granted_read_names_the_granting_rule() -> None:
    root = {"chats": {"c1": {"members": {"bob": True}}}}
    decision = RULES.can_read(("messages", "c1", "m1"), user("bob"), root, 0)
    assert decision.allowed
    assert decision.trace[-1] == "read /messages/c1/m1 allowed by /messages/$chatId/.read"


def test_failed_validate_is_named() -> None:
    new = {"messages": {"c1": {"m1": {"text": 5}}}}
    decision = RULES.can_write([(("messages", "c1", "m1"), {"text": 5})], user("bob"), None,
                               new, 0)
    assert not decision.allowed
    assert decision.trace[-2] == ("/messages/$chatId/$msgId/text/.validate at "
                                  "/messages/c1/m1/text: newData.isString() -> false")
    assert decision.trace[-1] == ("write /messages/c1/m1/text denied: "
                                  "/messages/$chatId/$msgId/text/.validate failed")


def test_allowed_write_counts_validate_rules() -> None:
    new = {"messages": {"c1": {"m1": {"text": "hi"}}}}
    decision = RULES.can_write([(("messages", "c1", "m1"), {"text": "hi"})], user("bob"), None,
                               new, 0)
    assert decision.allowed
    assert decision.trace[-1] == "write /messages/c1/m1 allowed (1 .validate rule(s) passed)"


def test_long_expressions_are_shortened() -> None:
    expr = " && ".join(["auth != null"] * 30)
    rules = RuleSet.from_document({"rules": {".read": expr}})
    line = rules.can_read((), None, None, 0).trace[0]
    assert "..." in line and len(line) < 160
