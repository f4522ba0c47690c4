"""--data: an acknowledged upload survives kill -9; a resumable upload cut off midway, or a
write cut off before its metadata, never shows as an object."""

from __future__ import annotations

import requests

from tests.support.suite import running_suite

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
