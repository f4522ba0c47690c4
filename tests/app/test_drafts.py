"""Drafts: text typed in one chat stays in that chat (Enter never sends it to someone else),
and it is still there after quitting and starting again."""

from __future__ import annotations

import json
import stat

from messenger_desktop.models.chat_list import Roles, direct_chat_id
from messenger_desktop.store.drafts import Drafts
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def test_damaged_drafts_file_means_no_drafts(qapp, tmp_path) -> None:
    path = tmp_path / "drafts-me.json"
    path.write_text("{not json", encoding="utf-8")
    drafts = Drafts(path)
    assert drafts.get("a_b") == ""
    drafts.set("a_b", "hello")
    drafts.flush()
    assert json.loads(path.read_text(encoding="utf-8")) == {"a_b": "hello"}
    path.write_text('["a list"]', encoding="utf-8")
    assert Drafts(path).chats() == []


def test_drafts_stay_in_their_chat_and_survive_a_restart(harness: Harness, suite) -> None:
    admin = Admin(suite)
    config = config_for(suite)
    email = unique_email("drafter")
    app = harness.signed_in(config, email, name="drafter")
    me = app.client.uid
    bob, carol = _peer(admin, "DraftyOne"), _peer(admin, "DraftyTwo")
    for uid in (bob, carol):
        harness.until(lambda u=uid: app.client.chats.row_for_uid(u) is not None, what="listed")
    view = app.window.messenger.chat

    app.open_person(bob)
    QTest.keyClicks(view.input, "half a thought for Bob")
    app.open_person(carol)
    assert view.input.toPlainText() == ""  # Bob's text did not follow
    # The list says where text is waiting.
    assert app.client.chats.index_for_uid(bob).data(Roles.Draft) == "half a thought for Bob"
    QTest.keyClicks(view.input, "for Carol")
    QTest.keyClick(view.input, Qt.Key.Key_Return)  # sends Carol's, and only hers
    harness.until(lambda: admin.get(f"messages/{direct_chat_id(me, carol)}"), what="sent")
    sent = admin.get(f"messages/{direct_chat_id(me, carol)}")
    assert [m["text"] for m in sent.values()] == ["for Carol"]
    assert admin.get(f"messages/{direct_chat_id(me, bob)}") is None
    assert view.input.toPlainText() == ""
    assert app.client.chats.index_for_uid(carol).data(Roles.Draft) == ""  # sent: no draft
    app.open_person(bob)
    assert view.input.toPlainText() == "half a thought for Bob"
    assert view.input.textCursor().position() == len("half a thought for Bob")
    QTest.keyClicks(view.input, " (more)")

    # Quit and start again on the same data folder: the draft is back, and private.
    folder = harness.tmp / "drafter"
    harness.run(app.shutdown(), 10)
    file = folder / f"drafts-{me}.json"
    assert json.loads(file.read_text(encoding="utf-8")) == {
        direct_chat_id(me, bob): "half a thought for Bob (more)"}
    assert stat.S_IMODE(file.stat().st_mode) == 0o600
    again = harness.client(config, folder=folder)
    harness.run(again.start())  # stayed signed in: resumes without the form
    harness.until(lambda: again.client is not None, 20, "resumed")
    harness.until(lambda: again.client.chats.row_for_uid(bob) is not None, what="listed")
    assert again.client.chats.index_for_uid(bob).data(Roles.Draft) == (
        "half a thought for Bob (more)")
    again.open_person(bob)
    assert again.window.messenger.chat.input.toPlainText() == "half a thought for Bob (more)"
    again.open_person(carol)
    assert again.window.messenger.chat.input.toPlainText() == ""

    # Signing out leaves nothing typed on screen for the next person.
    again.open_person(bob)
    harness.run(again.sign_out())
    assert again.window.messenger.chat.input.toPlainText() == ""
