"""The open chat's live state besides its messages: read receipts, who is typing, and for a
group its record (name, members, roles).

Streams, for as long as the chat is open: `receipts/{chatId}` (every member's read position),
`typing/{chatId}` (fresh entries only count), and for a group `chats/{groupId}`. All three are
small (one number per member, the member list). It also owns my typing writer for the chat.
The bubble delegate asks it for a message's mark and its sender's name (views/bubble_marks.py
says what it paints); the window asks it for the typing line and the member count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from messenger_model.chats import is_group_id, other_member
from PySide6.QtCore import QObject, Signal

from .firebase.tree import apply_event
from .models.group import GroupInfo, group_from, system_text
from .models.messages import Message
from .models.presence import ServerClock
from .models.receipts import Mark, ReceiptBook
from .models.typing import TypingWatch, typing_line
from .typing_writer import TypingWriter

if TYPE_CHECKING:
    from .firebase.db import Database
    from .firebase.sse import Listener
    from .firebase.streams import StreamHub


class ChatLive(QObject):
    marks_changed = Signal()  # receipts or members changed: repaint the bubbles' marks
    typing_changed = Signal()
    group_changed = Signal()  # the group's name, members or roles

    def __init__(self, chat_id: str, uid: str, db: Database, hub: StreamHub,
                 clock: ServerClock, name_of: Callable[[str], str],
                 receipts_on: Callable[[], bool]) -> None:
        super().__init__()
        self.chat_id = chat_id
        self.uid = uid
        self.is_group = is_group_id(chat_id)
        self.name_of = name_of
        self._receipts_on = receipts_on
        self._hub = hub
        self.book = ReceiptBook(uid)
        self.book.shown = receipts_on()
        other = None if self.is_group else other_member(chat_id, uid)
        self.book.set_members([other] if other else [])
        self.group: GroupInfo | None = None
        self.typing = TypingWatch(uid, clock, self)
        self.typing.changed.connect(self.typing_changed)
        self.writer = TypingWriter(db, chat_id, uid, parent=self)
        self._trees: dict[str, Any] = {}
        self._listeners: list[Listener] = [
            hub.listen(f"receipts/{chat_id}", self._on_receipts),
            hub.listen(f"typing/{chat_id}", self._on_typing),
        ]
        if self.is_group:
            self._listeners.append(hub.listen(f"chats/{chat_id}", self._on_group))

    # streams ---------------------------------------------------------------------------
    def _apply(self, name: str, kind: str, path: str, data: Any) -> Any:
        root, _changed = apply_event(self._trees.get(name), kind, path, data)
        self._trees[name] = root
        return root

    def _on_receipts(self, kind: str, path: str, data: Any) -> None:
        # a put of the whole location is a snapshot (first, or after a reconnect)
        self.book.set_receipts(self._apply("receipts", kind, path, data),
                               live=not (kind == "put" and path.strip("/") == ""))
        self.marks_changed.emit()

    def _on_typing(self, kind: str, path: str, data: Any) -> None:
        self.typing.set_entries(self._apply("typing", kind, path, data))

    def _on_group(self, kind: str, path: str, data: Any) -> None:
        self.group = group_from(self._apply("group", kind, path, data))
        self.book.set_members(list(self.group.members) if self.group else [])
        self.group_changed.emit()
        self.marks_changed.emit()

    # what the views ask ------------------------------------------------------------------
    def set_receipts_shown(self, shown: bool) -> None:
        if shown != self.book.shown:
            self.book.shown = shown
            self.marks_changed.emit()

    def mark(self, msg: Message) -> Mark | None:
        return self.book.mark(msg)

    def read_time(self, uid: str, msg: Message) -> float | None:
        return self.book.read_time(uid, msg.ts)

    def typing_text(self) -> str:
        return typing_line([self.name_of(u) for u in self.typing.typers])

    def system_text(self, msg: Message) -> str:
        if msg.system is None:
            return msg.text
        return system_text(msg.system, self.name_of, msg.text)

    def message_arrived(self, msg: Message) -> None:
        """A new message in the stream: its sender stopped typing it."""
        self.typing.message_from(msg.sender, msg.ts)

    # my typing ---------------------------------------------------------------------------
    def keystroke(self) -> None:
        self.writer.keystroke()

    def sent(self) -> None:
        self.writer.stop()

    def close(self) -> None:
        self.writer.close()
        self.typing.stop()
        for listener in self._listeners:
            self._hub.unlisten(listener)
        self._listeners.clear()
