"""The group claim (group_lock.py) against the real database through firebase-admin, in this
process: a change that outlives its lease (a stalled process) must neither commit on a
decision another change may have overtaken nor delete that change's claim. The lease is made
short here (module settings, as a deployment would set them) to reach its end in a test."""

from __future__ import annotations

import time
import uuid

import pytest

from .stack import admin_get


@pytest.fixture
def lock(stack, monkeypatch):
    from messenger_functions import group_lock

    monkeypatch.setattr(group_lock, "LEASE_MS", 400)
    monkeypatch.setattr(group_lock, "MARGIN_MS", 150)
    return group_lock


def _group() -> str:
    return "g-" + uuid.uuid4().hex[:20]


def _lapse(lock) -> None:
    time.sleep((lock.LEASE_MS + 50) / 1000)


def test_a_change_past_its_lease_writes_nothing_and_keeps_the_later_claim(stack, lock):
    from messenger_functions.errors import ApiError

    group, mark = _group(), f"lockTest/{uuid.uuid4().hex}"
    with lock.held(group) as late:
        _lapse(lock)  # stalled past its lease: another change takes the group
        with lock.held(group) as later:
            with pytest.raises(ApiError) as refused:
                late.commit({f"{mark}/late": True})
            assert refused.value.status == 503
            assert admin_get(stack, mark) is None  # nothing of the late change written
            assert admin_get(stack, later.path)["by"] == later.token  # the claim stands
            later.commit({f"{mark}/later": True})
    assert admin_get(stack, mark) == {"later": True}
    assert admin_get(stack, f"groupLocks/{group}") is None


def test_a_late_release_leaves_the_later_claim(stack, lock):
    group = _group()
    with lock.held(group):  # no change: released on leaving, after its lease
        _lapse(lock)
        later = lock.held(group)
        hold = later.__enter__()
    assert admin_get(stack, hold.path)["by"] == hold.token
    later.__exit__(None, None, None)
    assert admin_get(stack, f"groupLocks/{group}") is None


def test_a_change_near_its_lease_end_renews_the_claim_and_commits(stack, lock):
    group, mark = _group(), f"lockTest/{uuid.uuid4().hex}"
    with lock.held(group) as hold:
        first = hold.until
        time.sleep((lock.LEASE_MS - lock.MARGIN_MS + 50) / 1000)  # inside the margin
        hold.commit({f"{mark}/done": True})
        assert hold.until > first  # renewed before it wrote
    assert admin_get(stack, mark) == {"done": True}
    assert admin_get(stack, f"groupLocks/{group}") is None


def test_a_change_within_its_lease_commits_without_renewing(stack, lock, monkeypatch):
    monkeypatch.setattr(lock, "LEASE_MS", 30_000)
    group, mark = _group(), f"lockTest/{uuid.uuid4().hex}"
    with lock.held(group) as hold:
        until = hold.until
        hold.commit({f"{mark}/done": True})
        assert hold.until == until
    assert admin_get(stack, mark) == {"done": True}
    assert admin_get(stack, f"groupLocks/{group}") is None
