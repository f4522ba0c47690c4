"""Forwarding a picture or a file in the real client over the real suite (issue 16): the
forwarder's copy is uploaded again into each target chat through the upload queue, marked
"Forwarded from", and the receivers see the picture; offline and not on this device, it says
why instead of dropping it."""

from __future__ import annotations

import dataclasses

from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.models.message_extras import Forwarded

from .conftest import Harness, config_for, unique_email
from .test_attachments import _admin_get, _messages, photo
from .test_user_chats import Admin


def _forward_from_menu(harness: Harness, app, row: int, chat_ids: list[str]) -> None:
    """Message menu → Forward… → tick the chats → Forward, as a user does."""
    view = app.window.messenger.chat
    menu = view.message_menu(app.client.current.model.index(row))
    next(a for a in menu.actions() if a.text() == "Forward…").trigger()
    dialog = view.message_actions.forward_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.preview.text().startswith("📎 cat.jpg")
    for chat_id in chat_ids:
        dialog.set_checked(chat_id)
    dialog.send.click()


def test_a_photo_is_forwarded_to_two_chats_and_shown_there(harness: Harness, suite,
                                                           tmp_path) -> None:
    config = config_for(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    vera = harness.signed_in(config, unique_email("vera"), name="vera")
    gleb = harness.signed_in(config, unique_email("gleb"), name="gleb")
    a, b, v, g = (x.client.uid for x in (anna, boris, vera, gleb))
    for uid in (b, v, g):
        harness.until(lambda u=uid: anna.client.chats.row_for_uid(u) is not None, 15, "listed")
    # boris sends anna a photo (chat A)
    boris.open_person(a)
    harness.run(boris.window.messenger.chat.attachments.attach([photo(tmp_path / "cat.jpg")]))
    harness.until(lambda: _messages(boris) and not _messages(boris)[-1].pending, 20, "sent")
    original = _messages(boris)[-1]
    anna.open_person(b)
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(anna)), 20,
                  "anna has it")
    row = next(i for i, m in enumerate(_messages(anna)) if m.attachment)
    # anna forwards it to vera (chat B) and gleb (chat C) through the menu and the dialog
    to_vera, to_gleb = direct_chat_id(a, v), direct_chat_id(a, g)
    _forward_from_menu(harness, anna, row, [to_vera, to_gleb])
    admin = Admin(suite)

    def forwarded(chat: str) -> list[dict]:
        return [m for m in (admin.get(f"messages/{chat}") or {}).values()
                if m.get("forwardedFrom")]

    harness.until(lambda: forwarded(to_vera) and forwarded(to_gleb), 30, "forwarded")
    assert not anna.client.uploads.pending(to_vera) and not anna.client.uploads.pending(to_gleb)
    source = {"sender": b, "chatId": direct_chat_id(a, b), "messageId": original.id}
    paths = set()
    for chat in (to_vera, to_gleb):
        [stored] = forwarded(chat)
        att = stored["attachment"]
        assert stored["sender"] == a and stored["text"] == ""
        assert stored["forwardedFrom"] == source
        # a new object of anna's under the target chat's prefix, with the same bytes
        assert att["path"].startswith(f"chats/{chat}/{a}/")
        assert att["thumb"] == "thumbs/" + att["path"]
        orig = original.attachment
        assert (att["name"], att["size"], att["contentType"], att["width"], att["height"]) \
            == (orig.name, orig.size, orig.content_type, orig.width, orig.height)
        assert _admin_get(suite, att["path"]).content == _admin_get(suite, orig.path).content
        paths.add(att["path"])
    assert len(paths) == 2
    # the receivers see the picture, marked with who wrote it
    for receiver in (vera, gleb):
        receiver.open_person(a)
        harness.until(lambda r=receiver: any(m.attachment for m in _messages(r)), 20, "there")
        got = next(m for m in _messages(receiver) if m.attachment)
        assert got.forwarded_from == Forwarded(b, source["chatId"], original.id)
        parts = receiver.window.messenger.chat.list.bubbles.parts
        boris_title = receiver.client.chats.row_for_uid(b).title
        assert parts.forwarded_text(got) == f"Forwarded from {boris_title}"
        images = receiver.client.images
        harness.until(lambda i=images, m=got: i.thumbnail(m.attachment) is not None, 20,
                      "the picture")
        assert receiver.client.current.chat_id in (to_vera, to_gleb)
        receiver.window.messenger.chat.list.viewport().grab()  # paints: header + picture


def test_offline_without_the_file_it_says_why_and_a_cached_one_waits_and_goes_later(
        harness: Harness, suite, tmp_path) -> None:
    config = config_for(suite)
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    vera = harness.signed_in(config, unique_email("vera"), name="vera")
    # anna's Storage is unreachable (a closed port): the database still works
    offline = dataclasses.replace(config, storage_url="http://127.0.0.1:9")
    email, folder = unique_email("anna"), tmp_path / "anna"
    anna = harness.signed_in(offline, email, name="anna", folder=folder)
    a, b, v = anna.client.uid, boris.client.uid, vera.client.uid
    for uid in (b, v):
        harness.until(lambda u=uid: anna.client.chats.row_for_uid(u) is not None, 15, "listed")
    boris.open_person(a)
    (tmp_path / "notes.txt").write_bytes(b"the plan")
    harness.run(boris.window.messenger.chat.attachments.attach([tmp_path / "notes.txt"]))
    harness.until(lambda: _messages(boris) and not _messages(boris)[-1].pending, 20, "sent")
    anna.open_person(b)
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(anna)), 20,
                  "anna has it")
    msg = next(m for m in _messages(anna) if m.attachment)
    view = anna.window.messenger.chat
    to_vera = direct_chat_id(a, v)
    view.message_actions.forward(msg.id, [to_vera])
    harness.until(lambda: "not on this device" in view.notice.text(), 10, "the notice")
    assert not view.notice.isHidden()
    assert not anna.client.uploads.pending(to_vera)
    # once the file is on this device (Save/Open downloaded it), the forward queues and waits
    cached = anna.client.images.original_file(msg.attachment.path)
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(b"the plan")
    harness.run(view.attachments.forward(msg, [to_vera]))
    [waiting] = anna.client.uploads.pending(to_vera)
    assert waiting.pending and not waiting.failed
    assert waiting.forwarded_from == Forwarded(b, direct_chat_id(a, b), msg.id)
    assert waiting.attachment.path.startswith(f"chats/{to_vera}/{a}/")
    # it survives a restart and goes once Storage is reachable, still marked forwarded
    harness.run(anna.shutdown(), 10)
    again = harness.signed_in(config, email, register=False, name="anna2", folder=folder)
    admin = Admin(suite)

    def arrived() -> list[dict]:
        return [m for m in (admin.get(f"messages/{to_vera}") or {}).values()
                if m.get("attachment")]

    harness.until(arrived, 30, "the queued forward arrives after the restart")
    [stored] = arrived()
    assert stored["forwardedFrom"] == {"sender": b, "chatId": direct_chat_id(a, b),
                                       "messageId": msg.id}
    assert _admin_get(suite, stored["attachment"]["path"]).content == b"the plan"
    assert len(again.client.uploads) == 0
