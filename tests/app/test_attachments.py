"""Pictures and files in the real app over the real suite (Storage emulator, rules, the
thumbnail function): attach by button / drop / paste, EXIF rotation and location, progress,
cancel, retry, the offline queue, thumbnails, the viewer, Open/Save, a deleted object, limits
(issue 17)."""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path

import requests
from messenger_desktop.attachments.storage_api import NotAvailable
from messenger_desktop.models.messages import Message
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QGuiApplication, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from .conftest import Harness, config_for, unique_email

GPS_IFD = 0x8825


def photo(path: Path, width: int = 800, height: int = 400, orientation: int = 6) -> Path:
    """A JPEG whose EXIF says "rotate 90° clockwise" and carries a location."""
    img = Image.new("RGB", (width, height), (200, 30, 30))
    img.paste((0, 0, 255), (0, 0, width // 2, height // 4))
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    exif[GPS_IFD] = {1: "N", 2: (59.0, 56.0, 0.0), 3: "E", 4: (30.0, 18.0, 0.0)}
    img.save(path, "JPEG", exif=exif.tobytes())
    with Image.open(path) as check:
        assert GPS_IFD in check.getexif()  # the fixture really has a location
    return path


def _messages(app) -> list[Message]:
    session = app.client.current
    if session is None:
        return []
    return [session.model.message(r) for r in range(session.model.rowCount())]


def _pair(harness: Harness, suite, **config_changes):
    config = dataclasses.replace(config_for(suite), **config_changes)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config_for(suite), unique_email("bob"), name="bob")
    a_uid, b_uid = alice.client.uid, bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b_uid) is not None, what="bob listed")
    harness.until(lambda: bob.client.chats.row_for_uid(a_uid) is not None, what="alice listed")
    alice.open_person(b_uid)
    bob.open_person(a_uid)
    return alice, bob


def _admin_get(suite, path: str) -> requests.Response:
    bucket = f"{suite.project_id}.appspot.com"
    quoted = requests.utils.quote(path, safe="")
    return requests.get(f"{suite.storage_url}/v0/b/{bucket}/o/{quoted}",
                        params={"alt": "media"}, headers={"Authorization": "Bearer owner"},
                        timeout=10)


def test_a_photo_goes_upright_without_its_location_and_shows_at_the_other_end(
        harness: Harness, suite, tmp_path) -> None:
    alice, bob = _pair(harness, suite)
    view = alice.window.messenger.chat
    harness.run(view.attachments.attach([photo(tmp_path / "holiday.jpg")]))
    harness.until(lambda: _messages(alice) and not _messages(alice)[-1].pending, 20, "sent")
    sent = _messages(alice)[-1]
    att = sent.attachment
    assert att is not None and sent.text == ""
    assert (att.name, att.content_type, att.width, att.height) == ("holiday.jpg", "image/jpeg",
                                                                   400, 800)
    assert att.path.startswith(f"chats/{alice.client.current.chat_id}/{alice.client.uid}/")
    assert att.thumb == "thumbs/" + att.path
    # what is stored: upright pixels, no orientation, no location, the rest of EXIF kept
    stored = _admin_get(suite, att.path)
    assert stored.status_code == 200
    with Image.open(io.BytesIO(stored.content)) as img:
        exif = img.getexif()
        assert img.size == (400, 800) and GPS_IFD not in exif and 0x0112 not in exif
        assert exif.get(0x010F) == "TestCam"
    # the other side: the bubble, then its thumbnail (made by the function), decoded
    harness.until(lambda: any(m.attachment for m in _messages(bob)), 20, "bob has it")
    got = next(m for m in _messages(bob) if m.attachment)
    images = bob.client.images
    harness.until(lambda: images.thumbnail(got.attachment) is not None, 20, "thumbnail")
    thumb = images.thumbnail(got.attachment)
    assert (thumb.width(), thumb.height()) == (130, 260)  # 400x800 fitted into 260
    assert images.memory_bytes() >= thumb.sizeInBytes()
    # a click on the picture opens the viewer with the original
    bview = bob.window.messenger.chat
    harness.until(lambda: bview.list.isVisible(), what="list shown")
    bview.list.scrollToBottom()
    QApplication.processEvents()
    center = _part_center(bview, got)
    harness.do(lambda: QTest.mouseClick(bview.list.viewport(), Qt.MouseButton.LeftButton,
                                        Qt.KeyboardModifier.NoModifier, center))
    harness.until(lambda: bview.attachments.viewer is not None, what="viewer open")
    viewer = bview.attachments.viewer
    harness.until(lambda: viewer.image is not None, 20, "viewer loaded the original")
    assert (viewer.image.width(), viewer.image.height()) == (400, 800)
    viewer.reject()


def _part_center(view, msg: Message) -> QPoint:
    model = view.session.model
    index = model.index(model.row_of(msg.id))
    return view.list.bubbles.part_rect(view.list.visualRect(index), index,
                                       view.list.font()).center()


def test_a_file_is_saved_and_opened_and_a_deleted_one_says_so(harness: Harness, suite,
                                                                tmp_path) -> None:
    alice, bob = _pair(harness, suite)
    data = b"%PDF-1.4 " + bytes(range(256)) * 400
    (tmp_path / "report.pdf").write_bytes(data)
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "report.pdf"]))
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(bob)), 20,
                  "bob has the file")
    got = next(m for m in _messages(bob) if m.attachment)
    assert got.attachment.name == "report.pdf" and got.attachment.size == len(data)
    assert got.attachment.thumb == "" and not got.attachment.is_image
    controller = bob.window.messenger.chat.attachments
    target = tmp_path / "saved.pdf"
    assert harness.run(controller.save_to(got.attachment, target))
    assert target.read_bytes() == data
    # the object is deleted (its sender deleted it; here: the admin) but the message stays
    bucket = f"{suite.project_id}.appspot.com"
    path = got.attachment.path
    gone = dataclasses.replace(got.attachment, path=path.rsplit("/", 1)[0] + "/-gone.pdf")
    r = requests.delete(f"{suite.storage_url}/v0/b/{bucket}/o/"
                        f"{requests.utils.quote(path, safe='')}",
                        headers={"Authorization": "Bearer owner"}, timeout=10)
    assert r.status_code == 204
    # downloaded before: still opens from the cache; never downloaded: "no longer available"
    assert harness.run(controller.save_to(got.attachment, tmp_path / "again.pdf"))
    assert not harness.run(controller.save_to(gone, tmp_path / "never.pdf"))
    assert gone.path in bob.client.images.missing
    view = bob.window.messenger.chat
    harness.until(lambda: view.notice.isVisible(), what="the notice")
    assert "no longer available" in view.notice.text()
    try:
        harness.run(bob.client.images.original(gone))
        raise AssertionError("a deleted object downloaded")
    except NotAvailable:
        pass
    view.list.viewport().grab()  # painting a missing file does not crash


def test_limits_refused_types_and_a_server_refusal_with_retry(harness: Harness, suite,
                                                              tmp_path) -> None:
    # A configured limit below the rules' (1 KB), checked before uploading.
    alice, _bob = _pair(harness, suite, attachment_max_bytes=1024)
    view = alice.window.messenger.chat
    (tmp_path / "big.bin").write_bytes(b"x" * 2048)
    (tmp_path / "page.html").write_bytes(b"<script>alert(1)</script>")
    harness.run(view.attachments.attach([tmp_path / "big.bin", tmp_path / "page.html"]))
    assert "at most 1.0 KB" in view.notice.text() and "refused" in view.notice.text()
    assert not any(m.attachment for m in _messages(alice))
    assert len(alice.client.uploads) == 0


def test_the_server_s_limit_fails_an_upload_that_can_be_retried_or_cancelled(
        harness: Harness, suite, tmp_path) -> None:
    # The app allows more than the rules (30 MB): the server's 403 marks the upload failed.
    alice, bob = _pair(harness, suite, attachment_max_bytes=30 * 1024 * 1024)
    (tmp_path / "huge.bin").write_bytes(b"\0" * (25 * 1024 * 1024 + 1))
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "huge.bin"]))
    harness.until(lambda: _messages(alice) and _messages(alice)[-1].failed, 30, "refused")
    msg = _messages(alice)[-1]
    assert "refused" in msg.failed and msg.pending
    alice.client.current.retry(msg.id)
    harness.until(lambda: _messages(alice)[-1].failed, 30, "refused again")
    assert alice.client.uploads.cancel(msg.id)
    assert _messages(alice) == [] and len(alice.client.uploads) == 0
    assert not any(m.attachment for m in _messages(bob))


def test_offline_uploads_wait_survive_a_restart_and_cancel(harness: Harness, suite,
                                                           tmp_path) -> None:
    config = config_for(suite)
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    folder = tmp_path / "alice"
    email = unique_email("alice")
    # Storage unreachable (a closed port): the uploads wait, shown as pending
    offline = dataclasses.replace(config, storage_url="http://127.0.0.1:9")
    alice = harness.signed_in(offline, email, name="alice", folder=folder)
    b_uid = bob.client.uid
    harness.until(lambda: alice.client.chats.row_for_uid(b_uid) is not None, what="listed")
    alice.open_person(b_uid)
    (tmp_path / "a.txt").write_bytes(b"first")
    (tmp_path / "b.txt").write_bytes(b"second")
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "a.txt",
                                                                tmp_path / "b.txt"]))
    rows = _messages(alice)
    assert [m.attachment.name for m in rows] == ["a.txt", "b.txt"]
    assert all(m.pending and not m.failed for m in rows)
    assert alice.client.uploads.fraction(rows[0].id) == 0.0
    alice.window.messenger.chat.list.viewport().grab()  # progress bars paint
    # cancel one: gone, nothing sent
    assert alice.client.uploads.cancel(rows[1].id)
    assert [m.attachment.name for m in _messages(alice)] == ["a.txt"]
    harness.run(alice.shutdown(), 10)
    # the sources may go away: the queue holds its own copies
    (tmp_path / "a.txt").unlink()
    again = harness.signed_in(config, email, register=False, name="alice2", folder=folder)
    harness.until(lambda: again.client.chats.row_for_uid(b_uid) is not None, what="listed")
    again.open_person(b_uid)
    bob.open_person(again.client.uid)
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(bob)), 30,
                  "the queued file arrives after the restart")
    assert [m.attachment.name for m in _messages(bob) if m.attachment] == ["a.txt"]
    assert len(again.client.uploads) == 0


def test_drop_and_paste_attach(harness: Harness, suite, tmp_path) -> None:
    alice, bob = _pair(harness, suite)
    view = alice.window.messenger.chat
    # drop two files on the chat
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_bytes(name.encode())
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / n)) for n in ("one.txt", "two.txt")])
    enter = QDragEnterEvent(QPoint(20, 20), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, enter)  # Qt delivers a drop only to the drag's target
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view, drop)
    harness.until(lambda: len([m for m in _messages(alice) if m.attachment]) == 2,
                  what="the dropped files queued")
    # paste a picture into the input
    image = QImage(64, 48, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.green)
    QGuiApplication.clipboard().setImage(image)
    view.input.setFocus()
    harness.do(lambda: QTest.keyClick(view.input, Qt.Key.Key_V,
                                      Qt.KeyboardModifier.ControlModifier))
    assert view.input.toPlainText() == ""  # the picture did not become text
    harness.until(lambda: len([m for m in _messages(bob) if m.attachment]) == 3, 30,
                  "three attachments at bob")
    names = [m.attachment.name for m in _messages(bob) if m.attachment]
    assert names[:2] == ["one.txt", "two.txt"] and names[2].endswith(".png")
    pasted = [m for m in _messages(bob) if m.attachment][2].attachment
    assert (pasted.width, pasted.height, pasted.content_type) == (64, 48, "image/png")


def test_the_port_check_knows_storage() -> None:
    from messenger_desktop.config import emulator_config
    from messenger_desktop.firebase.emulator import EmulatorLauncher, suite_ports

    repo = Path(__file__).resolve().parents[2]
    assert suite_ports(repo / "firebase.json")["storage"] == 9199
    assert EmulatorLauncher(repo / "x", repo / "firebase.json").ports["storage"] == 9199
    assert emulator_config().storage_url == "http://127.0.0.1:9199"
    assert emulator_config().bucket == "demo-messenger.appspot.com"


def test_a_profile_picture_is_set_shown_to_others_and_removed(harness: Harness, suite,
                                                              tmp_path) -> None:
    from messenger_desktop.views import avatar

    alice, bob = _pair(harness, suite)
    a_uid = alice.client.uid
    photo(tmp_path / "me.jpg", 600, 300)  # rotated by EXIF, with a location
    alice.open_profile()
    dialog = alice.profile_dialog
    assert dialog is not None and not dialog.remove_picture.isEnabled()
    dialog.picture_chosen.emit(str(tmp_path / "me.jpg"))
    harness.until(lambda: dialog.picture is not None, 20, "my picture in the dialog")
    assert dialog.remove_picture.isEnabled()
    path = alice.client.avatars.path_of(a_uid)
    assert path.startswith(f"avatars/{a_uid}/") and path.endswith(".jpg")
    stored = _admin_get(suite, path)
    with Image.open(io.BytesIO(stored.content)) as img:
        assert img.size == (256, 256) and GPS_IFD not in img.getexif()
    # bob's client streams users/{alice}/avatar and paints the picture as her avatar
    harness.until(lambda: bob.client.avatars.image_of(a_uid) is not None, 20, "at bob")
    harness.until(lambda: avatar._pictures is not None, what="a picture source")
    # removing it: the database entry and the object go
    dialog.picture_removed.emit()
    harness.until(lambda: alice.client.avatars.path_of(a_uid) == "", 20, "removed")
    harness.until(lambda: _admin_get(suite, path).status_code == 404, 10, "object deleted")
    harness.until(lambda: dialog.picture is None, what="initials again")
    dialog.reject()


def test_an_upload_whose_answer_was_lost_is_not_refused_as_a_replacement(
        harness: Harness, suite, tmp_path) -> None:
    # The app was killed after the server stored the file, before it noted that: at the
    # next start the same name is uploaded again, which the rules refuse (no replacing).
    alice, bob = _pair(harness, suite)
    uploads = alice.client.uploads
    uploads.stop()
    (tmp_path / "notes.txt").write_bytes(b"the same bytes")
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "notes.txt"]))
    pending = _messages(alice)[-1]
    local = uploads.local_file(pending.id)
    harness.run(alice.client.storage.upload(pending.attachment.path, local, "text/plain"))
    uploads.start()
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(bob)), 20,
                  "delivered once")
    assert not _messages(alice)[-1].failed
    # different bytes under a taken name stay refused (never taken for "already there")
    uploads.stop()
    (tmp_path / "other.txt").write_bytes(b"other bytes!!!")
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "other.txt"]))
    second = _messages(alice)[-1]
    harness.run(alice.client.storage.upload(second.attachment.path, tmp_path / "notes.txt",
                                            "text/plain"))
    uploads.start()
    harness.until(lambda: _messages(alice)[-1].failed, 20, "refused")


def test_a_file_in_a_group_goes_under_a_capability_and_members_read_it(
        harness: Harness, suite, tmp_path) -> None:
    from tests.app.test_groups import make_group
    from tests.app.test_user_chats import Admin

    config = config_for(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    group = make_group(Admin(suite), "Team", anna.client.uid, [boris.client.uid])
    for app in (anna, boris):
        harness.until(lambda a=app: a.client.chats.row_for_chat(group) is not None, 20,
                      "the group's row")
        app.open_person(group)
    photo(tmp_path / "team.jpg")
    harness.run(anna.window.messenger.chat.attachments.attach([tmp_path / "team.jpg"]))
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(boris)), 20,
                  "boris has it")
    got = next(m for m in _messages(boris) if m.attachment)
    parts = got.attachment.path.split("/")
    assert parts[:2] == ["groups", group] and len(parts[2]) >= 22 and parts[3] == \
        anna.client.uid
    harness.until(lambda: boris.client.images.thumbnail(got.attachment) is not None, 20,
                  "the thumbnail (thumbs/groups/...)")
    target = tmp_path / "saved.jpg"
    assert harness.run(boris.window.messenger.chat.attachments.save_to(got.attachment, target))
    assert target.stat().st_size == got.attachment.size


def test_the_message_menu_views_opens_saves_and_cancels(harness: Harness, suite,
                                                       tmp_path) -> None:
    alice, bob = _pair(harness, suite)
    photo(tmp_path / "p.jpg")
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "p.jpg"]))
    harness.until(lambda: any(m.attachment and not m.pending for m in _messages(bob)), 20,
                  "bob has it")
    view = bob.window.messenger.chat
    got = next(m for m in _messages(bob) if m.attachment)
    index = view.session.model.index(view.session.model.row_of(got.id))
    menu = view.message_menu(index)
    texts = [a.text() for a in menu.actions()]
    assert texts[:2] == ["View picture", "Save as…"]
    menu.actions()[0].trigger()
    harness.until(lambda: view.attachments.viewer is not None, what="viewer by keyboard")
    view.attachments.viewer.reject()
    menu.close()
    # an upload under way: Cancel upload
    uploads = alice.client.uploads
    uploads.stop()
    harness.run(alice.window.messenger.chat.attachments.attach([tmp_path / "p.jpg"]))
    aview = alice.window.messenger.chat
    pending = _messages(alice)[-1]
    menu = aview.message_menu(aview.session.model.index(aview.session.model.row_of(pending.id)))
    cancel = next(a for a in menu.actions() if a.text() == "Cancel upload")
    cancel.trigger()
    assert aview.session.model.get(pending.id) is None and len(uploads) == 0
    menu.close()
