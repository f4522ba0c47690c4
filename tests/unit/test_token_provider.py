"""The token provider: one refresh policy, expired token vs rules refusal, `refreshed`."""

from __future__ import annotations

import asyncio
import time

import pytest
from messenger_desktop.errors import PermissionDenied, SessionExpired, Unreachable
from messenger_desktop.firebase.db import Database
from messenger_desktop.firebase.session import (
    Tokens,
    refresh_at,
    refresh_delay,
    token_expired,
)

from tests.unit.conftest import run, signed_in, until


def test_refresh_policy_is_80_percent_and_at_most_5_minutes_early() -> None:
    hour = Tokens("u", "t", "r", expires_at=10_000.0 + 3600, issued_at=10_000.0)
    assert refresh_at(hour) == 10_000.0 + 3600 - 300
    short = Tokens("u", "t", "r", expires_at=100.0 + 10, issued_at=100.0)
    assert refresh_at(short) == pytest.approx(108.0)
    past = Tokens("u", "t", "r", expires_at=time.time() - 1, issued_at=time.time() - 11)
    assert refresh_delay(past) == 0.5  # never a busy loop


@pytest.mark.parametrize("status, body, expired", [
    (401, '{"error" : "Auth token is expired"}', True),
    (401, '{"error" : "Unauthorized request."}', True),
    (401, '{"error" : "Permission denied"}', False),
    (403, '{"error" : "Forbidden"}', False),
    (500, "", False),
])
def test_token_expired_tells_expiry_from_a_rules_refusal(status, body, expired) -> None:
    assert token_expired(status, body) is expired


def test_a_fresh_token_is_not_refreshed(firebase) -> None:
    async def body():
        session = await signed_in(firebase)
        first = await session.id_token()
        assert await session.id_token() == first
        session.close()

    run(body())
    assert firebase.auth.refreshes == 0


def test_a_due_token_is_refreshed_once_for_all_callers(firebase) -> None:
    async def body():
        session = await signed_in(firebase)
        refreshed = []
        session.refreshed.connect(lambda: refreshed.append(session.tokens.id_token))
        old = session.tokens.id_token
        now = time.time()
        session.tokens.issued_at, session.tokens.expires_at = now - 3400, now + 200  # due
        tokens = await asyncio.gather(*(session.id_token() for _ in range(5)))
        session.close()
        return old, tokens, refreshed

    old, tokens, refreshed = run(body())
    assert firebase.auth.refreshes == 1
    assert len(set(tokens)) == 1 and tokens[0] != old
    assert refreshed == [tokens[0]]


def test_the_background_refresh_follows_the_same_policy() -> None:
    from tests.unit.fakes import FakeFirebase

    firebase = FakeFirebase(ttl=1)  # due after 0.8 s, the 0.5 s floor allowing

    async def body():
        session = await signed_in(firebase)
        seen = []
        session.refreshed.connect(lambda: seen.append(time.monotonic()))
        started = time.monotonic()
        await until(lambda: seen, timeout=3, what="a background refresh")
        session.close()
        return seen[0] - started

    took = run(body())
    assert firebase.auth.refreshes >= 1 and 0.4 < took < 2.0


def test_a_refused_refresh_token_ends_the_session(firebase) -> None:
    async def body():
        session = await signed_in(firebase)
        ended = []
        session.ended.connect(ended.append)
        firebase.auth.revoked.add(session.tokens.refresh_token)
        with pytest.raises(SessionExpired):
            await session.id_token(force_refresh=True)
        return session, ended

    session, ended = run(body())
    assert ended == [str(SessionExpired())] and session.tokens is None


def test_an_offline_refresh_keeps_the_session(firebase) -> None:
    async def body():
        session = await signed_in(firebase)
        ended = []
        session.ended.connect(ended.append)
        firebase.auth.offline = True
        with pytest.raises(Unreachable):
            await session.id_token(force_refresh=True)
        firebase.auth.offline = False
        token = await session.id_token(force_refresh=True)
        session.close()
        return token, ended

    token, ended = run(body())
    assert token and ended == []


def test_the_database_refreshes_once_for_an_expired_token_not_for_the_rules(firebase) -> None:
    firebase.database.tree = {"users": {"me": {"email": "me@example.com"}}}

    async def body():
        session = await signed_in(firebase)
        db = Database(session)
        firebase.database.expired.add(session.tokens.id_token)
        user = await db.get("users/me")
        refreshes = firebase.auth.refreshes
        firebase.database.refused.add("secret")
        with pytest.raises(PermissionDenied):
            await db.get("secret/x")
        session.close()
        return user, refreshes

    user, refreshes = run(body())
    assert user == {"email": "me@example.com"}
    assert refreshes == 1 and firebase.auth.refreshes == 1  # the refusal refreshed nothing
    first, second, third = firebase.database.tokens_seen
    assert first != second == third
