"""A group's picture set in its members dialog (issue 17): an admin chooses a file, the app
makes it a square metadata-free JPEG, uploads it to the group's Storage area and names it
through `POST /set_group_avatar`; every member's chat list then paints it instead of the
initials. A plain member's button is disabled (and the API refuses them: tests/functions)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QImage

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin


def test_an_admin_sets_the_group_picture_everyone_sees_it(harness: Harness, suite,
                                                          tmp_path) -> None:
    config = config_for(suite)
    admin = Admin(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    boris = harness.signed_in(config, unique_email("boris"), name="boris")
    b = boris.client.uid
    harness.until(lambda: anna.client.chats.row_for_uid(b) is not None, what="listed")
    group = harness.run(anna.groups.api.create_group("Pictures", [b]))
    anna.open_chat_id(group)
    harness.until(lambda: anna.client.live is not None and anna.client.live.group is not None,
                  what="the group open")
    anna.window.messenger.chat.members_button.click()
    dialog = anna.groups.members_dialog
    assert dialog is not None and dialog.picture.isEnabled()
    picture = QImage(640, 480, QImage.Format.Format_RGB32)
    picture.fill(QColor("#d81b60"))
    assert picture.save(str(tmp_path / "team.png"))
    dialog.picture_requested.emit(str(tmp_path / "team.png"))  # what the file dialog emits
    harness.until(lambda: admin.get(f"chats/{group}/avatar"), 20, "the pointer set")
    path = admin.get(f"chats/{group}/avatar")
    assert path.startswith(f"groups/{group}/") and f"/{anna.client.uid}/" in path
    assert not dialog.error.isVisible()
    # both chat lists paint the picture (the ImageCache loaded it), not the initials
    for app in (anna, boris):
        harness.until(lambda a=app: a.client.avatars.path_of(group) == path, 20, "mirrored")
        harness.until(lambda a=app: a.client.avatars.image_of(group) is not None, 20,
                      "the picture loaded")
        image = app.client.avatars.image_of(group)
        assert image.width() == image.height()  # made square (a 640x480 source)
        centre = QColor(image.pixel(128, 128))
        assert abs(centre.red() - 0xd8) < 12 and abs(centre.blue() - 0x60) < 12
    # a plain member cannot
    boris.open_chat_id(group)
    harness.until(lambda: boris.client.live is not None and boris.client.live.group is not None,
                  what="boris has it open")
    boris.window.messenger.chat.members_button.click()
    assert boris.groups.members_dialog is not None
    assert not boris.groups.members_dialog.picture.isEnabled()
