"""Accounts and messages through the `api` function: latency percentiles.

    .venv/bin/python -m bench.api_accounts [--rounds 11] [--n 40] [--sends 200]

Starts the emulator suite (auth, database, functions host with functions/) on free ports and
measures, over real HTTP from a client: register, login (right password, wrong password,
unknown email: the last two must cost the same), and send_message. Also prints the raw cost of
one bcrypt hash per cost factor, the measurement behind settings.BCRYPT_ROUNDS.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable

import bcrypt
import requests


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return (f"n={len(ordered):4d}  p50={pick(0.5):7.1f} ms  p90={pick(0.9):7.1f} ms  "
            f"p99={pick(0.99):7.1f} ms  mean={statistics.fmean(ordered):7.1f} ms")


def timed(fn: Callable[[], requests.Response], expect: int) -> float:
    start = time.perf_counter()
    reply = fn()
    elapsed = (time.perf_counter() - start) * 1000
    if reply.status_code != expect:
        raise SystemExit(f"unexpected {reply.status_code}: {reply.text}")
    return elapsed


def bcrypt_costs() -> None:
    print("bcrypt, one hash in this process:")
    for rounds in (10, 11, 12, 13):
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            bcrypt.hashpw(b"correct horse battery", bcrypt.gensalt(rounds))
            samples.append((time.perf_counter() - start) * 1000)
        print(f"  cost {rounds}: median {statistics.median(samples):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=None, help="BCRYPT_ROUNDS (default: 11)")
    parser.add_argument("--n", type=int, default=40, help="registrations and logins of each kind")
    parser.add_argument("--sends", type=int, default=200)
    args = parser.parse_args()

    bcrypt_costs()
    from tests.functions.stack import exchange_custom_token, running_stack

    env = {"LOGIN_MAX_FAILURES_PER_EMAIL": "1000", "LOGIN_MAX_FAILURES_PER_ADDRESS": "100000"}
    env["BCRYPT_ROUNDS"] = str(args.rounds) if args.rounds else ""
    with running_stack(env=env) as stack:
        api = stack.api_url
        where = "functions host" if not stack.in_process else "in-process server"
        print(f"\nthrough {where}: {api}")
        session = requests.Session()
        run = uuid.uuid4().hex[:6]
        accounts = []
        register_ms = []
        for i in range(args.n):
            email = f"bench-{run}-{i}@example.com"
            register_ms.append(timed(lambda email=email: session.post(
                f"{api}/register", json={"email": email, "password": "bench-password"},
                timeout=60), 200))
            accounts.append(email)
        hash_cost = requests.get(
            f"{stack.database_url}/credentials.json", params={"ns": stack.ns, "shallow": "false"},
            headers={"Authorization": "Bearer owner"}, timeout=30,
        ).json()
        cost = next(iter(hash_cost.values()))["passwordHash"].split("$")[2]
        print(f"bcrypt cost in use: {int(cost)}")
        print(f"register              {percentiles(register_ms)}")

        def login(email: str, password: str, expect: int) -> float:
            return timed(lambda: session.post(f"{api}/login",
                                              json={"email": email, "password": password},
                                              timeout=60), expect)

        ok = [login(email, "bench-password", 200) for email in accounts]
        # Interleaved, so that load from other processes hits both kinds alike.
        wrong, unknown = [], []
        for i, email in enumerate(accounts):
            wrong.append(login(email, "wrong-password", 401))
            unknown.append(login(f"nobody-{run}-{i}@example.com", "wrong-password", 401))
        print(f"login ok              {percentiles(ok)}")
        print(f"login wrong password  {percentiles(wrong)}")
        print(f"login unknown email   {percentiles(unknown)}")
        gap = statistics.median(unknown) - statistics.median(wrong)
        print(f"  unknown - wrong (median): {gap:+.1f} ms")

        reply = session.post(f"{api}/login", json={"email": accounts[0],
                                                   "password": "bench-password"}, timeout=60)
        body = reply.json()
        token = exchange_custom_token(stack, body["custom_token"])
        headers = {"Authorization": f"Bearer {token}"}
        peer = session.post(f"{api}/login", json={"email": accounts[1],
                                                  "password": "bench-password"}, timeout=60)
        receiver = peer.json()["user_id"]
        sends = [timed(lambda i=i: session.post(
            f"{api}/send_message", headers=headers, timeout=60,
            json={"sender": body["user_id"], "receiver": receiver, "content": f"bench {i}"}), 200)
            for i in range(args.sends)]
        print(f"send_message          {percentiles(sends)}")
        pages = [timed(lambda: session.get(
            f"{api}/get_messages", headers=headers, timeout=60,
            params={"sender": body["user_id"], "receiver": receiver, "limit": 50}), 200)
            for _ in range(50)]
        print(f"get_messages (50)     {percentiles(pages)}")


if __name__ == "__main__":
    main()
