"""A storm of ID tokens expiring at once: 50 users signed in together, 50 open streams.

Every stream must get `auth_revoked` when its token expires, refreshing must work for all of
them at once, and the reopened streams must carry on (they see every user's next write).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.support.suite import running_suite

from .conftest import REPO_RULES, TimedStream, refresh, users, wait_for

USERS = 50
TTL_S = 6


def _status_seen(stream: TimedStream) -> set[str]:
    """uids shown online on a status/ stream (initial put and later puts)."""
    online: set[str] = set()
    for _, kind, data in stream.events:
        if kind != "put":
            continue
        if data["path"] == "/":
            online |= {uid for uid, v in (data["data"] or {}).items() if v.get("online")}
        elif data["data"] and data["data"].get("online"):
            online.add(data["path"].strip("/"))
    return online


def _heartbeat(suite, user) -> int:
    r = requests.put(f"{suite.database_url}/status/{user.uid}.json",
                     params={"ns": suite.ns, "auth": user.id_token},
                     json={"online": True, "lastSeen": {".sv": "timestamp"}}, timeout=30)
    return r.status_code


def test_fifty_streams_survive_their_tokens_expiring_at_once() -> None:
    with running_suite(only=("auth", "database"), rules=REPO_RULES,
                       extra_args=["--id-token-ttl", f"{TTL_S}s"]) as suite:
        people = users(suite, USERS, prefix="storm")
        signed_in = time.monotonic()
        url = f"{suite.database_url}/status.json"
        with ThreadPoolExecutor(16) as pool:
            streams = list(pool.map(
                lambda u: TimedStream(url, {"ns": suite.ns, "auth": u.id_token}), people))
            wait_for(lambda: all(s.events for s in streams), 10, "every initial put")
            # the storm: every token expires within the same second or so
            wait_for(lambda: all(s.closed.is_set() for s in streams), TTL_S + 15,
                     "every stream ended by the server")
            storm_s = time.monotonic() - signed_in
            for stream in streams:
                assert stream.kinds()[-1] == "auth_revoked", stream.kinds()
                stream.close()
            assert all(code == 401 for code in pool.map(lambda u: _heartbeat(suite, u),
                                                        people[:3])), "expired tokens still work"

            fresh = list(pool.map(lambda u: refresh(suite, u), people))
            reopened = list(pool.map(
                lambda u: TimedStream(url, {"ns": suite.ns, "auth": u.id_token}), fresh))
            wait_for(lambda: all(s.events for s in reopened), 10, "every reopened stream")
            codes = list(pool.map(lambda u: _heartbeat(suite, u), fresh))
            assert codes == [200] * USERS, codes
            everyone = {u.uid for u in people}
            wait_for(lambda: all(_status_seen(s) >= everyone for s in reopened), 20,
                     "every reopened stream seeing every user online")
            for stream in reopened:
                stream.close()
    print(f"\n{USERS} streams revoked within {storm_s:.1f} s of sign-in (ttl {TTL_S} s); "
          "all refreshed and live again")
