"""Connects the open chat's live state (ChatLive: receipts, typing, the group record) to the
chat view: the bubbles' marks and sender names, the typing line in the header, my keystrokes
and sends to the typing writer, and for a group its name and member count in the header.

A receipt or a typing change repaints only what shows it (the visible bubbles, one label):
no relayout of the list, no timers beyond the typing watch's single expiry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from .models.group import member_count

if TYPE_CHECKING:
    from .chat_live import ChatLive
    from .client import MessengerClient
    from .views.chat_view import ChatView

class LiveBinder(QObject):
    def __init__(self, client: MessengerClient, view: ChatView) -> None:
        super().__init__(view)
        self.client = client
        self.view = view
        self._live: ChatLive | None = None
        client.live_changed.connect(self._attach)
        view.typed.connect(self._typed)
        view.sent.connect(self._sent)
        self._attach()

    def detach(self) -> None:
        """Signed out: stop listening to this client."""
        self.client.live_changed.disconnect(self._attach)
        self.view.typed.disconnect(self._typed)
        self.view.sent.disconnect(self._sent)
        self._bind(None)

    def _attach(self) -> None:
        self._bind(self.client.live)

    def _bind(self, live: ChatLive | None) -> None:
        old = self._live
        if old is not None:
            try:
                old.marks_changed.disconnect(self._repaint)
                old.typing_changed.disconnect(self._typing)
                old.group_changed.disconnect(self._group_changed)
            except RuntimeError:  # already deleted
                pass
        self._live = live
        self.view.list.bubbles.context = live
        self.view.members_button.setVisible(live is not None and live.is_group)
        self.view.list.bubbles.clear_cache()
        if live is not None:
            live.marks_changed.connect(self._repaint)
            live.typing_changed.connect(self._typing)
            live.group_changed.connect(self._group_changed)
        self._typing()
        self.update_header()

    def _repaint(self) -> None:
        # Marks change a bubble's width at most (never its height): a repaint will do.
        self.view.list.viewport().update()

    def _typing(self) -> None:
        live = self._live
        self.view.set_typing(live.typing_text() if live is not None else "")

    def update_header(self) -> None:
        """A group's header: its name and member count (a direct chat's is the app's)."""
        live = self._live
        if live is None or not live.is_group:
            return
        group = live.group
        row = self.client.chats.row_for_chat(live.chat_id)
        name = (group.name if group is not None and group.name
                else row.title if row is not None else "")
        if name:
            self.view.title.setText(name)
        # Until the group's record arrives, no subtitle (not the previous chat's "online").
        self.view.set_subtitle(member_count(len(group.members)) if group is not None else "")

    def _group_changed(self) -> None:
        self.update_header()
        self._repaint()  # names in bubbles and system lines may have changed

    def _typed(self) -> None:
        if self._live is not None:
            self._live.keystroke()

    def _sent(self) -> None:
        if self._live is not None:
            self._live.sent()
