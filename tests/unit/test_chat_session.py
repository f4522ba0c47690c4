"""ChatSession owns its chat: pages, the live stream, send, retry and delete."""

from __future__ import annotations

from messenger_desktop.chat_session import PAGE_SIZE, ChatSession
from messenger_desktop.firebase.db import Database
from messenger_desktop.firebase.streams import StreamHub
from messenger_desktop.outbox import Outbox
from messenger_model.push_ids import new_push_id

from tests.unit.conftest import run, signed_in, until

CHAT = "me_you"


async def open_chat(firebase) -> tuple[ChatSession, Outbox, StreamHub]:
    session = await signed_in(firebase)
    db = Database(session)
    hub = StreamHub(firebase.config.database_url, session.id_token,
                    transport=firebase.database.streams)
    outbox = Outbox(db, "me", None)
    outbox.start()
    chat = ChatSession(CHAT, "you", "me", db, hub, outbox)
    await chat.open()
    return chat, outbox, hub


async def close(chat: ChatSession, outbox: Outbox, hub: StreamHub) -> None:
    chat.close()
    outbox.stop()
    await hub.aclose()


def seed(firebase, count: int) -> list[str]:
    ids = [new_push_id() for _ in range(count)]
    firebase.database.tree = {"messages": {CHAT: {
        mid: {"sender": "you", "text": f"m{i}", "ts": 1000.0 + i} for i, mid in enumerate(ids)
    }}}
    return ids


def test_open_shows_the_newest_page_and_then_live_messages(firebase) -> None:
    ids = seed(firebase, PAGE_SIZE + 10)

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        rows = chat.model.rowCount()
        incoming = []
        chat.incoming.connect(incoming.append)
        await until(lambda: firebase.database.open_streams, what="the chat's stream")
        new_id = new_push_id()
        firebase.database.write(f"messages/{CHAT}/{new_id}",
                                {"sender": "you", "text": "live", "ts": 9999.0})
        await until(lambda: incoming, what="the live message")
        await close(chat, outbox, hub)
        return rows, chat, incoming, new_id

    rows, chat, incoming, new_id = run(body())
    assert rows == PAGE_SIZE and chat.has_more
    assert chat.model.oldest_confirmed_id() == ids[10]
    assert incoming[0].id == new_id and incoming[0].text == "live"


def test_send_shows_pending_then_confirmed(firebase) -> None:
    async def body():
        chat, outbox, hub = await open_chat(firebase)
        assert chat.send("   ") is None
        msg = chat.send("hello")
        pending = chat.model.get(msg.id).pending
        await until(lambda: not chat.model.get(msg.id).pending, what="confirmed")
        await close(chat, outbox, hub)
        return msg, pending

    msg, pending = run(body())
    assert pending
    assert firebase.database.tree["messages"][CHAT][msg.id]["text"] == "hello"


def test_retry_sends_a_failed_message_again(firebase) -> None:
    async def body():
        chat, outbox, hub = await open_chat(firebase)
        firebase.database.refused.add("messages")
        msg = chat.send("refused first")
        await until(lambda: chat.model.get(msg.id).failed, what="failed")
        firebase.database.refused.clear()
        chat.retry(msg.id)
        retried = chat.model.get(msg.id)
        await until(lambda: not chat.model.get(msg.id).pending, what="delivered")
        await close(chat, outbox, hub)
        return retried, chat.model.get(msg.id)

    retried, final = run(body())
    assert retried.pending and not retried.failed
    assert not final.pending and not final.failed


def test_delete_confirmed_and_pending_messages(firebase) -> None:
    ids = seed(firebase, 2)

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        await chat.delete(ids[0])
        firebase.database.offline = True
        msg = chat.send("never mind")
        await chat.delete(msg.id)
        left = (chat.model.get(ids[0]), chat.model.get(msg.id), len(outbox))
        firebase.database.offline = False
        await close(chat, outbox, hub)
        return left

    deleted, discarded, queued = run(body())
    assert deleted is None and discarded is None and queued == 0
    assert list(firebase.database.tree["messages"][CHAT]) == [ids[1]]


def test_a_closed_session_ignores_the_outbox(firebase) -> None:
    async def body():
        chat, outbox, hub = await open_chat(firebase)
        chat.close()
        assert chat.send("too late") is None
        outbox.send(CHAT, "from elsewhere")
        rows = chat.model.rowCount()
        outbox.stop()
        await hub.aclose()
        return rows

    assert run(body()) == 0
