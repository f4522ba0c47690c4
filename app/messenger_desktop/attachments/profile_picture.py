"""Pictures in the windows: my picture in the profile dialog (choose, remove), everyone's in
the painted avatars (installed as views/avatar.py's picture source while signed in)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMetaObject
from PySide6.QtWidgets import QWidget

from ..errors import UserFacingError
from ..views import avatar

if TYPE_CHECKING:
    from ..client import MessengerClient
    from ..views.profile_dialog import ProfileDialog

translate = QCoreApplication.translate
log = logging.getLogger(__name__)


def bind_pictures(client: MessengerClient, window: QWidget,
                  mine_changed) -> QMetaObject.Connection:
    """Avatars show people's pictures; a loaded picture repaints the lists (and, when it is
    my own, `mine_changed()` redraws my avatar in the sidebar). Returns the connection, for
    the caller to cut when the client goes."""
    avatar.set_picture_source(client.avatars.image_of)

    def changed(path: str) -> None:
        _repaint_views(window)
        if path and path == client.avatars.path_of(client.uid):
            mine_changed()

    return client.images.changed.connect(changed)


def _repaint_views(window: QWidget) -> None:
    from PySide6.QtWidgets import QAbstractItemView

    for view in window.findChildren(QAbstractItemView):
        view.viewport().update()


def unbind_pictures() -> None:
    avatar.set_picture_source(None)


def picture_dialog(dialog: ProfileDialog, client: MessengerClient) -> None:
    """Wire the dialog's picture buttons to the client; show my current picture."""
    tasks: set[asyncio.Future] = set()

    def show_current(_path: str = "") -> None:
        try:
            dialog.set_picture(client.avatars.image_of(client.uid))
        except RuntimeError:  # the dialog is gone
            pass

    async def choose(file: str) -> None:
        dialog.set_picture_busy(translate("Attachments", "Uploading…"))
        staging = client.uploads.staging("avatar.jpg")
        try:
            await client.avatars.set_picture(Path(file), staging)
        except UserFacingError as exc:
            dialog.set_picture(client.avatars.image_of(client.uid))
            dialog.picture_status.setText(str(exc))
            return
        finally:
            staging.unlink(missing_ok=True)
        dialog.set_picture_busy(translate("Attachments", "Loading picture…"))

    async def remove() -> None:
        dialog.set_picture_busy("")
        try:
            await client.avatars.remove()
        except UserFacingError as exc:
            dialog.picture_status.setText(str(exc))
        dialog.set_picture(None)

    def spawn(coro) -> None:
        task = asyncio.ensure_future(coro)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    dialog.picture_chosen.connect(lambda f: spawn(choose(f)))
    dialog.picture_removed.connect(lambda: spawn(remove()))
    client.images.changed.connect(show_current)
    client.profile_changed.connect(show_current)
    dialog.finished.connect(lambda _r: (client.images.changed.disconnect(show_current),
                                        client.profile_changed.disconnect(show_current)))
    show_current()
