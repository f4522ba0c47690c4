"""GET /search on the server: how many messages it scans a second (issue 16's slow path).

    .venv/bin/python -m bench.search_scan [--chats 10] [--sizes 1000,10000,100000] [--runs 5]

Starts the emulator suite (auth, database, this repository's rules) with the `api` function
served in-process over real HTTP (no functions host: the trigger is not wanted for bulk
history), registers one user, gives her `--chats` chats holding SIZE messages in all (written by
the admin in one PUT per chat, distinct ts, userChats entries as the trigger would leave them),
then times, over HTTP from a client:

- a word no message contains: the worst case, every message of every chat is read;
- a word every message contains, limit 50: each chat stops after its first page.

Prints the median and best of `--runs` per case and the messages scanned per second.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import uuid

import requests

WORDS = ("lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed",
         "tempor")


def fill(stack, owner: str, chats: int, total: int) -> None:
    """`total` messages over `chats` chats of `owner` with made-up partners (admin writes)."""
    admin = requests.Session()
    admin.headers["Authorization"] = "Bearer owner"
    per_chat = total // chats
    base = 1_700_000_000_000
    for c in range(chats):
        partner = f"partner{c:03d}"
        chat = "_".join(sorted((owner, partner)))
        messages = {}
        for i in range(per_chat):
            words = " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(8))
            sender = owner if i % 2 else partner
            messages[f"m{c:03d}-{i:07d}"] = {"sender": sender, "ts": base + i * 1000 + c,
                                             "text": f"message {i}: {words} common"}
        for path, value in ((f"messages/{chat}", messages),
                            (f"userChats/{owner}/{chat}", {"readAt": base})):
            reply = admin.put(f"{stack.database_url}/{path}.json", params={"ns": stack.ns},
                              json=value, timeout=600)
            reply.raise_for_status()


def timed_search(session: requests.Session, url: str, params: dict) -> tuple[float, int]:
    start = time.perf_counter()
    reply = session.get(url, params=params, timeout=600)
    elapsed = time.perf_counter() - start
    if reply.status_code != 200:
        raise SystemExit(f"search answered {reply.status_code}: {reply.text}")
    return elapsed, len(reply.json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chats", type=int, default=10)
    parser.add_argument("--sizes", default="1000,10000,100000",
                        help="total messages per round, comma-separated")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from tests.functions.stack import register, running_stack

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request

    with running_stack(with_functions_host=False) as stack:
        print(f"api {stack.api_url} (in-process), database {stack.database_url}")
        print(f"{'messages':>9} {'case':<26} {'hits':>5} {'median':>9} {'best':>9} "
              f"{'scanned/s (median)':>19}")
        for size in (int(s) for s in args.sizes.split(",")):
            user = register(stack, f"search-{uuid.uuid4().hex[:8]}@example.com")
            started = time.perf_counter()
            fill(stack, user.uid, args.chats, size)
            filled = time.perf_counter() - started
            session = requests.Session()
            session.headers.update(user.headers)
            url = f"{stack.api_url}/search"
            cases = [("rare word (full scan)", {"q": "xylophone"}, size),
                     ("common word, limit 50", {"q": "common", "limit": 50},
                      args.chats * min(size // args.chats, 1000))]
            for name, params, scanned in cases:
                timed_search(session, url, params)  # warm the route and the caches
                samples = []
                hits = 0
                for _ in range(args.runs):
                    elapsed, hits = timed_search(session, url, params)
                    samples.append(elapsed)
                median = statistics.median(samples)
                print(f"{size:>9} {name:<26} {hits:>5} {median * 1000:>7.0f} ms "
                      f"{min(samples) * 1000:>6.0f} ms {scanned / median:>19,.0f}", flush=True)
            print(f"{'':>9} (history written in {filled:.1f} s)")


if __name__ == "__main__":
    main()
