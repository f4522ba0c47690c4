"""The local message cache in the real app against the real suite: a chat paints from it at
once (also with the server gone), then settles with the server (deleted meanwhile: gone;
edited meanwhile: the new text), and edits, deletes and sends reach it live."""

from __future__ import annotations

import time

import httpx
from messenger_desktop.chat_session import PAGE_SIZE
from messenger_model.push_ids import new_push_id

from tests.support.suite import running_suite

from .conftest import RULES, Harness, config_for, unique_email


def _admin(config) -> dict:
    return {"auth": "owner", "ns": config.project_id}


def _pair(harness: Harness, config):
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a, b = alice.client.uid, bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None)
    return alice, bob, a, b, "_".join(sorted((a, b)))


def _seed(config, chat_id: str, a: str, b: str, count: int, a_uid_reads: bool = True) -> list[str]:
    base = int(time.time() * 1000) - count * 1000
    history = {new_push_id(base + i * 1000): {"sender": a if i % 2 else b,
                                              "text": f"history {i}", "ts": base + i * 1000}
               for i in range(count)}
    httpx.patch(f"{config.database_url}/userChats/{a}/{chat_id}.json", params=_admin(config),
                json={"readAt": {".sv": "timestamp"}}).raise_for_status()
    httpx.patch(f"{config.database_url}/messages/{chat_id}.json", params=_admin(config),
                json=history).raise_for_status()
    return sorted(history)


def _texts(session) -> list[str]:
    return [session.model.message(r).text for r in range(session.model.rowCount())]


def test_paints_from_the_cache_then_settles_with_the_server(harness: Harness, suite) -> None:
    config = config_for(suite)
    alice, _bob, a, b, chat_id = _pair(harness, config)
    ids = _seed(config, chat_id, a, b, PAGE_SIZE + 10)
    harness.until(lambda: "readAt" in (alice.client._trees.get("chats") or {}).get(chat_id, {}))
    alice.open_person(b)
    first = alice.client.current
    harness.until(lambda: first.model.rowCount() == PAGE_SIZE and not first.loading)
    cache = alice.client.cache
    harness.until(lambda: cache.count(chat_id) == PAGE_SIZE, what="the page cached")
    alice.close_chat()

    # While the chat is closed: one message deleted, one edited (as their sender would).
    gone, edited = ids[-3], ids[-5]
    url = f"{config.database_url}/messages/{chat_id}"
    httpx.delete(f"{url}/{gone}.json", params=_admin(config)).raise_for_status()
    httpx.patch(f"{url}/{edited}.json", params=_admin(config),
                json={"text": "edited while away", "editedAt": {".sv": "timestamp"}}
                ).raise_for_status()

    alice.open_person(b)
    session = alice.client.current
    # At once, before any answer: the cached page (still with the deleted message).
    assert session.model.rowCount() == PAGE_SIZE
    assert session.model.get(gone) is not None
    view = alice.window.messenger.chat
    assert view.list.isVisibleTo(alice.window) and not view.empty.isVisibleTo(alice.window)
    # Then the server's answer settles it.
    harness.until(lambda: session.model.get(gone) is None, what="the deleted one goes")
    harness.until(lambda: session.model.get(edited).text == "edited while away",
                  what="the edited text")
    assert _texts(session)[-1] == f"history {PAGE_SIZE + 9}"
    harness.until(lambda: cache.get(chat_id, gone) is None, what="gone from the cache")
    assert [h.id for h in cache.search("edited while away")] == [edited]

    # Live: an edit (a change below the message) and a delete reach the cache.
    harness.until(lambda: session._synced, what="the stream")
    httpx.patch(f"{url}/{ids[-1]}.json", params=_admin(config),
                json={"text": "second thoughts", "editedAt": {".sv": "timestamp"}}
                ).raise_for_status()
    httpx.delete(f"{url}/{ids[-2]}.json", params=_admin(config)).raise_for_status()
    harness.until(lambda: [h.id for h in cache.search("second thoughts")] == [ids[-1]],
                  what="a live edit cached")
    assert cache.get(chat_id, ids[-1])["editedAt"] > 0
    harness.until(lambda: cache.get(chat_id, ids[-2]) is None, what="a live delete cached")
    # And what I send, once the server has it.
    session.send("sent from here")
    harness.until(lambda: [cache.get(chat_id, h.id)["sender"]
                           for h in cache.search("sent from here")] == [a],
                  what="my message cached")

    # Older pages are cached as they load, and the older page of a reopened chat comes
    # from the cache at once.
    harness.run(session.load_older())
    harness.until(lambda: cache.count(chat_id) >= PAGE_SIZE + 6, what="older page cached")
    assert cache.complete_from(chat_id) == ""  # the whole chat is known now


def test_opens_from_the_cache_with_the_server_gone(harness: Harness, tmp_path) -> None:
    with running_suite(rules=RULES, data_dir=tmp_path / "data") as suite:
        config = config_for(suite)
        alice, bob, a, b, chat_id = _pair(harness, config)
        bob.open_person(a)
        for text in ("one", "two", "three"):
            bob.client.current.send(text)
        alice.open_person(b)
        harness.until(lambda: _texts(alice.client.current) == ["one", "two", "three"])
        harness.until(lambda: alice.client.cache.count(chat_id) == 3, what="cached")
        alice.close_chat()

        suite.kill()
        suite.wait_port_free()
        harness.until(lambda: not alice.client.hub.connected, what="alice notices")
        alice.open_person(b)
        session = alice.client.current
        assert _texts(session) == ["one", "two", "three"]  # painted with no server at all
        view = alice.window.messenger.chat
        assert view.list.isVisibleTo(alice.window)
        harness.qtbot.wait(300)
        assert _texts(session) == ["one", "two", "three"]  # and it stays
        # Search works offline too (it never asks the server).
        found = harness.run(session.search("TWO"))
        assert [session.model.get(i).text for i in found] == ["two"]
        hits = harness.run(alice.client.search("thr"))
        assert [(h.chat_id, h.snippet) for h in hits] == [(chat_id, "\x02three\x03")]

        suite.restart()
        harness.until(lambda: session._synced, 20, what="back in sync")
        bob.client.current.send("four")
        harness.until(lambda: _texts(session) == ["one", "two", "three", "four"])


def test_a_damaged_cache_file_is_set_aside_at_sign_in(harness: Harness, suite,
                                                      tmp_path) -> None:
    config = config_for(suite)
    email = unique_email("damaged")
    folder = tmp_path / "mine"
    me = harness.signed_in(config, email, folder=folder)
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    b = bob.client.uid
    harness.until(lambda: me.client.chats.row_for_uid(b) is not None)
    me.open_person(b)
    me.client.current.send("before the damage")
    harness.until(lambda: me.client.cache.count() == 1, what="cached")
    file = next(folder.glob("cache-*.sqlite3"))
    harness.run(me.sign_out())
    file.write_bytes(b"\x00garbage" * 4096)  # e.g. a disk error, or another program
    login = me.window.login
    login.email.setText(email)
    login.password.setText("correct horse battery")
    login.submit.click()
    harness.until(lambda: me.client is not None, 20, "signed in again")
    me.open_person(b)
    session = me.client.current
    harness.until(lambda: [session.model.message(r).text
                           for r in range(session.model.rowCount())] == ["before the damage"],
                  what="the chat from the server")
    harness.until(lambda: me.client.cache.count() == 1, what="cached again")
    assert list(folder.glob("cache-*.sqlite3.corrupt-*"))
