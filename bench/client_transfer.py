"""The app's own Storage client: a 10 MB upload and download on loopback (target <= 1 s).

    .venv/bin/python -m bench.client_transfer [--mb 10] [--rounds 5]

Starts the suite (auth, storage, the repo's storage.rules) on free ports and times the
desktop client's StorageApi (httpx, the file streamed in 512 KB chunks with a progress
callback, as an attachment upload runs; the download streamed to a file) as a member of a
direct chat: upload answered, download written to disk. bench.storage_transfer times the
same against the server with plain requests (no client overhead).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from messenger_desktop.attachments.storage_api import StorageApi
from messenger_model import attachments
from messenger_model.push_ids import new_push_id

from bench.client_support import REPO, finish, qt_loop
from tests.database.tokens import unsigned_token
from tests.support.suite import running_suite


async def scenario(url: str, bucket: str, mb: int, rounds: int) -> None:
    me, other = "a" + uuid.uuid4().hex[:20], "b" + uuid.uuid4().hex[:20]
    token = unsigned_token(me)

    async def id_token(force_refresh: bool = False) -> str:
        return token

    api = StorageApi(url, bucket, id_token)
    folder = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    source = folder / "file.bin"
    source.write_bytes(os.urandom(mb * 2**20))
    up: list[float] = []
    down: list[float] = []
    progress_calls = [0]
    for _ in range(rounds):
        path = attachments.object_path(f"{me}_{other}", me, new_push_id(), "file.bin")
        t0 = time.perf_counter()
        await api.upload(path, source, "application/octet-stream",
                         lambda _n: progress_calls.__setitem__(0, progress_calls[0] + 1))
        t1 = time.perf_counter()
        target = folder / f"{uuid.uuid4().hex}.bin"
        await api.download(path, target)
        t2 = time.perf_counter()
        assert target.stat().st_size == mb * 2**20
        up.append((t1 - t0) * 1000)
        down.append((t2 - t1) * 1000)
    await api.aclose()
    print(f"{mb} MB, {rounds} rounds, the app's StorageApi (httpx) on loopback:")
    print(f"  upload   median {statistics.median(up):7.1f} ms  best {min(up):7.1f}  "
          f"worst {max(up):7.1f}  ({progress_calls[0] // rounds} progress callbacks)")
    print(f"  download median {statistics.median(down):7.1f} ms  best {min(down):7.1f}  "
          f"worst {max(down):7.1f}   (target <= 1000 ms each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    _app, loop = qt_loop()
    with running_suite(only=("auth", "storage"), storage_rules=REPO / "storage.rules") as suite:
        loop.run_until_complete(scenario(suite.storage_url, f"{suite.project_id}.appspot.com",
                                         args.mb, args.rounds))


if __name__ == "__main__":
    main()
    finish()
