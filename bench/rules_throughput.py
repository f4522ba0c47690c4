"""Cost of security rules: a realistic messenger ruleset against true/true.

    .venv/bin/python -m bench.rules_throughput [--n 20000] [--http-n 1500] [--rules FILE]

Prints raw evaluations per second of RuleSet.can_read / can_write in process, then the same
reads and writes as whole REST requests through the database emulator
(messenger_emulators.database.testing.run_in_thread) with both rulesets, and the cost ratios.
The target: a REST request under the messenger rules costs at most 1.5x one under true/true.
"""

from __future__ import annotations

import argparse
import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from messenger_emulators.rules import RuleSet

OPEN_RULES = '{"rules": {".read": true, ".write": true}}'
# The data model of DESIGN.md: members-only messages, sender == auth.uid, ts == now, length
# limits, no extra fields.
MEMBER = "root.child('chats/' + $chatId + '/members/' + auth.uid).val() === true"
MESSENGER_RULES = json.dumps({"rules": {
    "users": {
        ".read": "auth != null",
        "$uid": {
            ".write": "auth != null && auth.uid == $uid",
            ".validate": "newData.hasChildren(['email', 'displayName'])",
            "email": {".validate": "newData.isString() && "
                                   "newData.val().matches(/^[^@]+@[^@]+$/)"},
            "displayName": {".validate": "newData.isString() && newData.val().length <= 64"},
            "createdAt": {".validate": "newData.isNumber()"},
            "$other": {".validate": False},
        },
    },
    "status": {"$uid": {".read": "auth != null", ".write": "auth != null && auth.uid == $uid"}},
    "chats": {"$chatId": {
        ".read": "auth != null && data.child('members').hasChild(auth.uid)",
        ".write": "auth != null && (!data.exists() ? "
                  "newData.child('members').hasChild(auth.uid) : "
                  "data.child('members').hasChild(auth.uid))",
    }},
    "messages": {"$chatId": {
        ".read": "auth != null && "
                 "root.child('chats').child($chatId).child('members').hasChild(auth.uid)",
        ".indexOn": ["ts"],
        "$msgId": {
            ".write": f"auth != null && {MEMBER} && "
                      "(!data.exists() || data.child('sender').val() === auth.uid)",
            ".validate": "newData.hasChildren(['sender', 'text', 'ts'])",
            "sender": {".validate": "newData.val() === auth.uid"},
            "text": {".validate": "newData.isString() && newData.val().length > 0 && "
                                  "newData.val().length <= 4000"},
            "ts": {".validate": "newData.val() === now"},
            "$other": {".validate": False},
        },
    }},
    "userChats": {"$uid": {".read": "auth != null && auth.uid == $uid"}},
    "credentials": {".read": False, ".write": False},
    "emails": {".read": False, ".write": False},
}}, indent=2)

NOW = 1_700_000_000_000
ALICE = {"uid": "alice", "provider": "custom",
         "token": {"sub": "alice", "firebase": {"sign_in_provider": "custom"}}}


def seed(messages: int = 1000) -> dict:
    members = {f"u{i}": True for i in range(20)} | {"alice": True}
    msgs = {f"m{i:05d}": {"sender": f"u{i % 20}", "text": f"message {i}", "ts": NOW - i}
            for i in range(messages)}
    return {"chats": {"c1": {"members": members, "type": "group", "createdAt": NOW}},
            "messages": {"c1": msgs},
            "users": {f"u{i}": {"email": f"u{i}@x.io", "displayName": f"U{i}"} for i in range(20)}}


ROUNDS = 5
HTTP_ROUNDS = 30


def rate(fn: Callable[[int], Any], n: int, offset: int = 0) -> float:
    """Operations per second over the best of ROUNDS rounds: the machine is shared, and the
    best round is the one least disturbed by other processes."""
    fn(offset)  # warm caches
    per_round = max(1, n // ROUNDS)
    best = float("inf")
    for r in range(ROUNDS):
        start = time.perf_counter()
        for i in range(offset + r * per_round, offset + (r + 1) * per_round):
            fn(i)
        best = min(best, time.perf_counter() - start)
    return per_round / best


def in_process(rules_text: str, n: int) -> tuple[float, float]:
    rules = RuleSet.from_text(rules_text)
    root = seed()
    read_path = ("messages", "c1")
    message = {"sender": "alice", "text": "hello there", "ts": NOW}
    chat = root["messages"]["c1"]

    def read(i: int) -> None:
        assert rules.can_read(read_path, ALICE, root, NOW).allowed

    def write(i: int) -> None:
        key = f"n{i}"
        new_root = {**root, "messages": {"c1": {**chat, key: message}}} if i % 50 == 0 else root2
        assert rules.can_write([(("messages", "c1", key), message)], ALICE, root, new_root,
                               NOW).allowed

    # Building the new root is the database's job, not the rules': reuse one per 50 writes.
    root2 = {**root, "messages": {"c1": {**chat, "n0": message}}}
    return rate(read, n), rate(write, n)


def unsigned_token(uid: str, project: str) -> str:
    def part(obj: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    now = int(time.time())
    claims = {"sub": uid, "user_id": uid, "aud": project, "iat": now, "exp": now + 3600,
              "iss": f"https://securetoken.google.com/{project}",
              "firebase": {"sign_in_provider": "custom", "identities": {}}}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def over_http(rulesets: list[str], n: int) -> list[tuple[float, float]]:
    """(reads/s, writes/s) per ruleset; the servers run side by side and are measured in
    alternating rounds, so a burst of load elsewhere hits both alike."""
    import requests
    from messenger_emulators.database.testing import run_in_thread

    servers = [run_in_thread(rules_text=text) for text in rulesets]
    try:
        ops = []
        for db in servers:
            http = requests.Session()
            base, ns = db.url, db.namespace
            http.put(f"{base}/.json", params={"ns": ns, "auth": "owner"},
                     json=seed()).raise_for_status()
            ops.append(_http_ops(http, base, ns, unsigned_token("alice", ns)))
        best = [[0.0, 0.0] for _ in servers]
        per_round = max(1, n // HTTP_ROUNDS)
        for r in range(HTTP_ROUNDS):
            for which, (read, write) in enumerate(ops):
                best[which][0] = max(best[which][0], rate1(read, per_round, r * per_round))
                best[which][1] = max(best[which][1], rate1(write, per_round, r * per_round))
        return [(b[0], b[1]) for b in best]
    finally:
        for db in servers:
            db.stop()


def rate1(fn: Callable[[int], Any], n: int, offset: int) -> float:
    start = time.perf_counter()
    for i in range(offset, offset + n):
        fn(i)
    return n / (time.perf_counter() - start)


def _http_ops(http: Any, base: str, ns: str, token: str) -> tuple[Callable, Callable]:
    def read(i: int) -> None:
        # One message: the messenger rules grant at /messages/$chatId on the way down.
        r = http.get(f"{base}/messages/c1/m{i % 1000:05d}.json",
                     params={"ns": ns, "auth": token})
        assert r.status_code == 200, r.text

    def write(i: int) -> None:
        body = {"sender": "alice", "text": f"hello {i}", "ts": {".sv": "timestamp"}}
        r = http.put(f"{base}/messages/c1/w{i:07d}.json", params={"ns": ns, "auth": token},
                     json=body)
        assert r.status_code == 200, r.text

    return read, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000, help="in-process evaluations per figure")
    parser.add_argument("--http-n", type=int, default=3000, help="REST requests per figure")
    parser.add_argument("--rules", type=Path, help="rules file instead of the built-in set")
    args = parser.parse_args()
    messenger = args.rules.read_text() if args.rules else MESSENGER_RULES

    print(f"rules throughput (in process, RuleSet only, best of {ROUNDS} rounds)")
    o_read, o_write = in_process(OPEN_RULES, args.n)
    m_read, m_write = in_process(messenger, args.n)
    print(f"  can_read : true/true {o_read:10,.0f}/s   messenger {m_read:10,.0f}/s   "
          f"cost ratio {o_read / m_read:5.2f}x")
    print(f"  can_write: true/true {o_write:10,.0f}/s   messenger {m_write:10,.0f}/s   "
          f"cost ratio {o_write / m_write:5.2f}x")
    print(f"  messenger rule cost per request: read {1e6 / m_read:6.1f} us, "
          f"write {1e6 / m_write:6.1f} us")

    try:
        import messenger_emulators.database.testing  # noqa: F401
    except ImportError:
        print("REST: the database emulator is not available; skipped")
        return
    print(f"REST through the database emulator ({args.http_n} sequential requests each, "
          f"best of {HTTP_ROUNDS} alternating rounds)")
    (ho_read, ho_write), (hm_read, hm_write) = over_http([OPEN_RULES, messenger], args.http_n)
    print(f"  GET  : true/true {ho_read:8,.0f} req/s   messenger {hm_read:8,.0f} req/s   "
          f"cost ratio {ho_read / hm_read:5.2f}x (target <= 1.5x)")
    print(f"  PUT  : true/true {ho_write:8,.0f} req/s   messenger {hm_write:8,.0f} req/s   "
          f"cost ratio {ho_write / hm_write:5.2f}x (target <= 1.5x)")
    # The direct ratio is at the mercy of the shared machine's load; the rules' own cost
    # measured in process, set against a whole request, is the steadier estimate.
    read_ratio = 1 + (1 / m_read - 1 / o_read) * ho_read
    write_ratio = 1 + (1 / m_write - 1 / o_write) * ho_write
    print(f"  estimate from the in-process rule cost: GET {read_ratio:5.3f}x, "
          f"PUT {write_ratio:5.3f}x of a true/true request")


if __name__ == "__main__":
    main()
