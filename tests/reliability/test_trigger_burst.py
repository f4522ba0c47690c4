"""A burst of messages through the real `on_message_written` trigger (functions/), delivered
concurrently by the functions host: every member's derived unread count ends exact, nothing is
lost or counted twice, and the preview shown is the chat's newest message, although many events
race on the same userChats entries (one multi-path update each, prunes on some)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import requests
from messenger_model.previews import latest_preview
from messenger_model.unread import unread_count  # the one definition of the derived count

from tests.support.suite import running_suite

from .conftest import REPO, REPO_RULES, admin_get, chat_of, post_message, users, wait_for

PAIRS = 3
PER_SENDER = 25          # 6 senders x 25 = 150 messages at once, both directions of each chat


@pytest.mark.parametrize("per_sender", [
    PER_SENDER, pytest.param(4 * PER_SENDER, marks=pytest.mark.slow)])
def test_a_burst_leaves_every_unread_counter_exact(per_sender: int) -> None:
    with running_suite(rules=REPO_RULES, functions_source=REPO / "functions") as suite:
        people = users(suite, 2 * PAIRS, prefix="burst")
        chats = {person.uid: chat_of(people[i ^ 1], person) for i, person in enumerate(people)}
        sent: Counter = Counter()          # (receiver uid, chat) -> messages sent to them
        lock = threading.Lock()

        def sender(index: int) -> None:
            me, other = people[index], people[index ^ 1]
            session = requests.Session()
            for n in range(per_sender):
                r = post_message(suite, session, me, chats[me.uid], f"burst {index} {n}")
                assert r.status_code == 200, r.text
                with lock:
                    sent[(other.uid, chats[me.uid])] += 1

        threads = [threading.Thread(target=sender, args=(i,)) for i in range(2 * PAIRS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert sum(sent.values()) == 2 * PAIRS * per_sender

        def newest(chat: str) -> str:
            stored = admin_get(suite, f"messages/{chat}")
            return max(stored, key=lambda key: (stored[key]["ts"], key))

        # every member's entry (the sender's own too) ends with a derived unread count equal
        # to the messages sent to it, as many unreadIds, the chat's newest message as
        # preview and nothing else stored; the writes land one after the other, so this
        # is polled as a whole
        expected = {key: (count, count, newest(key[1]), ["previews", "unreadIds"])
                    for key, count in sent.items()}

        def state() -> dict:
            entries = admin_get(suite, "userChats") or {}
            return {(uid, chat): (unread_count(entry), len(entry.get("unreadIds") or {}),
                                  (latest_preview(entry) or {}).get("id"), sorted(entry))
                    for uid, mine in entries.items() for chat, entry in mine.items()}
        seen: list = []

        def settled() -> bool:
            seen[:] = [state()]
            return seen[0] == expected
        try:
            wait_for(settled, 120, "exact unread counts and previews after the burst")
        except AssertionError:
            wrong = {k: (seen[0].get(k), v) for k, v in expected.items() if seen[0].get(k) != v}
            raise AssertionError(f"(unread, len(unreadIds), preview id, fields) differ, as "
                                 f"(got, expected): {wrong}") from None
