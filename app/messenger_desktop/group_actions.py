"""What the user does with groups: create one, see its members, add, remove, rename, leave.

The dialogs (views/group_dialogs.py) ask; this calls the `api` function's group routes
(firebase/groups_api.py), then closes the dialog or shows the API's sentence in it. What the
API changes comes back over the streams the app already has: the new group's `userChats`
entry (a row in the list), `chats/{groupId}` (the open group's members), the system message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt

from .errors import UserFacingError
from .firebase.groups_api import GroupsApi
from .views.group_dialogs import AddPeopleDialog, MembersDialog, NewGroupDialog

if TYPE_CHECKING:
    from .client import MessengerClient
    from .views.main_window import MainWindow

log = logging.getLogger(__name__)


class GroupActions(QObject):
    def __init__(self, client: MessengerClient, window: MainWindow,
                 open_chat: Callable[[str], None]) -> None:
        super().__init__(window)
        self.client = client
        self.window = window
        self._open_chat = open_chat
        self.api = GroupsApi(client.config.functions_url, client.session.id_token)
        self.new_dialog: NewGroupDialog | None = None
        self.members_dialog: MembersDialog | None = None
        self.add_dialog: AddPeopleDialog | None = None
        self._group_id = ""  # the group the members dialog shows
        window.messenger.sidebar.new_group_requested.connect(self.new_group)
        window.messenger.chat.members_requested.connect(self.show_members)
        client.live_changed.connect(self._live_changed)

    def detach(self) -> None:
        self.window.messenger.sidebar.new_group_requested.disconnect(self.new_group)
        self.window.messenger.chat.members_requested.disconnect(self.show_members)
        self.client.live_changed.disconnect(self._live_changed)
        for dialog in (self.new_dialog, self.members_dialog, self.add_dialog):
            if dialog is not None:
                dialog.reject()

    def _people(self, leave_out: frozenset[str] | set[str] = frozenset()) -> list[tuple[str, str]]:
        """Everyone I could add, by name."""
        chats = self.client.chats
        people = []
        for row in range(chats.rowCount()):
            r = chats.row_at(row)
            if not r.is_group and r.uid not in leave_out and r.uid != self.client.uid:
                people.append((r.uid, r.title))
        return sorted(people, key=lambda p: p[1].lower())

    def _run(self, dialog, work: Awaitable[None], done: Callable[[], None]) -> None:
        async def go() -> None:
            try:
                await work
            except UserFacingError as exc:
                dialog.show_error(str(exc))
                return
            except Exception:  # a bug must still end in a sentence, with the dialog usable
                log.exception("group action failed")
                dialog.show_error(self.tr("Something went wrong. Please try again."))
                return
            done()

        asyncio.ensure_future(go())

    # new group -------------------------------------------------------------------------
    def new_group(self) -> NewGroupDialog:
        dialog = NewGroupDialog(self._people(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.create_requested.connect(lambda name, uids: self._create(dialog, name, uids))
        dialog.finished.connect(lambda _r: setattr(self, "new_dialog", None))
        self.new_dialog = dialog
        dialog.open()
        return dialog

    def _create(self, dialog: NewGroupDialog, name: str, uids: list[str]) -> None:
        created: list[str] = []

        async def work() -> None:
            created.append(await self.api.create_group(name, uids))

        def done() -> None:
            dialog.accept()
            self._open_chat(created[0])

        self._run(dialog, work(), done)

    # members -----------------------------------------------------------------------------
    def show_members(self) -> MembersDialog | None:
        live = self.client.live
        if live is None or not live.is_group:
            return None
        dialog = MembersDialog(self.client.uid, self.client.name_of, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._group_id = live.chat_id
        if live.group is not None:
            dialog.set_group(live.group)
        dialog.add_requested.connect(self.add_people)
        dialog.remove_requested.connect(lambda uid: self._change(
            dialog, self.api.remove_member(self._group_id, uid)))
        dialog.role_requested.connect(lambda uid, role: self._change(
            dialog, self.api.set_role(self._group_id, uid, role)))
        dialog.rename_requested.connect(lambda name: self._change(
            dialog, self.api.rename_group(self._group_id, name)))
        dialog.picture_requested.connect(lambda file: self._change(
            dialog, self._set_picture(self._group_id, Path(file))))
        dialog.leave_requested.connect(lambda: self._run(
            dialog, self.api.leave_group(self._group_id), dialog.accept))
        dialog.finished.connect(lambda _r: setattr(self, "members_dialog", None))
        self.members_dialog = dialog
        dialog.open()
        return dialog

    async def _set_picture(self, chat_id: str, file: Path) -> None:
        """The group's picture (issue 17): made square and metadata-free as a person's is,
        uploaded to the group's Storage area, then named by the api function (only it
        writes the group record)."""
        from messenger_model.attachments import new_capability, object_path
        from messenger_model.push_ids import new_push_id

        from .attachments.avatars import prepare_avatar

        staging = self.client.uploads.staging("avatar.jpg")
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(None, prepare_avatar, file, staging)
        path = object_path(chat_id, self.client.uid, new_push_id(), "avatar.jpg",
                           new_capability())
        await self.client.storage.upload(path, prepared, "image/jpeg")
        self.client.images.adopt(path, prepared)
        await self.api.set_group_avatar(chat_id, path)

    def _change(self, dialog: MembersDialog, work: Awaitable[None]) -> None:
        self._run(dialog, work, lambda: dialog.set_busy(False))

    def _group_changed(self) -> None:
        live = self.client.live
        if self.members_dialog is not None and live is not None and live.group is not None \
                and live.chat_id == self._group_id:
            self.members_dialog.set_group(live.group)

    def _live_changed(self) -> None:
        """Another chat opened, or the group closed (left, removed): its dialogs go."""
        live = self.client.live
        if live is None or live.chat_id != self._group_id:
            for dialog in (self.members_dialog, self.add_dialog):
                if dialog is not None:
                    dialog.reject()
        if live is not None and live.is_group:
            live.group_changed.connect(self._group_changed)

    def add_people(self) -> AddPeopleDialog | None:
        live = self.client.live
        if live is None or live.group is None:
            return None
        parent = self.members_dialog or self.window
        dialog = AddPeopleDialog(self._people(set(live.group.members)), parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.add_requested.connect(lambda uids: self._run(
            dialog, self.api.add_members(self._group_id, uids), dialog.accept))
        dialog.finished.connect(lambda _r: setattr(self, "add_dialog", None))
        self.add_dialog = dialog
        dialog.open()
        return dialog
