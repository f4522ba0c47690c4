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
    assert decision.trace[1] == "    $chatId = \"c1\""
    assert decision.trace[3] == "    auth = null"


def test_denied_rules_show_the_values_they_saw() -> None:
    decision = RULES.can_read(("messages", "c1"), user("bob"), {"chats": {}}, 0)
    assert decision.trace[1:] == [
        "    $chatId = \"c1\"",
        "    root.child('chats/' + $chatId + '/members') = <snapshot /chats/c1/members: null>",
        "    auth = {\"uid\": \"bob\", \"provider\": \"custom\", \"token\": {\"sub\": \"bo...",
        "    auth.uid = \"bob\"",
        "    root.child('chats/' + $chatId + '/members').hasChild(auth.uid) = false",
        "read /messages/c1 denied: no .read rule at or above it grants access",
    ]


def test_allowed_requests_are_not_explained() -> None:
    root = {"chats": {"c1": {"members": {"bob": True}}}}
    rules = RuleSet.from_document({"rules": {".read": "auth.uid == 'x'",
                                             "messages": {".read": "auth != null"}}})
    decision = rules.can_read(("messages", "c1"), user("bob"), root, 0)
    assert decision.allowed and not any(line.startswith("    ") for line in decision.trace)


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
    assert decision.trace[-3] == ("/messages/$chatId/$msgId/text/.validate at "
                                  "/messages/c1/m1/text: newData.isString() -> false")
    assert decision.trace[-2] == "    newData.isString() = false"
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


def test_deeply_nested_denying_rule_still_answers() -> None:
    # Deep enough that the recording variant might hit CPython's limits before the rule does.
    expr = "auth" + ".a" * 120 + " == 'x'"
    rules = RuleSet.from_document({"rules": {".read": expr}})
    decision = rules.can_read((), user("bob"), None, 0)
    assert not decision.allowed
    assert decision.trace[-1].startswith("read / denied")
