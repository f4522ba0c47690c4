"""Which incoming messages the signed-in client notifies (streams from the fake network)."""

from __future__ import annotations

import asyncio

import pytest
from messenger_desktop import client as client_module
from messenger_desktop.client import MessengerClient

from tests.unit.conftest import run, signed_in, until

CHAT = "me_you"


def entry(*messages: tuple[str, float], preview: bool = True, text: str = "") -> dict:
    """A userChats entry as the trigger writes it: the unread ids, and the newest preview."""
    value: dict = {"unreadIds": {mid: ts for mid, ts in messages}}
    if preview and messages:
        mid, ts = messages[-1]
        value["lastMessage"] = {"id": mid, "sender": "you", "text": text or mid, "ts": ts}
    return value


async def signed_in_client(firebase) -> tuple[MessengerClient, list]:
    session = await signed_in(firebase)
    client = MessengerClient(session, stream_transport=firebase.database.streams)
    shown: list = []
    client.message_notification.connect(lambda *args: shown.append(args))
    client.start()
    # users, status, my chats, my privacy
    await until(lambda: len(firebase.database.open_streams) == 4, what="four streams")
    await until(lambda: client.chats.row_for_chat(CHAT) is not None, what="the chat row")
    return client, shown


@pytest.fixture
def firebase(firebase, qapp):
    firebase.database.tree = {
        "users": {"you": {"email": "you@example.com", "displayName": "You"}},
        "userChats": {"me": {CHAT: entry(("old", 1.0))}},
        "messages": {CHAT: {"late": {"sender": "you", "text": "read from the message",
                                     "ts": 3.0}}},
    }
    return firebase


def test_a_new_message_is_notified_once_and_old_ones_not(firebase) -> None:
    async def body():
        client, shown = await signed_in_client(firebase)
        firebase.database.write(f"userChats/me/{CHAT}", entry(("old", 1.0), ("new", 2.0),
                                                               text="hello"))
        await until(lambda: shown, what="a notification")
        firebase.database.write(f"userChats/me/{CHAT}/readAt", 0.5)  # the same ids again
        await asyncio.sleep(0.05)
        await client.stop(mark_offline=False)
        return shown

    assert run(body()) == [(CHAT, "You", "hello")]


def test_the_preview_arriving_second_is_waited_for(firebase) -> None:
    async def body():
        client, shown = await signed_in_client(firebase)
        firebase.database.write(f"userChats/me/{CHAT}/unreadIds/new", 2.0)
        await asyncio.sleep(0.05)
        before = list(shown)
        firebase.database.write(f"userChats/me/{CHAT}/lastMessage",
                                {"id": "new", "sender": "you", "text": "second write",
                                 "ts": 2.0})
        await until(lambda: shown, what="a notification")
        await client.stop(mark_offline=False)
        return before, shown

    before, shown = run(body())
    assert before == [] and shown == [(CHAT, "You", "second write")]


def test_a_preview_that_never_comes_is_read_from_the_message(firebase, monkeypatch) -> None:
    monkeypatch.setattr(client_module, "PREVIEW_WAIT_S", 0.05)

    async def body():
        client, shown = await signed_in_client(firebase)
        firebase.database.write(f"userChats/me/{CHAT}/unreadIds/late", 3.0)
        await until(lambda: shown, what="a notification")
        await client.stop(mark_offline=False)
        return shown

    assert run(body()) == [(CHAT, "You", "read from the message")]


def test_a_message_read_elsewhere_first_is_not_notified(firebase) -> None:
    async def body():
        client, shown = await signed_in_client(firebase)
        firebase.database.write(f"userChats/me/{CHAT}/unreadIds/new", 2.0)
        firebase.database.write(f"userChats/me/{CHAT}/readAt", 5.0)  # read on another device
        await asyncio.sleep(0.1)
        await client.stop(mark_offline=False)
        return shown

    assert run(body()) == []
