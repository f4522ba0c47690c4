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
    told = []
    imported.append_then("other", [(("b",), 2)], told.append)
    assert imported.namespaces == {"ns", "other"} and told == [None]


# --- --import reads only inside the export folder (issue 12) ---
def _export_with_path(folder, path):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "firebase-export-metadata.json").write_text(json.dumps({
        "version": "13.3.0", "database": {"version": "4.11.2", "path": path}}))


def _outside(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "stolen.json").write_text('{"secret": "from outside"}')
    return outside


@pytest.mark.parametrize("path", ["../outside", "database_export/../../outside",
                                  "ABSOLUTE"])
def test_import_refuses_metadata_paths_out_of_the_folder(tmp_path, path):
    outside = _outside(tmp_path)
    exp = tmp_path / "exp"
    _export_with_path(exp, str(outside) if path == "ABSOLUTE" else path)
    with pytest.raises(PersistenceError, match="outside the export folder") as info:
        read_export(exp)
    assert "from outside" not in str(info.value)


def test_import_refuses_a_database_folder_that_links_out(tmp_path):
    outside = _outside(tmp_path)
    exp = tmp_path / "exp"
    _export_with_path(exp, "database_export")
    (exp / "database_export").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PersistenceError, match="outside the export folder"):
        read_export(exp)


def test_import_refuses_a_namespace_file_that_links_out(tmp_path):
    outside = _outside(tmp_path)
    exp = tmp_path / "exp"
    write_export(exp, {"ns": {"a": 1}})
    (exp / "database_export" / "stolen.json").symlink_to(outside / "stolen.json")
    with pytest.raises(PersistenceError, match="outside the export folder"):
        read_export(exp)


def test_import_refuses_a_metadata_file_that_links_out(tmp_path):
    outside = _outside(tmp_path)
    (outside / "meta.json").write_text('{"database": {"path": "."}}')
    exp = tmp_path / "exp"
    exp.mkdir()
    (exp / "firebase-export-metadata.json").symlink_to(outside / "meta.json")
    with pytest.raises(PersistenceError, match="outside the export folder"):
        read_export(exp)


def test_import_follows_links_that_stay_inside(tmp_path):
    """A link within the folder is fine (and so is an export folder that is itself a link:
    the user named it)."""
    real = tmp_path / "real"
    write_export(real, {"ns": {"a": 1}})
    (real / "database_export" / "alias.json").symlink_to(real / "database_export" / "ns.json")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    assert read_export(link) == {"ns": {"a": 1}, "alias": {"a": 1}}
