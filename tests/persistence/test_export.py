import asyncio
import json

import pytest
from messenger_emulators.persistence import (
    ImportedData,
    Journal,
    PersistenceError,
    read_export,
    write_export,
)


def test_write_then_read_round_trip_in_the_firebase_layout(tmp_path):
    roots = {"demo-messenger": {"a": {".priority": 1, "b": "x"}, "n": 2}, "other": {"z": True}}
    write_export(tmp_path / "exp", roots)
    metadata = json.loads((tmp_path / "exp" / "firebase-export-metadata.json").read_text())
    assert metadata["database"]["path"] == "database_export"
    assert isinstance(metadata["version"], str) and isinstance(metadata["database"]["version"], str)
    on_disk = json.loads((tmp_path / "exp" / "database_export" / "demo-messenger.json").read_text())
    assert on_disk == roots["demo-messenger"]
    assert read_export(tmp_path / "exp") == roots


def test_export_replaces_an_old_folder_completely(tmp_path):
    write_export(tmp_path / "exp", {"old": {"a": 1}})
    write_export(tmp_path / "exp", {"new": {"b": 2}})
    assert read_export(tmp_path / "exp") == {"new": {"b": 2}}
    assert [p.name for p in tmp_path.iterdir()] == ["exp"]  # no temporary folders left


def test_reads_an_export_written_by_the_official_suite(tmp_path):
    # As firebase-tools writes it: CLI version, database path, a file per namespace, arrays.
    (tmp_path / "database_export").mkdir()
    (tmp_path / "firebase-export-metadata.json").write_text(json.dumps({
        "version": "13.3.0",
        "database": {"version": "4.11.2", "path": "database_export"},
        "auth": {"version": "13.3.0", "path": "auth_export"},
    }))
    (tmp_path / "database_export" / "demo-x.json").write_text('{"list": ["a", "b"], "n": null}')
    (tmp_path / "database_export" / "empty.json").write_text("null")
    assert read_export(tmp_path) == {"demo-x": {"list": {"0": "a", "1": "b"}}}


def test_clear_errors_for_what_is_not_an_export(tmp_path):
    with pytest.raises(PersistenceError, match="firebase-export-metadata.json is missing"):
        read_export(tmp_path)
    (tmp_path / "firebase-export-metadata.json").write_text("{nope")
    with pytest.raises(PersistenceError, match="unreadable"):
        read_export(tmp_path)
    (tmp_path / "firebase-export-metadata.json").write_text('{"database": {"path": "db"}}')
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "ns.json").write_text('{"a": ')
    with pytest.raises(PersistenceError, match="not valid JSON"):
        read_export(tmp_path)
    (tmp_path / "db" / "ns.json").write_text('{"a": {"b.c": 1}}')
    with pytest.raises(PersistenceError, match="invalid key 'b.c' at /a"):
        read_export(tmp_path)


def test_import_into_a_journal_is_durable_and_replaces_only_its_namespaces(tmp_path):
    data, exp = tmp_path / "data", tmp_path / "exp"
    write_export(exp, {"ns": {"imported": 1}})

    async def seed_then_import():
        journal = Journal(data)
        journal.load()
        await journal.append("ns", [(("old",), 1)])
        await journal.append("keep", [(("k",), 1)])
        await journal.close()
        journal = Journal(data, import_dir=exp)
        roots = journal.load()
        journal._release()  # a crash right after start: the import must already be durable
        return roots

    expected = {"ns": {"imported": 1}, "keep": {"k": 1}}
    assert asyncio.run(seed_then_import()) == expected
    journal = Journal(data)
    assert journal.load() == expected
    journal._release()


def test_a_bad_import_leaves_the_data_folder_untouched(tmp_path):
    (tmp_path / "bad").mkdir()
    with pytest.raises(PersistenceError):
        Journal(tmp_path / "data", import_dir=tmp_path / "bad").load()
    assert not (tmp_path / "data").exists()


def test_imported_data_without_a_journal(tmp_path):
    write_export(tmp_path, {"ns": {"a": 1}})
    imported = ImportedData(tmp_path)
    assert imported.load() == {"ns": {"a": 1}}
    asyncio.run(imported.append("other", [(("b",), 2)]))
    assert imported.namespaces == {"ns", "other"}
