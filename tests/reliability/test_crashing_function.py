"""A trigger function that crashes on some messages: it blocks no write and no other message,
and the notifications of the messages it crashed on arrive after the host's retries.

The function project is tests/reliability/projects/crashy: it raises twice on "raise-twice",
kills its own worker process once on "die-once", always raises on "poison", and otherwise
writes notifications/{receiver}/{messageId} with firebase-admin.
"""

from __future__ import annotations

import time

import pytest
import requests

from tests.support.suite import running_suite

from .conftest import PROJECTS, REPO_RULES, admin_get, chat_of, post_message, users, wait_for

ACK_BOUND_S = 2.0   # a database write never waits for functions: generous on a shared machine


@pytest.fixture(scope="module")
def crashy(tmp_path_factory):
    record_dir = tmp_path_factory.mktemp("attempts")
    with running_suite(rules=REPO_RULES, functions_source=PROJECTS / "crashy",
                       env={"RECORD_DIR": str(record_dir)}) as suite:
        yield suite


def _send_all(suite, sender, chat, texts) -> tuple[dict[str, str], list[float]]:
    session = requests.Session()
    ids, acks = {}, []
    for text in texts:
        began = time.monotonic()
        r = post_message(suite, session, sender, chat, text)
        acks.append(time.monotonic() - began)
        assert r.status_code == 200, r.text
        ids[text] = r.json()["name"]
    return ids, acks


def test_crashes_block_nothing_and_notifications_arrive_after_retries(crashy) -> None:
    suite = crashy
    alice, bob = users(suite, 2, prefix="crash")
    chat = chat_of(alice, bob)
    texts = ["first", "raise-twice", "second", "die-once", "poison", "third"]
    ids, acks = _send_all(suite, alice, chat, texts)
    assert max(acks) < ACK_BOUND_S, f"a write waited on the crashing function: {acks}"

    expected = {ids[t]: t for t in texts if t != "poison"}

    got: dict = {}

    def arrived():
        got.update(admin_get(suite, f"notifications/{bob.uid}") or {})
        return set(expected) <= set(got)
    try:
        wait_for(arrived, 60, "the notifications of every message but the poison")
    except AssertionError:
        missing = sorted(expected[k] for k in set(expected) - set(got))
        raise AssertionError(f"no notification for {missing}:\n{suite.output[-6000:]}") from None
    notes = admin_get(suite, f"notifications/{bob.uid}")
    assert {k: v["text"] for k, v in notes.items()} == expected  # poison never, no extras
    assert notes[ids["raise-twice"]]["attempts"] == 3
    # the worker's death may also cut off other events in flight: they are retried too
    assert notes[ids["die-once"]]["attempts"] >= 2
    # the messages themselves are all there, whatever the function did
    stored = admin_get(suite, f"messages/{chat}")
    assert sorted(v["text"] for v in stored.values()) == sorted(texts)


def test_a_poison_message_does_not_delay_the_next_ones(crashy) -> None:
    """Cloud Functions retries a failed event on its own schedule while other events flow;
    here a message after a poison one must be notified long before the poison's retries
    (0.25 + 0.5 + 1 + 2 + 4 s) are exhausted."""
    suite = crashy
    carol, dave = users(suite, 2, prefix="poison")
    chat = chat_of(carol, dave)
    ids, _ = _send_all(suite, carol, chat, ["poison again"])
    time.sleep(0.1)  # the poison is being delivered (and failing) now
    began = time.monotonic()
    ids, _ = _send_all(suite, carol, chat, ["right behind it"])
    wait_for(lambda: (admin_get(suite, f"notifications/{dave.uid}") or {}).get(
        ids["right behind it"]), 20, "the notification after the poison")
    waited = time.monotonic() - began
    assert waited < 3.0, f"the next message waited {waited:.1f} s behind the poison's retries"
