"""Auth emulator latency: custom-token sign-in, refresh and lookup, over real HTTP.

    python -m bench.auth_signin [--n 500] [--secure]

The emulator runs in-process on its own loop thread; the client is one keep-alive requests
session (as pyrebase4's). Tokens are minted by firebase-admin (unsigned) or, with --secure,
signed with the suite's service-account key.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def at(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return (f"p50 {at(50):.2f} ms  p90 {at(90):.2f} ms  p99 {at(99):.2f} ms  "
            f"max {ordered[-1] * 1000:.2f} ms  mean {statistics.fmean(ordered) * 1000:.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--secure", action="store_true")
    args = parser.parse_args()

    import firebase_admin
    from firebase_admin import auth as admin_auth
    from firebase_admin import credentials
    from messenger_emulators.auth.component import AuthEmulator
    from messenger_emulators.suite.options import SuiteOptions

    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    data = Path(tempfile.mkdtemp(prefix="bench-auth-"))
    emulator = AuthEmulator(SuiteOptions(ports={"auth": 0}, secure=args.secure,
                                         data_dir=data if args.secure else None), None)
    asyncio.run_coroutine_threadsafe(emulator.start(), loop).result(30)
    if args.secure:
        os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
        cred = credentials.Certificate(str(emulator.service_account.path))
        app = firebase_admin.initialize_app(cred, {"projectId": "demo-messenger"},
                                            name=uuid.uuid4().hex)
    else:
        os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = f"127.0.0.1:{emulator.port}"
        app = firebase_admin.initialize_app(options={"projectId": "demo-messenger"},
                                            name=uuid.uuid4().hex)
    tokens = [admin_auth.create_custom_token(f"user{i % 50}", {"n": i}, app=app).decode()
              for i in range(args.n)]
    session = requests.Session()
    base = emulator.url
    sign_in, refresh, lookup = [], [], []
    refresh_tokens, id_tokens = [], []
    for token in tokens:
        t = time.perf_counter()
        r = session.post(f"{base}/identitytoolkit.googleapis.com/v1/"
                         "accounts:signInWithCustomToken?key=k", json={"token": token})
        sign_in.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
        refresh_tokens.append(r.json()["refreshToken"])
        id_tokens.append(r.json()["idToken"])
    for token in refresh_tokens:
        t = time.perf_counter()
        r = session.post(f"{base}/securetoken.googleapis.com/v1/token",
                         data={"grant_type": "refresh_token", "refresh_token": token})
        refresh.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    for token in id_tokens:
        t = time.perf_counter()
        r = session.post(f"{base}/identitytoolkit.googleapis.com/v1/accounts:lookup",
                         json={"idToken": token})
        lookup.append(time.perf_counter() - t)
        assert r.status_code == 200, r.text
    mode = "secure (RS256)" if args.secure else "non-secure (unsigned)"
    print(f"Auth emulator, {mode}, {args.n} requests each, sequential, keep-alive:")
    print(f"  signInWithCustomToken  {percentiles(sign_in)}")
    print(f"  securetoken refresh    {percentiles(refresh)}")
    print(f"  accounts:lookup        {percentiles(lookup)}")
    asyncio.run_coroutine_threadsafe(emulator.stop(), loop).result(30)


if __name__ == "__main__":
    main()
