"""The project's own database.rules.json loads, and keeps DESIGN.md's basic promises."""

from __future__ import annotations

from pathlib import Path

from messenger_emulators.rules import RuleSet

from .support import NOW, user

RULES_FILE = Path(__file__).resolve().parents[2] / "database.rules.json"


def rules() -> RuleSet:
    return RuleSet.from_text(RULES_FILE.read_text(encoding="utf-8"))


def test_project_rules_load() -> None:
    assert rules().source == RULES_FILE.read_text(encoding="utf-8")


def test_admin_only_paths_are_closed_to_users() -> None:
    r = rules()
    root = {"credentials": {"alice": {"passwordHash": "x"}}}
    assert not r.can_read(("credentials", "alice"), user("alice"), root, NOW).allowed
    assert not r.can_write([(("credentials", "alice"), {"passwordHash": "y"})], user("alice"),
                           root, {"credentials": {"alice": {"passwordHash": "y"}}}, NOW).allowed


def test_direct_chat_messages_are_for_its_two_members() -> None:
    r = rules()
    path = ("messages", "alice_bob")
    assert r.can_read(path, user("alice"), None, NOW).allowed
    assert r.can_read(path, user("bob"), None, NOW).allowed
    assert not r.can_read(path, user("eve"), None, NOW).allowed
    assert not r.can_read(path, None, None, NOW).allowed
