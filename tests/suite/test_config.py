import json

import pytest
from messenger_emulators.suite.cli import parse_duration
from messenger_emulators.suite.config import load_config
from messenger_emulators.suite.errors import ConfigError, UnknownEmulatorError
from messenger_emulators.suite.options import SuiteOptions
from messenger_emulators.suite.registry import available, resolve


def write(path, doc):
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_reads_ports_hosts_rules_and_functions_relative_to_the_file(tmp_path):
    config = load_config(write(tmp_path / "firebase.json", {
        "database": {"rules": "rules/db.json"},
        "functions": {"source": "fn"},
        "emulators": {"database": {"host": "127.0.0.1", "port": 9100},
                      "auth": {"port": "9199"}, "ui": {"enabled": False}},
    }))
    assert config.ports == {"database": 9100, "auth": 9199}
    assert config.hosts == {"database": "127.0.0.1"}
    assert config.rules_path == tmp_path / "rules" / "db.json"
    assert config.functions_source == tmp_path / "fn"


def test_multi_target_forms_take_the_first_entry(tmp_path):
    config = load_config(write(tmp_path / "firebase.json", {
        "database": [{"instance": "a", "rules": "a.json"}, {"instance": "b", "rules": "b.json"}],
        "functions": [{"source": "one", "codebase": "default"}],
    }))
    assert config.rules_path == tmp_path / "a.json"
    assert config.functions_source == tmp_path / "one"


def test_project_from_firebaserc(tmp_path):
    write(tmp_path / ".firebaserc", {"projects": {"default": "demo-rc"}})
    assert load_config(write(tmp_path / "firebase.json", {})).default_project == "demo-rc"


@pytest.mark.parametrize("doc, message", [
    ("{oops", "is not valid JSON"),
    ("[]", "the top level must be an object"),
    ({"emulators": {"database": {"port": 70000}}}, "emulators.database.port must be a port"),
    ({"emulators": {"auth": {"port": True}}}, "emulators.auth.port must be a port"),
    ({"emulators": {"auth": "9099"}}, "emulators.auth must be an object"),
    ({"database": {"rules": 5}}, "database.rules must be a file name"),
    ({"functions": "functions"}, "'functions' must be an object"),
])
def test_invalid_files_get_a_clear_error(tmp_path, doc, message):
    path = write(tmp_path / "firebase.json", doc)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="Could not load config file"):
        load_config(tmp_path / "nope.json")


def test_registry_orders_and_rejects_unknown_names():
    assert resolve(["database", " auth", ""]) == ["auth", "database"]
    with pytest.raises(UnknownEmulatorError) as info:
        resolve(["database", "firestore"])
    assert "No emulator named 'firestore'" in str(info.value)
    assert "Available emulators: auth, database" in str(info.value)


def test_an_emulator_whose_module_is_missing_is_named(monkeypatch):
    from messenger_emulators.suite import registry

    monkeypatch.setitem(registry.REGISTRY, "database", "messenger_emulators.nothing.here:create")
    with pytest.raises(UnknownEmulatorError, match="not available in this installation"):
        resolve(["database"])
    assert "database" not in available()


def test_only_loopback_hosts_stay_insecure():
    assert not SuiteOptions(host="127.0.0.1").secure
    assert not SuiteOptions(host="::1").secure
    assert not SuiteOptions(host="localhost").secure
    assert SuiteOptions(host="0.0.0.0").secure
    assert SuiteOptions(host="192.168.1.5").secure


@pytest.mark.parametrize("text, seconds", [("5s", 5), ("5", 5), ("250ms", 0.25), ("2m", 120),
                                           ("1h", 3600), ("1.5s", 1.5)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "-1s", "5 days", "s"])
def test_bad_durations(text):
    with pytest.raises(Exception, match="Invalid duration"):
        parse_duration(text)


def test_the_repository_firebase_json_is_valid_and_complete():
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    config = load_config(repo / "firebase.json")
    assert config.ports == {"database": 9000, "auth": 9099, "storage": 9199, "functions": 5001}
    assert config.rules_path is not None and config.rules_path.is_file()
    assert config.storage_rules_path is not None and config.storage_rules_path.is_file()
    assert config.functions_source is not None and config.functions_source.is_dir()


@pytest.mark.parametrize("value, expected", [("", None), ("4096", 4096), ("abc", None),
                                             ("-5", None), ("0", None)])
def test_the_compaction_threshold_is_read_by_the_entry_point(monkeypatch, value, expected):
    """MESSENGER_EMULATORS_COMPACT_BYTES reaches the journal as SuiteOptions.compact_bytes;
    a bad value is a clear error, not a traceback."""
    from messenger_emulators.persistence import COMPACT_ENV
    from messenger_emulators.suite import cli

    monkeypatch.setenv(COMPACT_ENV, value)
    if expected is None and value:
        with pytest.raises(ConfigError, match=COMPACT_ENV):
            cli._compact_bytes()
    else:
        assert cli._compact_bytes() == expected


def test_storage_starts_by_default_only_when_firebase_json_configures_it(tmp_path):
    import argparse

    from messenger_emulators.suite.cli import options_from_args

    def only_for(doc: dict) -> list[str]:
        path = tmp_path / "firebase.json"
        path.write_text(json.dumps(doc))
        args = argparse.Namespace(
            only=None, config=str(path), host=None, import_dir=None, export_on_exit=None,
            project="demo-x", data=None, id_token_ttl=3600.0, watch=False, rules_trace=False,
            secure=False)
        (tmp_path / "functions").mkdir(exist_ok=True)
        return options_from_args(args)[1]

    assert "storage" not in only_for({"emulators": {"database": {"port": 9000}}})
    assert "storage" in only_for({"emulators": {"storage": {"port": 9199}}})
    (tmp_path / "storage.rules").write_text("service firebase.storage { }")
    assert "storage" in only_for({"storage": {"rules": "storage.rules"}})
