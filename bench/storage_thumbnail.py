"""Storage: upload of a photo -> its thumbnail readable (issue 17's target: <= 500 ms).

    .venv/bin/python -m bench.storage_thumbnail [--rounds 10] [--size 4000x3000]

Starts the suite (database, storage, functions with the repo's functions/ and rules) on free
ports and, as a member of a direct chat, uploads a camera-sized JPEG (random noise, so it
compresses like a photo: ~3-5 MB at 12 MP) through the Firebase Storage API, then polls
`thumbs/<name>` every 5 ms until it answers 200. Prints the time from the upload's answer
to the thumbnail (what a receiver waits) and from the upload's start, per round; the first
round includes the functions worker importing Pillow and google-cloud-storage.
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
BUCKET = "demo-messenger.appspot.com"


def photo(width: int, height: int) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(1)
    noise = rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8)
    img = Image.fromarray(noise).resize((width, height), Image.Resampling.BILINEAR)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--size", default="4000x3000")
    args = parser.parse_args(argv)
    from messenger_model import attachments
    from messenger_model.push_ids import new_push_id

    from tests.database.tokens import unsigned_token
    from tests.support.suite import running_suite

    width, height = (int(v) for v in args.size.split("x"))
    data = photo(width, height)
    print(f"photo {width}x{height} JPEG, {len(data) / 1e6:.1f} MB; {args.rounds} rounds")
    rules = (REPO / "database.rules.json").read_text(encoding="utf-8")
    session = requests.Session()
    auth = {"Authorization": f"Firebase {unsigned_token('alice')}"}
    after_ack: list[float] = []
    total: list[float] = []
    with running_suite(only=("database", "storage", "functions"), rules=rules,
                       storage_rules=REPO / "storage.rules",
                       functions_source=REPO / "functions") as suite:
        base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
        for round_ in range(args.rounds + 1):
            name = attachments.object_path("alice_bob", "alice", new_push_id(), "p.jpg")
            thumb = f"{base}/{requests.utils.quote(attachments.thumb_path(name), safe='')}"
            start = time.perf_counter()
            r = session.post(base, params={"name": name}, data=data,
                             headers={**auth, "Content-Type": "image/jpeg"})
            assert r.status_code == 200, r.text
            acked = time.perf_counter()
            while session.get(thumb, params={"alt": "media"}, headers=auth).status_code != 200:
                if time.perf_counter() - acked > 30:
                    raise SystemExit("no thumbnail within 30 s")
                time.sleep(0.005)
            done = time.perf_counter()
            label = "warm-up" if round_ == 0 else f"round {round_}"
            print(f"  {label:<9} upload {1000 * (acked - start):6.1f} ms, thumbnail "
                  f"{1000 * (done - acked):6.1f} ms after the upload's answer")
            if round_:
                after_ack.append(1000 * (done - acked))
                total.append(1000 * (done - start))
    after_ack.sort()
    print(f"thumbnail after the upload: median {statistics.median(after_ack):.0f} ms, "
          f"worst {after_ack[-1]:.0f} ms (target <= 500); upload start -> thumbnail median "
          f"{statistics.median(total):.0f} ms")


if __name__ == "__main__":
    main()
