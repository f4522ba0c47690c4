"""Fixtures of the functions tests: one running stack per test module (see stack.py)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator

import pytest

from .stack import Stack, User, register, running_stack

_counter = itertools.count()


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack() as running:
        yield running


@pytest.fixture
def new_user(stack: Stack):
    def make(prefix: str = "user") -> User:
        return register(stack, f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:6]}@example.com")

    return make
