"""A running suite (auth + storage, the repo's storage.rules) shared by a module's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.suite import RunningSuite, running_suite

from .support import REPO_RULES


@pytest.fixture(scope="module")
def suite() -> Iterator[RunningSuite]:
    with running_suite(only=("auth", "storage"), storage_rules=REPO_RULES) as s:
        yield s
