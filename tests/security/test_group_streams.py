"""A removed member's open streams end with `cancel` at once, as Firebase's do (issue 15).

The real suite (Auth + Database, the project's rules), real ID tokens, a real SSE client. The
removal is written as the api function writes it: membership, the member's userChats entry,
receipt and typing state, and the system message, in one multi-path update. The removed
member's stream of the group's messages must end before it carries the system message (it
tells of their removal: not theirs to read), the others' streams carry on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests

from tests.database.sse import CLOSED, SseReader

from .db_support import PROJECT, InProcessSuite

G = "g-SSSSSSSSSSSSSSSSSSSS"
DENIED = "Permission denied."  # Firebase's cancel text (FIREBASE-NOTES)


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Iterator[InProcessSuite]:
    running = InProcessSuite(tmp_path_factory.mktemp("group-streams"), secure=False).start()
    try:
        yield running
    finally:
        running.stop()


def _url(suite: InProcessSuite, path: str) -> str:
    return f"http://127.0.0.1:{suite.db_port}/{path}.json"


def _admin(suite: InProcessSuite, method: str, path: str, body) -> None:
    reply = requests.request(method, _url(suite, path), params={"ns": PROJECT, "auth": "owner"},
                             json=body, timeout=10)
    assert reply.status_code == 200, reply.text


@pytest.fixture
def group(suite: InProcessSuite) -> str:
    members = {"olga": "owner", "mia": "member", "ben": "member"}
    _admin(suite, "PUT", "", {
        "chats": {G: {"type": "group", "name": "g", "createdAt": 1, "createdBy": "olga",
                      "members": members, "joinedAt": dict.fromkeys(members, 1)}},
        "messages": {G: {"m1": {"sender": "olga", "text": "hi", "ts": 1}}},
        "receipts": {G: {"mia": 1}},
        "typing": {G: {"mia": 1}},
        "userChats": {uid: {G: {"readAt": 1, "group": {"name": "g"}}} for uid in members},
    })
    return G


def _stream(suite: InProcessSuite, who: str, path: str, **params: str) -> SseReader:
    reader = SseReader(_url(suite, path),
                       params={"ns": PROJECT, "auth": suite.token(who), **params})
    assert reader.status == 200
    event, _ = reader.next()
    assert event == "put"  # the initial data
    return reader


def _removal(uid: str) -> dict:
    return {f"chats/{G}/members/{uid}": None, f"chats/{G}/joinedAt/{uid}": None,
            f"userChats/{uid}/{G}": None, f"receipts/{G}/{uid}": None,
            f"typing/{G}/{uid}": None,
            f"messages/{G}/m2": {"sender": "olga", "text": f"olga removed {uid}", "ts": 2,
                                 "system": {"kind": "removed", "actor": "olga",
                                            "users": {uid: True}}}}


def test_a_removed_members_streams_are_cancelled_at_once(suite, group) -> None:
    streams = {path: _stream(suite, "mia", path)
               for path in (f"messages/{G}", f"chats/{G}", f"receipts/{G}", f"typing/{G}")}
    query = _stream(suite, "mia", f"messages/{G}", orderBy='"ts"', limitToLast="10")
    others = _stream(suite, "ben", f"messages/{G}")
    start = time.monotonic()
    _admin(suite, "PATCH", "", _removal("mia"))
    for path, reader in [*streams.items(), ("query", query)]:
        # the very next event is the cancel: the system message never reaches mia
        assert reader.next(timeout=2) == ("cancel", DENIED), path
        assert reader.next(timeout=2) == CLOSED, path
    took = time.monotonic() - start
    assert took < 1.0, took
    event, data = others.next(timeout=2)
    assert event in ("put", "patch") and "m2" in str(data)
    for reader in (*streams.values(), query, others):
        reader.close()
    # and a new stream is refused outright
    refused = SseReader(_url(suite, f"messages/{G}"),
                        params={"ns": PROJECT, "auth": suite.token("mia")})
    assert refused.status == 401


def test_a_membership_write_alone_cancels_the_other_locations_too(suite, group) -> None:
    """A write that touches only the membership (not the streamed locations) still ends the
    removed member's streams: the rules read the membership, so the suite re-checks them."""
    reader = _stream(suite, "mia", f"messages/{G}")
    typing = _stream(suite, "mia", f"typing/{G}")
    start = time.monotonic()
    _admin(suite, "DELETE", f"chats/{G}/members/mia", None)
    assert reader.next(timeout=3) == ("cancel", DENIED)
    assert typing.next(timeout=3) == ("cancel", DENIED)
    took = time.monotonic() - start
    reader.close()
    typing.close()
    assert took < 0.1, f"cancelled after {took * 1000:.0f} ms"


def test_members_streams_are_untouched_by_someone_elses_removal(suite, group) -> None:
    olga = _stream(suite, "olga", f"chats/{G}")
    _admin(suite, "PATCH", "", _removal("mia"))
    event, data = olga.next(timeout=2)
    assert event in ("put", "patch") and event != "cancel"
    _admin(suite, "PUT", f"messages/{G}/m3", {"sender": "olga", "text": "still here", "ts": 3})
    olga.close()
