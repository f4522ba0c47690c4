"""The client's unit layer: real app code, pyrebase4, requests and httpx against the fake
network in tests/unit/fakes.py; no sockets, no subprocesses, one asyncio.run per test."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from messenger_desktop.firebase.session import AuthSession

from tests.unit.fakes import FakeFirebase


@pytest.fixture
def firebase() -> FakeFirebase:
    return FakeFirebase()


def run(coro: Awaitable[Any], timeout: float = 5.0) -> Any:
    async def bounded() -> Any:
        return await asyncio.wait_for(coro, timeout)

    return asyncio.run(bounded())


async def signed_in(firebase: FakeFirebase, uid: str = "me") -> AuthSession:
    session = AuthSession(firebase.config, transport=firebase.transport)
    await session.sign_in_with_custom_token(uid, uid)  # FakeAuth: the custom token is the uid
    return session


async def until(predicate: Callable[[], Any], timeout: float = 2.0, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.002)
