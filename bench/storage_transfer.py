"""Storage: a 10 MB upload and its download on loopback (issue 17's target: <= 1 s each).

    .venv/bin/python -m bench.storage_transfer [--mb 10] [--rounds 5]

Starts the suite (auth + storage, the repo's storage.rules) on free ports, in memory and with
--data (each upload fsynced before it is acknowledged), and times over real HTTP, as a signed-in
member of a direct chat: a media upload and an alt=media download through the Firebase
Storage API (what pyrebase4 and the client SDKs use), and a resumable upload in 4 MB chunks
and a download through the Cloud Storage JSON API (what firebase-admin uses).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
BUCKET = "demo-messenger.appspot.com"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def _line(label: str, samples: list[float], mb: int) -> str:
    best, median, worst = min(samples), statistics.median(samples), max(samples)
    rate = mb / (median / 1000)
    return (f"  {label:<34} median {median:7.1f} ms  best {best:7.1f}  worst {worst:7.1f}  "
            f"({rate:6.1f} MB/s)")


def run(mb: int, rounds: int, durable: bool) -> dict[str, list[float]]:
    from tests.database.tokens import unsigned_token
    from tests.support.suite import running_suite

    data = os.urandom(mb * 1024 * 1024)
    token = unsigned_token("alice")
    session = requests.Session()
    found: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data" if durable else None
        with running_suite(only=("auth", "storage"), data_dir=folder,
                           storage_rules=REPO / "storage.rules") as suite:
            base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
            auth = {"Authorization": f"Firebase {token}"}
            for _ in range(rounds):
                name = f"chats/alice_bob/alice/{uuid.uuid4().hex}.bin"

                def upload(name: str = name) -> None:
                    r = session.post(base, params={"name": name}, data=data, headers=auth)
                    assert r.status_code == 200, r.text

                def download(name: str = name) -> None:
                    r = session.get(f"{base}/{requests.utils.quote(name, safe='')}",
                                    params={"alt": "media"}, headers=auth)
                    assert r.status_code == 200 and len(r.content) == len(data)

                found.setdefault("firebase API upload (media)", []).append(_timed(upload))
                found.setdefault("firebase API download (alt=media)", []).append(
                    _timed(download))
            gcs = f"{suite.storage_url}/upload/storage/v1/b/{BUCKET}/o"
            admin = {"Authorization": "Bearer owner"}
            for _ in range(rounds):
                name = f"admin/{uuid.uuid4().hex}.bin"

                def resumable(name: str = name) -> None:
                    start = session.post(gcs, params={"uploadType": "resumable", "name": name},
                                         json={}, headers=admin)
                    location = start.headers["Location"]
                    chunk, total = 4 * 1024 * 1024, len(data)
                    for at in range(0, total, chunk):
                        piece = data[at:at + chunk]
                        r = session.put(location, data=piece, headers={
                            "Content-Range": f"bytes {at}-{at + len(piece) - 1}/{total}"})
                    assert r.status_code == 200, r.text

                def gcs_download(name: str = name) -> None:
                    r = session.get(f"{suite.storage_url}/download/storage/v1/b/{BUCKET}/o/"
                                    f"{requests.utils.quote(name, safe='')}",
                                    params={"alt": "media"}, headers=admin)
                    assert r.status_code == 200 and len(r.content) == len(data)

                found.setdefault("JSON API upload (resumable, 4 MB)", []).append(
                    _timed(resumable))
                found.setdefault("JSON API download", []).append(_timed(gcs_download))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(f"{args.mb} MB objects, {args.rounds} rounds each, one client on loopback")
    for durable in (False, True):
        print("with --data (fsync before acknowledging):" if durable else "in memory:")
        for label, samples in run(args.mb, args.rounds, durable).items():
            print(_line(label, samples, args.mb))


if __name__ == "__main__":
    main()
