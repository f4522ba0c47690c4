"""python -m messenger_emulators.rules: check a rules file, simulate one request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from messenger_emulators.rules.cli import main

RULES = {"rules": {"notes": {"$uid": {
    ".read": "auth != null && auth.uid == $uid",
    ".write": "auth != null && auth.uid == $uid",
    ".validate": "newData.hasChildren(['text', 'at'])",
    "at": {".validate": "newData.val() == now"},
}}}}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    rules, data = tmp_path / "rules.json", tmp_path / "data.json"
    rules.write_text("// notes\n" + json.dumps(RULES))
    data.write_text(json.dumps({"notes": {"bob": {"text": "hi", "at": 1}}}))
    return rules, data


def test_check_only(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(files[0])]) == 0
    assert "the rules load" in capsys.readouterr().out


def test_bad_rules_exit_2_with_the_message(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"rules": {".read": "nope =="}}')
    assert main([str(bad)]) == 2
    assert "/rules/.read: Syntax error" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.json")]) == 2


def test_read_allowed_and_denied(files: tuple[Path, Path],
                                 capsys: pytest.CaptureFixture[str]) -> None:
    rules, data = map(str, files)
    assert main([rules, "--data", data, "--uid", "bob", "read", "/notes/bob"]) == 0
    assert capsys.readouterr().out.endswith("ALLOWED\n")
    assert main([rules, "--data", data, "--auth", '{"uid": "eve"}', "read", "/notes/bob"]) == 1
    out = capsys.readouterr().out
    assert "auth.uid = \"eve\"" in out and out.endswith("DENIED\n")


def test_write_resolves_server_timestamps(files: tuple[Path, Path]) -> None:
    rules, data = map(str, files)
    value = '{"text": "x", "at": {".sv": "timestamp"}}'
    assert main([rules, "--data", data, "--uid", "bob", "write", "/notes/bob", value]) == 0
    assert main([rules, "--uid", "bob", "write", "/notes/bob", '{"text": "x", "at": 5}']) == 1
    assert main([rules, "--uid", "bob", "write", "/notes/bob"]) == 0  # delete: no validate


def test_bad_json_arguments_exit_2(files: tuple[Path, Path]) -> None:
    with pytest.raises(SystemExit) as info:
        main([str(files[0]), "--auth", "{uid", "read", "/"])
    assert info.value.code == 2
