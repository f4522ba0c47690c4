"""Search in the open chat (Ctrl+F) and across all chats, from the local cache, in the real
app against the real suite."""

from __future__ import annotations

import time

import httpx
from messenger_desktop.chat_session import PAGE_SIZE
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import QRect, Qt

from .conftest import Harness, config_for, unique_email

NEEDLES = (5, 100, 190)


def _admin(config) -> dict:
    return {"auth": "owner", "ns": config.project_id}


def _seed(config, chat_id: str, a: str, b: str, count: int, word: str) -> list[str]:
    base = int(time.time() * 1000) - count * 1000
    history = {}
    for i in range(count):
        text = f"{word} number {i}" if i in NEEDLES else f"filler {i}"
        history[new_push_id(base + i * 1000)] = {"sender": a if i % 2 else b, "text": text,
                                                 "ts": base + i * 1000}
    httpx.patch(f"{config.database_url}/userChats/{a}/{chat_id}.json", params=_admin(config),
                json={"readAt": {".sv": "timestamp"}}).raise_for_status()
    httpx.patch(f"{config.database_url}/messages/{chat_id}.json", params=_admin(config),
                json=history).raise_for_status()
    return sorted(history)


def _visible(view, session, message_id: str) -> bool:
    row = session.model.row_of(message_id)
    if row < 0:
        return False
    rect = view.list.visualRect(session.model.index(row))
    return rect.intersects(QRect(0, 0, view.list.viewport().width(),
                                 view.list.viewport().height()))


def test_search_in_chat_reaches_messages_not_loaded(harness: Harness, suite, qtbot) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a, b = alice.client.uid, bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None)
    chat_id = "_".join(sorted((a, b)))
    ids = _seed(config, chat_id, a, b, 4 * PAGE_SIZE, "needle")
    harness.until(lambda: "readAt" in (alice.client._trees.get("chats") or {}).get(chat_id, {}))
    # This device has seen the whole chat once (scrolled through it).
    alice.open_person(b)
    session = alice.client.current
    harness.until(lambda: session.model.rowCount() == PAGE_SIZE and not session.loading)
    while session.has_more:
        harness.run(session.load_older())
    cache = alice.client.cache
    harness.until(lambda: cache.count(chat_id) == 4 * PAGE_SIZE, what="all cached")
    alice.close_chat()
    # Deleted by its sender while this device was not looking.
    httpx.delete(f"{config.database_url}/messages/{chat_id}/{ids[100]}.json",
                 params=_admin(config)).raise_for_status()

    alice.window.resize(1000, 700)
    alice.window.show()
    alice.window.activateWindow()
    harness.until(alice.window.isActiveWindow, what="active window")
    alice.open_person(b)
    session = alice.client.current
    view = alice.window.messenger.chat
    harness.until(lambda: not session.loading and session._synced)
    assert session.model.rowCount() == PAGE_SIZE  # only the newest page is loaded
    qtbot.keyClick(alice.window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    bar = view.search_bar
    assert bar.isVisible() and bar.field.hasFocus()
    qtbot.keyClicks(bar.field, "NEEDL")  # any case, the start of the word
    harness.until(lambda: bar.count.text() == "1 of 3", what="three matches, newest first")
    harness.until(lambda: _visible(view, session, ids[190]))
    assert view.list.bubbles.current_hit == ids[190]
    assert view.list.bubbles.highlight is not None

    qtbot.keyClick(bar.field, Qt.Key.Key_Return)  # older: the deleted one
    # Reaching it loads the chat back (cache at once, then the server's range read), which
    # shows it is gone: dropped from the results.
    harness.until(lambda: bar.count.text() == "2 of 2", what="the deleted match dropped")
    assert session.model.get(ids[100]) is None
    harness.until(lambda: view.list.bubbles.current_hit == ids[5], what="on to the next")
    harness.until(lambda: _visible(view, session, ids[5]), what="the oldest match in view")
    assert session.model.get(ids[5]).text == "needle number 5"
    harness.until(lambda: cache.get(chat_id, ids[100]) is None, what="gone from the cache")
    harness.until(lambda: not bar.older.isEnabled())
    qtbot.keyClick(bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)  # newer
    harness.until(lambda: view.list.bubbles.current_hit == ids[190])
    harness.until(lambda: _visible(view, session, ids[190]))

    # Nothing found, then Esc closes the bar and the marks go.
    bar.field.setText("zebra")
    harness.until(lambda: bar.count.text() == "No results")
    qtbot.keyClick(bar.field, Qt.Key.Key_Escape)
    assert not bar.isVisible()
    assert view.list.bubbles.highlight is None
    assert alice.client.current is session  # the chat stays open


def test_search_all_chats_opens_the_chat_at_the_message(harness: Harness, suite,
                                                        qtbot) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    carol = harness.signed_in(config, unique_email("carol"), name="carol")
    a, b, c = alice.client.uid, bob.client.uid, carol.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b) is not None
                  and alice.client.chats.row_for_uid(c) is not None)
    ab, ac = "_".join(sorted((a, b))), "_".join(sorted((a, c)))
    ab_ids = _seed(config, ab, a, b, 3 * PAGE_SIZE, "walrus")
    _seed(config, ac, a, c, 20, "walrus")
    for other in (b, c):
        alice.open_person(other)
        session = alice.client.current
        harness.until(lambda s=session: s._synced and not s.loading)
        while session.has_more:
            harness.run(session.load_older())
    harness.until(lambda: alice.client.cache.count() == 3 * PAGE_SIZE + 20)
    alice.close_chat()

    alice.window.resize(1000, 700)
    alice.window.show()
    alice.window.activateWindow()
    harness.until(alice.window.isActiveWindow, what="active window")
    qtbot.keyClick(alice.window, Qt.Key.Key_F,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    sidebar = alice.window.messenger.sidebar
    assert sidebar.search.hasFocus()
    qtbot.keyClicks(sidebar.search, "walr")
    results = sidebar.messages
    expected = sum(n < 3 * PAGE_SIZE for n in NEEDLES) + sum(n < 20 for n in NEEDLES)
    harness.until(lambda: results.model.rowCount() == expected, what="results")
    hits = [results.model.hit(r) for r in range(results.model.rowCount())]
    assert [h.ts for h in hits] == sorted((h.ts for h in hits), reverse=True)  # newest first
    chats = alice.client.chats
    assert {results.model.title(h) for h in hits} == {chats.row_for_uid(b).title,
                                                      chats.row_for_uid(c).title}
    assert results.isVisibleTo(alice.window)
    # Nobody is called "walr": Down goes to the first message found (Enter would open it).
    qtbot.keyClick(sidebar.search, Qt.Key.Key_Down)
    assert results.list.hasFocus() and results.list.currentIndex().row() == 0
    # The oldest walrus with bob: not loaded anywhere, far back in the chat.
    target = next(h for h in hits if h.chat_id == ab and h.id == ab_ids[5])
    row = hits.index(target)
    results.list.clicked.emit(results.model.index(row))
    session = alice.client.current
    assert session is not None and session.chat_id == ab
    view = alice.window.messenger.chat
    harness.until(lambda: view.list.bubbles.current_hit == ab_ids[5], what="at the message")
    harness.until(lambda: _visible(view, session, ab_ids[5]), what="scrolled to it")
    assert view.search_bar.isVisible() and view.search_bar.field.text() == "walr"


def test_chats_that_are_not_open_are_cached_in_the_background(harness: Harness,
                                                              suite) -> None:
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    a, b = alice.client.uid, bob.client.uid
    harness.until(lambda: bob.client.chats.row_for_uid(a) is not None)
    chat_id = "_".join(sorted((a, b)))
    bob.open_person(a)
    for text in ("the platypus is here", "a second platypus", "and a third one"):
        bob.client.current.send(text)
    # Alice never opens the chat: its newest page is read into her cache anyway.
    cache = alice.client.cache
    harness.until(lambda: len(cache.search("platyp")) == 2, 15, what="cached unopened")
    assert alice.client.current is None
    # An edit of the newest message and a delete reach it the same way (the preview changes).
    session = bob.client.current
    third = next(m for m in map(session.model.message, range(session.model.rowCount()))
                 if m.text == "and a third one")
    first = next(m for m in map(session.model.message, range(session.model.rowCount()))
                 if m.text == "the platypus is here")
    harness.run(session.delete(first.id))
    url = f"{config.database_url}/messages/{chat_id}/{third.id}.json"
    httpx.patch(url, params={"auth": bob.session.tokens.id_token, "ns": config.project_id},
                json={"text": "and a third platypus", "editedAt": {".sv": "timestamp"}}
                ).raise_for_status()
    harness.until(lambda: {cache.get(chat_id, h.id)["text"] for h in cache.search("platyp")}
                  == {"a second platypus", "and a third platypus"}, 15,
                  what="the edit and the delete cached")
    # Opening it now paints from the cache at once.
    alice.open_person(b)
    model = alice.client.current.model
    assert [model.message(r).text for r in range(model.rowCount())] == [
        "a second platypus", "and a third platypus"]
