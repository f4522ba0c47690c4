"""--data: an acknowledged upload survives kill -9; a resumable upload cut off midway, or a
write cut off before its metadata, never shows as an object."""

from __future__ import annotations

import json

import pytest
import requests

from tests.support.suite import SuiteFailed, running_suite

from .support import BUCKET, REPO_RULES

ADMIN = {"Authorization": "Bearer owner"}


def url(suite, name: str = "") -> str:
    base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
    return f"{base}/{requests.utils.quote(name, safe='')}" if name else base


def test_acknowledged_uploads_survive_kill_9_and_cut_off_ones_never_show(tmp_path) -> None:
    data = tmp_path / "data"
    with running_suite(only=("storage",), data_dir=data, storage_rules=REPO_RULES) as suite:
        done = requests.post(url(suite), params={"name": "kept/a.bin"}, data=b"a" * 1000,
                             headers=ADMIN, timeout=10)
        assert done.status_code == 200
        replaced = requests.post(url(suite), params={"name": "kept/b.bin"}, data=b"old",
                                 headers=ADMIN, timeout=10)
        assert replaced.status_code == 200
        assert requests.post(url(suite), params={"name": "kept/b.bin"}, data=b"newer",
                             headers=ADMIN, timeout=10).status_code == 200
        assert requests.delete(url(suite, "kept/a.bin"), headers=ADMIN,
                               timeout=10).status_code == 204
        assert requests.post(url(suite), params={"name": "kept/a.bin"}, data=b"again",
                             headers=ADMIN, timeout=10).status_code == 200
        start = requests.post(url(suite), params={"name": "cut/off.bin"}, json={}, timeout=10,
                              headers={**ADMIN, "X-Goog-Upload-Command": "start"})
        upload_url = start.headers["X-Goog-Upload-URL"]
        assert requests.post(upload_url, data=b"x" * 5000, timeout=10,
                             headers={"X-Goog-Upload-Command": "upload"}).status_code == 200
        suite.kill()
        # a write cut off between its bytes and its metadata: a blob no metadata names
        stray = data / "storage" / "blobs" / ("0" * 64 + ".1")
        stray.write_bytes(b"half")
        suite.restart()
        a = requests.get(url(suite, "kept/a.bin"), params={"alt": "media"}, headers=ADMIN,
                         timeout=10)
        assert a.status_code == 200 and a.content == b"again"
        b = requests.get(url(suite, "kept/b.bin"), params={"alt": "media"}, headers=ADMIN,
                         timeout=10)
        assert b.content == b"newer"
        assert requests.get(url(suite, "cut/off.bin"), headers=ADMIN,
                            timeout=10).status_code == 404
        resumed = requests.post(upload_url, data=b"y", timeout=10,
                                headers={"X-Goog-Upload-Command": "upload, finalize"})
        assert resumed.status_code == 404
        listing = requests.get(url(suite), headers=ADMIN, timeout=10).json()
        assert sorted(i["name"] for i in listing["items"]) == ["kept/a.bin", "kept/b.bin"]
        assert not stray.exists()
        # one blob per object: replaced generations were removed
        assert len(list((data / "storage" / "blobs").iterdir())) == 2


def test_export_on_exit_and_import_in_firebase_tools_layout(tmp_path) -> None:
    folder = tmp_path / "seed"
    with running_suite(only=("storage",), storage_rules=REPO_RULES,
                       extra_args=["--export-on-exit", str(folder)]) as suite:
        r = requests.post(url(suite), params={"name": "chats/alice_bob/alice/p.png"},
                          data=b"png!", headers={**ADMIN, "Content-Type": "image/png"},
                          timeout=10)
        token = r.json()["downloadTokens"]
        requests.post(url(suite), params={"name": "avatars/alice/me.png"}, data=b"me",
                      headers=ADMIN, timeout=10)
    top = json.loads((folder / "firebase-export-metadata.json").read_text())
    assert top["storage"]["path"] == "storage_export"
    export = folder / "storage_export"
    assert json.loads((export / "buckets.json").read_text()) == {"buckets": [{"id": BUCKET}]}
    metas = [json.loads(p.read_text()) for p in (export / "metadata").glob("*.json")]
    assert sorted(m["name"] for m in metas) == ["avatars/alice/me.png",
                                                "chats/alice_bob/alice/p.png"]
    for meta in metas:    # each metadata file names its blob: its own name minus .json
        assert (export / "blobs" / next(
            p.stem for p in (export / "metadata").glob("*.json")
            if json.loads(p.read_text())["name"] == meta["name"])).is_file()
    with running_suite(only=("storage",), storage_rules=REPO_RULES,
                       extra_args=["--import", str(folder)]) as suite:
        got = requests.get(url(suite, "chats/alice_bob/alice/p.png"),
                           params={"alt": "media", "token": token}, timeout=10)
        assert got.status_code == 200 and got.content == b"png!"
        assert got.headers["Content-Type"] == "image/png"
        listing = requests.get(url(suite), headers=ADMIN, timeout=10).json()
        assert len(listing["items"]) == 2


def test_an_import_whose_storage_path_leaves_the_folder_is_refused(tmp_path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "firebase-export-metadata.json").write_text(json.dumps(
        {"version": "13.0.0", "storage": {"version": "13.0.0", "path": "../elsewhere"}}))
    with pytest.raises(SuiteFailed) as info:
        with running_suite(only=("storage",), storage_rules=REPO_RULES,
                           extra_args=["--import", str(folder)]):
            pass
    assert "outside the export folder" in str(info.value)
    assert "Traceback" not in str(info.value)


def test_the_data_folder_is_owner_only_and_taken_by_one_suite(tmp_path) -> None:
    data = tmp_path / "data"
    with running_suite(only=("storage",), data_dir=data, storage_rules=REPO_RULES) as first:
        requests.post(url(first), params={"name": "x/y.bin"}, data=b"secret", headers=ADMIN,
                      timeout=10).raise_for_status()
        folder = data / "storage"
        for path in (data, folder, folder / "blobs", folder / "meta",
                     *(folder / "blobs").iterdir(), *(folder / "meta").iterdir()):
            assert path.stat().st_mode & 0o077 == 0, path
        with pytest.raises(SuiteFailed) as info:
            with running_suite(only=("storage",), data_dir=data, storage_rules=REPO_RULES):
                pass
        assert "is in use by another emulator suite" in str(info.value)
        assert f"process {first.pid}" in str(info.value)
        assert "Traceback" not in str(info.value)


def test_with_data_objects_are_read_from_disk_not_held_in_memory(tmp_path) -> None:
    from messenger_emulators.storage.metadata import ObjectMetadata
    from messenger_emulators.storage.store import ObjectStore

    store = ObjectStore(tmp_path / "storage")
    try:
        first = store.put(ObjectMetadata.new(BUCKET, "a/b", b"one", {}), b"one")
        assert first.memory is None and first.data == b"one"
        newer = ObjectMetadata.new(BUCKET, "a/b", b"two!", {})
        newer.generation = first.meta.generation + 1
        store.put(newer, b"two!")
        # a reader holding the replaced generation: its blob is gone, read() finds the new one
        with pytest.raises(FileNotFoundError):   # the replaced generation's blob is removed
            _ = first.data
        found = store.read(BUCKET, "a/b")
        assert found is not None and found[1] == b"two!"
    finally:
        store.close()
    memory_only = ObjectStore(None)
    kept = memory_only.put(ObjectMetadata.new(BUCKET, "a/b", b"m", {}), b"m")
    assert kept.memory == b"m"


def test_writes_of_one_object_are_serialised_and_the_locks_do_not_pile_up(tmp_path) -> None:
    import asyncio

    from messenger_emulators.storage.access import ADMIN
    from messenger_emulators.storage.service import StorageService
    from messenger_emulators.storage.store import ObjectStore

    async def main() -> None:
        store = ObjectStore(tmp_path / "storage")
        service = StorageService("demo", store, None, 10_000_000)
        try:
            bodies = [bytes([i]) * 100_000 for i in range(6)]
            metas = await asyncio.gather(
                *(service.upload(ADMIN, BUCKET, "same", b, {}) for b in bodies),
                *(service.upload(ADMIN, BUCKET, f"other{i}", b, {}) for i, b in enumerate(bodies)))
            same = [m.generation for m in metas[:6]]
            assert len(set(same)) == 6                        # each its own generation
            assert store.get(BUCKET, "same").meta.generation == max(same)
            assert store.get(BUCKET, "same").data in bodies
            assert service._locks == {}                       # none kept after the writes
        finally:
            store.close()

    asyncio.run(main())
