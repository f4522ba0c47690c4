"""The outbox against the fake network: order, offline, a lost answer, refusals, restarts."""

from __future__ import annotations

from messenger_desktop.firebase.db import Database
from messenger_desktop.outbox import Outbox

from tests.unit.conftest import run, signed_in, until

CHAT = "me_you"


async def outbox_for(firebase, file=None) -> tuple[Outbox, dict[str, list]]:
    session = await signed_in(firebase)
    outbox = Outbox(Database(session), "me", file, lambda: 1.0)
    seen: dict[str, list] = {"added": [], "delivered": [], "failed": []}
    for name, items in seen.items():
        getattr(outbox, name).connect(lambda chat, msg, items=items: items.append(msg))
    outbox.start()
    return outbox, seen


def test_messages_are_delivered_in_order_with_the_server_time(firebase) -> None:
    async def body():
        outbox, seen = await outbox_for(firebase)
        first = outbox.send(CHAT, "one")
        second = outbox.send(CHAT, "two")
        await until(lambda: len(seen["delivered"]) == 2, what="both delivered")
        outbox.stop()
        return first, second, seen

    first, second, seen = run(body())
    assert first.pending and [m.id for m in seen["added"]] == [first.id, second.id]
    assert [m.id for m in seen["delivered"]] == [first.id, second.id]
    assert not any(m.pending for m in seen["delivered"])
    stored = firebase.database.tree["messages"][CHAT]
    assert stored[first.id] == {"sender": "me", "text": "one", "ts": firebase.database.now_ms}
    assert firebase.database.tree["chats"][CHAT]["members"] == {"me": True, "you": True}


def test_offline_messages_wait_and_go_when_the_connection_is_back(firebase, tmp_path) -> None:
    async def body():
        outbox, seen = await outbox_for(firebase, tmp_path / "outbox.json")
        firebase.database.offline = True
        msg = outbox.send(CHAT, "typed offline")
        tried = len(firebase.transport.requests)
        await until(lambda: len(firebase.transport.requests) > tried, what="an attempt")
        waiting = len(outbox)
        firebase.database.offline = False
        outbox.wake()
        await until(lambda: seen["delivered"], what="delivered after reconnecting")
        outbox.stop()
        return msg, waiting, seen

    msg, waiting, seen = run(body())
    assert waiting == 1 and seen["failed"] == []
    assert seen["delivered"][0].id == msg.id


def test_a_lost_answer_does_not_duplicate_or_fail(firebase) -> None:
    async def body():
        outbox, seen = await outbox_for(firebase)
        firebase.database.offline = True
        msg = outbox.send(CHAT, "once")
        # The first PUT reached the server; only its answer was lost.
        firebase.database.write(f"messages/{CHAT}/{msg.id}",
                                {"sender": "me", "text": "once", "ts": 5.0})
        firebase.database.offline = False
        outbox.wake()
        await until(lambda: seen["delivered"] or seen["failed"], what="an outcome")
        outbox.stop()
        return msg, seen

    msg, seen = run(body())
    assert seen["failed"] == [] and seen["delivered"][0].ts == 5.0
    assert list(firebase.database.tree["messages"][CHAT]) == [msg.id]


def test_a_refused_message_is_marked_and_can_be_retried(firebase) -> None:
    async def body():
        outbox, seen = await outbox_for(firebase)
        firebase.database.refused.add("messages")
        msg = outbox.send(CHAT, "refused")
        await until(lambda: seen["failed"], what="failed")
        kept = len(outbox)
        firebase.database.refused.clear()
        outbox.retry(msg.id)
        await until(lambda: seen["delivered"], what="delivered on retry")
        outbox.stop()
        return kept, seen

    kept, seen = run(body())
    assert kept == 1 and seen["failed"][0].failed == "The server refused this message."
    assert not seen["delivered"][0].failed


def test_the_queue_survives_a_restart(firebase, tmp_path) -> None:
    file = tmp_path / "outbox.json"

    async def body():
        outbox, _ = await outbox_for(firebase, file)
        firebase.database.offline = True
        msg = outbox.send(CHAT, "survives")
        outbox.stop()
        firebase.database.offline = False
        again, seen = await outbox_for(firebase, file)
        pending = [m.id for m in again.pending(CHAT)]
        await until(lambda: seen["delivered"], what="delivered after the restart")
        again.stop()
        return msg, pending, again

    msg, pending, again = run(body())
    assert pending == [msg.id] and len(again) == 0
    assert (file.stat().st_mode & 0o777) == 0o600
