"""A closed chat is freed: its session, its rows and its listeners go with it.

The 10-minute soak (bench.client_soak) found the app keeping every chat it had ever opened:
about 6 MB a round, a full copy of a long chat's rows each time it was opened again. Nothing
Python's collector could see held them: a Qt connection did (a slot on the session's own
signal whose closure held the session), so the cycle ran through C++. This opens and closes
chats through the window, as a person does, and checks with weak references that every closed
session and model is collectable.
"""

from __future__ import annotations

import gc
import weakref

from .conftest import Harness, config_for, unique_email


def test_closed_chats_are_freed(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    carol = harness.signed_in(config, unique_email("carol"), name="carol")
    b, c = bob.client.uid, carol.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None
                  and alice.client.chats.row_for_uid(c) is not None, what="people listed")

    closed: list[tuple[str, weakref.ref]] = []
    for round_ in range(3):
        for peer in (b, c):
            alice.open_person(peer)
            session = alice.client.current
            harness.until(lambda s=session: s.synced, what="chat open")  # noqa: B023
            session.send(f"hello {round_}")
            harness.until(lambda s=session: s.model.rowCount() >= round_ + 1  # noqa: B023
                          and not s.model.message(s.model.rowCount() - 1).pending,
                          what="sent")
            for name, obj in (("session", session), ("model", session.model),
                              ("actions", session.actions), ("live", alice.client.live)):
                closed.append((f"{name} of round {round_}", weakref.ref(obj)))
            alice.close_chat()
            del session, obj  # the test's own references
    alice.open_person(b)  # one open chat: the ones before it are closed
    harness.until(lambda: alice.client.current.synced, what="chat open")

    def alive() -> list[str]:
        gc.collect()
        return [name for name, ref in closed if ref() is not None]

    # The chats' live state goes by deleteLater, on a later turn of the event loop.
    try:
        harness.until(lambda: not alive(), 5, "closed chats freed")
    finally:
        assert alive() == [], f"closed chats still alive: {alive()}"
