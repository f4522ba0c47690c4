"""Message actions in the chat session (chat_actions.py) over the fake network: a field of a
message changed by a deeper stream path (as Firebase may send it), delete for me at open and
live, an edit's write, a reaction toggled, replies and forwards through the outbox."""

from __future__ import annotations

from messenger_desktop.chat_actions import Quoted
from messenger_desktop.models.message_extras import Forwarded
from messenger_model.push_ids import new_push_id

from tests.unit.conftest import run, until
from tests.unit.test_chat_session import CHAT, close, open_chat, seed


def test_a_deeper_stream_path_changes_one_field(firebase) -> None:
    ids = seed(firebase, 3)

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        await until(lambda: firebase.database.open_streams, what="streams")
        firebase.database.write(f"messages/{CHAT}/{ids[1]}/reactions/you", "👍")
        await until(lambda: chat.model.get(ids[1]).reactions, what="the reaction")
        firebase.database.write(f"messages/{CHAT}/{ids[1]}/text", "changed")
        firebase.database.write(f"messages/{CHAT}/{ids[1]}/editedAt", 5000)
        await until(lambda: chat.model.get(ids[1]).edited_at == 5000, what="the edit")
        firebase.database.write(f"messages/{CHAT}/{ids[1]}/reactions/you", None)
        await until(lambda: not chat.model.get(ids[1]).reactions, what="reaction gone")
        msg = chat.model.get(ids[1])
        await close(chat, outbox, hub)
        return msg

    msg = run(body())
    assert msg.text == "changed" and msg.sender == "you" and msg.ts == 1001.0


def test_delete_for_me_hides_at_open_and_live(firebase) -> None:
    ids = seed(firebase, 4)
    firebase.database.tree["hidden"] = {"me": {CHAT: {ids[0]: True}}}

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        shown_at_open = chat.model.ids()
        await until(lambda: len(firebase.database.open_streams) >= 2, what="streams")
        # another device of mine hides one: it goes here too
        firebase.database.write(f"hidden/me/{CHAT}/{ids[1]}", True)
        await until(lambda: chat.model.get(ids[1]) is None, what="hidden live")
        await chat.actions.hide(ids[2])  # and from this one
        after = chat.model.ids()
        # taken back elsewhere: read again and shown
        firebase.database.write(f"hidden/me/{CHAT}/{ids[1]}", None)
        await until(lambda: chat.model.get(ids[1]) is not None, what="shown again")
        await close(chat, outbox, hub)
        return shown_at_open, after

    shown_at_open, after = run(body())
    assert shown_at_open == ids[1:]
    assert after == [ids[3]]
    assert firebase.database.tree["hidden"]["me"][CHAT] == {ids[0]: True, ids[2]: True}
    assert firebase.database.tree["messages"][CHAT][ids[2]]["text"] == "m2"  # not deleted


def test_edit_react_reply_forward_write_what_the_rules_expect(firebase) -> None:
    seed(firebase, 1)
    mine = new_push_id()
    firebase.database.tree["messages"][CHAT][mine] = {"sender": "me", "text": "typo", "ts": 2e3}

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        theirs = chat.model.message(0).id
        assert chat.actions.last_own().id == mine
        await chat.actions.edit(theirs, "not mine")  # someone else's: nothing is sent
        await chat.actions.edit(mine, "fixed")
        await chat.actions.react(theirs, "👍")
        reacted = chat.model.get(theirs).reactions
        await chat.actions.react(theirs, "👍")  # the same again takes it back
        reply = chat.send("answer", reply_to=theirs)
        [forward] = chat.actions.forward(theirs, ["me_other", "me_other"])
        await until(lambda: not chat.model.get(reply.id).pending, what="reply delivered")
        await until(lambda: not len(outbox), what="forward delivered")
        await close(chat, outbox, hub)
        return theirs, reacted, reply, forward

    theirs, reacted, reply, forward = run(body())
    stored = firebase.database.tree["messages"]
    assert stored[CHAT][theirs]["text"] == "m0" and not stored[CHAT][theirs].get("reactions")
    assert stored[CHAT][mine] == {"sender": "me", "text": "fixed", "ts": 2e3,
                                  "editedAt": firebase.database.now_ms}
    assert reacted == (("me", "👍"),)
    assert stored[CHAT][reply.id]["replyTo"] == theirs
    assert stored["me_other"][forward.id]["forwardedFrom"] == {
        "sender": "you", "chatId": CHAT, "messageId": theirs}
    assert forward.forwarded_from == Forwarded("you", CHAT, theirs)
    assert len(stored["me_other"]) == 1  # one forward per chat, however often it is listed


def test_a_message_with_a_file_is_not_forwarded(firebase) -> None:
    seed(firebase, 1)
    with_file = new_push_id()
    firebase.database.tree["messages"][CHAT][with_file] = {
        "sender": "you", "text": "", "ts": 3e3,
        "attachment": {"path": f"chats/{CHAT}/{with_file}.png", "name": "a.png", "size": 10,
                       "contentType": "image/png"}}

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        assert chat.model.get(with_file).attachment is not None
        sent = chat.actions.forward(with_file, ["me_other"])
        await close(chat, outbox, hub)
        return sent, len(outbox)

    assert run(body()) == ([], 0)
    assert "me_other" not in firebase.database.tree["messages"]


def test_a_quote_of_a_message_not_loaded_is_read_or_deleted(firebase) -> None:
    ids = seed(firebase, 60)  # the first 10 are not on the first page

    async def body():
        chat, outbox, hub = await open_chat(firebase)
        await until(lambda: chat.synced, what="stream")
        first = chat.actions.quoted(ids[0])
        await until(lambda: chat.actions.quoted(ids[0]) != Quoted.LOADING, what="read")
        found = chat.actions.quoted(ids[0])
        gone = chat.actions.quoted("-NoSuchMessage0000000")  # older than the page: read
        await until(lambda: chat.actions.quoted("-NoSuchMessage0000000") != Quoted.LOADING)
        within = chat.actions.quoted("zzz")  # newer than the oldest loaded, not here: deleted
        revealed = await chat.actions.reveal(ids[0])
        await close(chat, outbox, hub)
        return first, found, chat.actions.quoted("-NoSuchMessage0000000"), gone, within, \
            revealed, chat

    first, found, later, gone, within, revealed, chat = run(body())
    assert first == Quoted.LOADING and found.text == "m0"
    assert gone == Quoted.LOADING and later == Quoted.DELETED and within == Quoted.DELETED
    assert revealed and chat.model.get(ids[0]) is not None


def test_delete_for_me_reaches_the_cache_without_waiting_for_the_stream(firebase,
                                                                        tmp_path) -> None:
    """The hide's own answer updates the cache (search, the next first paint); the hidden
    stream's echo may come later, or never (it was not open yet)."""
    from messenger_desktop.chat_session import ChatSession
    from messenger_desktop.firebase.db import Database
    from messenger_desktop.firebase.streams import StreamHub
    from messenger_desktop.outbox import Outbox
    from messenger_desktop.store.message_cache import MessageCache

    from tests.unit.conftest import signed_in

    ids = seed(firebase, 2)
    cache = MessageCache(tmp_path / "c.sqlite3")
    cache.replace_range(CHAT, "", None, firebase.database.tree["messages"][CHAT])
    cache.flush()

    async def body():
        session = await signed_in(firebase)
        db = Database(session)
        hub = StreamHub(firebase.config.database_url, session.id_token,
                        transport=firebase.database.streams)
        outbox = Outbox(db, "me", None)
        chat = ChatSession(CHAT, "you", "me", db, hub, outbox, cache=cache)  # not opened
        await chat.actions.hide(ids[0])
        cache.flush()
        found = [h.id for h in cache.search("m0")]
        chat.close()
        await hub.aclose()
        return found

    assert run(body()) == []
    assert [h.id for h in cache.search("m1")] == [ids[1]]
    cache.close()
