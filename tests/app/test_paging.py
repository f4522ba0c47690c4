"""A long chat opens with its newest page; older pages load on scroll; the model stays small."""

from __future__ import annotations

import time

import httpx
from messenger_desktop.chat_session import PAGE_SIZE
from messenger_desktop.views.chat_view import LOAD_OLDER_AT_PX
from messenger_model.push_ids import new_push_id

from .conftest import Harness, config_for, unique_email


def test_pages_in_older_messages_on_scroll(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a, b = alice.client.uid, bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None)
    chat_id = "_".join(sorted((a, b)))
    total = 2 * PAGE_SIZE + 20
    base = int(time.time() * 1000) - total * 1000
    history = {
        new_push_id(base + i * 1000): {"sender": a if i % 2 else b, "text": f"old {i}",
                                       "ts": base + i * 1000}
        for i in range(total)
    }
    # Read up to now: the seeded history (all in the past) is not unread, so opening shows
    # the newest page (with unread messages it would read back to the first of them).
    httpx.patch(f"{config.database_url}/userChats/{a}/{chat_id}.json",
                params={"auth": "owner", "ns": config.project_id},
                json={"readAt": {".sv": "timestamp"}}).raise_for_status()
    # Seeded by the admin (as an import would), straight over REST.
    httpx.patch(f"{config.database_url}/messages/{chat_id}.json",
                params={"auth": "owner", "ns": config.project_id}, json=history).raise_for_status()

    harness.until(lambda: "readAt" in (alice.client._trees.get("chats") or {}).get(chat_id, {}),
                  what="read mark seen")
    alice.open_person(b)
    session = alice.client.current
    harness.until(lambda: session.model.rowCount() == PAGE_SIZE, what="newest page")
    texts = [session.model.message(r).text for r in range(PAGE_SIZE)]
    assert texts == [f"old {i}" for i in range(total - PAGE_SIZE, total)]
    assert session.has_more

    view = alice.window.messenger.chat
    bar = view.list.verticalScrollBar()

    def scroll_to_top() -> None:
        # As a reader would: from where the view keeps them (rows added above keep what
        # was on screen in place, so the bar moves down) up to the top again.
        harness.until(lambda: bar.value() > LOAD_OLDER_AT_PX, what="view anchored")
        bar.setValue(0)

    scroll_to_top()  # the page before loads
    harness.until(lambda: session.model.rowCount() == 2 * PAGE_SIZE, what="second page")
    scroll_to_top()
    harness.until(lambda: session.model.rowCount() == total, what="last page")
    harness.until(lambda: not session.has_more and not session.loading)
    assert [session.model.message(r).text for r in range(total)] == [
        f"old {i}" for i in range(total)
    ]
    # The live stream now covers the older pages too: deleting the oldest shows everywhere.
    oldest = session.model.message(1)  # index 1 is Alice's ("old 1")
    assert oldest.sender == a
    harness.run(session.delete(oldest.id))
    bob.open_person(a)
    harness.until(lambda: bob.client.current.model.rowCount() == PAGE_SIZE)
    httpx.delete(f"{config.database_url}/messages/{chat_id}/{session.model.message(0).id}.json",
                 params={"auth": "owner", "ns": config.project_id}).raise_for_status()
    harness.until(lambda: session.model.rowCount() == total - 2, what="remote delete of old row")
