"""The left-hand list: every person, merged with my chats (unread, last message, activity).

One row per other user, keyed by uid and never moved in the source model; a sort/filter proxy
orders rows by recent activity and applies the search box, so selection survives reordering.

A chat's entry, `userChats/{me}/{chatId}`, is `{unreadIds: {messageId: ts}, readAt,
previews: {messageId: {text, sender, ts}}}` (docs/data-model.md). Nothing derived is stored:
the unread count is the number of `unreadIds` newer than `readAt`, up to the cap
(`messenger_model.unread`), the preview shown is the newest of `previews`
(`messenger_model.previews`), the activity time (list order) its ts, else `readAt`, else 0.
Other fields (the `unread` and
`updatedAt` of the earlier layout) are ignored.

A group is a row of its own, keyed by its chat id (where a direct chat's row is keyed by the
other person's uid): it appears with its `userChats` entry (`group: {name}`), shows the
sender's name before its preview, and goes when the entry goes (removed, or left).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Any

from messenger_model.chats import direct_chat_id, is_group_id
from messenger_model.previews import latest_preview
from messenger_model.unread import counted_unread, unread_count
from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)

from .chat_entry import EntryIndex
from .group import SystemEvent, system_from, system_text
from .presence import ServerClock, Status, describe, is_online

__all__ = ["ChatListModel", "ChatListProxy", "ChatRow", "Roles", "activity_time",
           "counted_unread", "direct_chat_id", "last_message"]


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def last_message(entry: Any) -> dict[str, Any] | None:
    """The preview of the chat's newest message, `{text, sender, ts, id}`; None when none."""
    return latest_preview(entry)


def activity_time(entry: Any) -> float:
    """When the chat last saw activity (the list's order): the newest preview's ts, else
    readAt, else 0."""
    if not isinstance(entry, dict):
        return 0.0
    last = latest_preview(entry)
    ts = _number(last.get("ts")) if last is not None else None
    if ts is None:
        ts = _number(entry.get("readAt"))
    return ts if ts is not None else 0.0


def _group_name(entry: dict[str, Any]) -> str:
    group = entry.get("group")
    name = group.get("name") if isinstance(group, dict) else None
    return name if isinstance(name, str) else ""


_ROOT = QModelIndex()


class Roles(IntEnum):
    Uid = Qt.ItemDataRole.UserRole + 1
    Name = Qt.ItemDataRole.UserRole + 2
    Email = Qt.ItemDataRole.UserRole + 3
    ChatId = Qt.ItemDataRole.UserRole + 4
    Unread = Qt.ItemDataRole.UserRole + 5
    Preview = Qt.ItemDataRole.UserRole + 6
    Online = Qt.ItemDataRole.UserRole + 7
    PresenceText = Qt.ItemDataRole.UserRole + 8
    UpdatedAt = Qt.ItemDataRole.UserRole + 9  # activity time: the list's order
    PreviewOwn = Qt.ItemDataRole.UserRole + 10
    LastTs = Qt.ItemDataRole.UserRole + 11  # the last message's time (0: none), shown in the row
    Muted = Qt.ItemDataRole.UserRole + 12  # no sound or pop-up for this chat
    Draft = Qt.ItemDataRole.UserRole + 13  # unsent text typed in this chat
    IsGroup = Qt.ItemDataRole.UserRole + 14
    PreviewSystem = Qt.ItemDataRole.UserRole + 15  # the preview is a group event's sentence


@dataclass(frozen=True)
class ChatRow:
    uid: str
    chat_id: str
    name: str = ""
    email: str = ""
    unread: int = 0
    preview: str = ""
    preview_own: bool = False
    updated_at: float = 0.0  # activity_time()
    last_ts: float = 0.0
    is_group: bool = False  # then `uid` is the chat id, `name` the group's name
    preview_sender: str = ""  # uid of the previewed message's sender
    preview_system: SystemEvent | None = None  # the previewed message is a group event

    @property
    def title(self) -> str:
        return self.name or self.email or self.uid


class ChatListModel(QAbstractListModel):
    loaded = Signal()  # the first snapshot of the people list has arrived

    def __init__(self, my_uid: str, clock: ServerClock, parent=None) -> None:
        super().__init__(parent)
        self.is_loaded = False
        self.my_uid = my_uid
        self.my_title = ""  # my display name (else email): group events in previews name me
        self.clock = clock
        self._rows: list[ChatRow] = []
        self._index: dict[str, int] = {}  # uid -> row
        self._status: dict[str, Status] = {}
        self._shown: dict[str, tuple[bool, str]] = {}  # uid -> (online, text) last announced
        self._muted: set[str] = set()  # chat ids
        self._drafts: dict[str, str] = {}  # chat id -> unsent text

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole or role == Roles.Name:
            return row.title
        if role == Roles.Uid:
            return row.uid
        if role == Roles.Email:
            return row.email
        if role == Roles.ChatId:
            return row.chat_id
        if role == Roles.Unread:
            return row.unread
        if role == Roles.Preview:
            if row.preview_system is not None:  # in the language in use, with today's names
                return system_text(row.preview_system, self.name_of, row.preview)
            if row.is_group and row.preview and not row.preview_own and row.preview_sender:
                return f"{self.name_of(row.preview_sender)}: {row.preview}"
            return row.preview
        if role == Roles.PreviewOwn:
            return row.preview_own
        if role == Roles.PreviewSystem:
            return row.preview_system is not None
        if role == Roles.UpdatedAt:
            return row.updated_at
        if role == Roles.LastTs:
            return row.last_ts
        if role == Roles.Draft:
            return self._drafts.get(row.chat_id, "")
        if role == Roles.Muted:
            return row.chat_id in self._muted
        if role == Roles.IsGroup:
            return row.is_group
        if row.is_group and role in (Roles.Online, Roles.PresenceText):
            return False if role == Roles.Online else ""
        if role == Roles.Online:
            return is_online(self._status.get(row.uid), self.clock.now_ms())
        if role == Roles.PresenceText:
            return describe(self._status.get(row.uid), self.clock.now_ms())
        return None

    # lookups ----------------------------------------------------------------------------
    def row_at(self, row: int) -> ChatRow:
        return self._rows[row]

    def row_for_uid(self, uid: str) -> ChatRow | None:
        i = self._index.get(uid)
        return self._rows[i] if i is not None else None

    def row_for_chat(self, chat_id: str) -> ChatRow | None:
        return self.row_for_uid(self._other(chat_id))

    def index_for_uid(self, uid: str) -> QModelIndex:
        i = self._index.get(uid)
        return self.index(i) if i is not None else QModelIndex()

    def total_unread(self) -> int:
        return sum(r.unread for r in self._rows)

    def status(self, uid: str) -> Status | None:
        return self._status.get(uid)

    def name_of(self, uid: str) -> str:
        if uid == self.my_uid and self.my_title:
            return self.my_title
        row = self.row_for_uid(uid)
        return row.title if row is not None else uid

    def _other(self, chat_id: str) -> str:
        """The key of a chat's row: the other person's uid, or a group's own id."""
        if is_group_id(chat_id):
            return chat_id
        parts = chat_id.split("_")
        others = [p for p in parts if p != self.my_uid]
        return others[0] if others else self.my_uid

    # updates from the streams -------------------------------------------------------------
    def _ensure(self, uid: str) -> int:
        i = self._index.get(uid)
        if i is None:
            i = len(self._rows)
            self.beginInsertRows(QModelIndex(), i, i)
            if is_group_id(uid):
                self._rows.append(ChatRow(uid, uid, is_group=True))
            else:
                self._rows.append(ChatRow(uid, direct_chat_id(self.my_uid, uid)))
            self._index[uid] = i
            self.endInsertRows()
        return i

    def _remove(self, key: str) -> None:
        i = self._index.get(key)
        if i is None:
            return
        self.beginRemoveRows(QModelIndex(), i, i)
        self._rows.pop(i)
        self._index = {row.uid: n for n, row in enumerate(self._rows)}
        self.endRemoveRows()

    def _set(self, i: int, row: ChatRow) -> None:
        if self._rows[i] != row:
            self._rows[i] = row
            idx = self.index(i)
            self.dataChanged.emit(idx, idx)

    def set_user(self, uid: str, value: Any) -> None:
        if uid == self.my_uid or not isinstance(value, dict):
            return
        i = self._ensure(uid)
        name = value.get("displayName")
        before = self._rows[i].title
        self._set(
            i,
            replace(
                self._rows[i],
                name=str(name) if isinstance(name, str) else "",
                email=str(value.get("email") or ""),
            ),
        )
        if self._rows[i].title != before:  # groups' previews name their senders
            for n, row in enumerate(self._rows):
                if row.is_group and (row.preview_sender == uid or (
                        row.preview_system is not None and uid in row.preview_system.users)):
                    self.dataChanged.emit(self.index(n), self.index(n), [Roles.Preview])

    def set_chat(self, chat_id: str, value: Any, index: EntryIndex | None = None) -> None:
        """The row of a chat from its entry; with `index` (kept current from the events), its
        derived state is taken from there instead of recomputed from the whole entry."""
        uid = self._other(chat_id)
        if uid == self.my_uid:
            return
        group = is_group_id(chat_id)
        if group and not isinstance(value, dict):
            self._remove(uid)  # left, or removed: the entry went
            return
        i = self._ensure(uid)
        entry = value if isinstance(value, dict) else {}
        last = index.latest if index is not None else last_message(entry)
        system = system_from(last.get("system")) if last is not None else None
        if last is not None:
            preview, own = str(last.get("text") or ""), last.get("sender") == self.my_uid
            own = own and system is None  # "You: анна added борис" says it twice
            last_ts = _number(last.get("ts")) or 0.0
        else:
            preview, own, last_ts = "", False, 0.0
        self._set(
            i,
            replace(
                self._rows[i],
                chat_id=chat_id,
                unread=index.unread if index is not None else unread_count(entry),
                preview=" ".join(preview.split())[:200],
                preview_own=own,
                preview_system=system,
                preview_sender=str(last.get("sender") or "") if last is not None else "",
                name=(_group_name(entry) or self._rows[i].name) if group else self._rows[i].name,
                updated_at=last_ts or _number(entry.get("readAt")) or 0.0,
                last_ts=last_ts,
            ),
        )

    def set_status(self, uid: str, status: Status | None) -> None:
        if status is None:
            self._status.pop(uid, None)
        else:
            self._status[uid] = status
        self._presence_changed(uid)

    def _presence_changed(self, uid: str) -> bool:
        """Tell the views when what they show of `uid`'s presence (the dot, the text) changes.
        Every online person's heartbeat rewrites their status every 20 s without changing
        either: repainting (and re-sorting) the list for each of those was most of what the
        app did while nothing happened."""
        i = self._index.get(uid)
        if i is None:
            return False
        status, now = self._status.get(uid), self.clock.now_ms()
        shown = (is_online(status, now), describe(status, now))
        if self._shown.get(uid) == shown:
            return False
        self._shown[uid] = shown
        idx = self.index(i)
        self.dataChanged.emit(idx, idx, [Roles.Online, Roles.PresenceText])
        return True

    def set_muted(self, chat_ids: set[str]) -> None:
        self._muted = set(chat_ids)
        if self._rows:
            self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1), [Roles.Muted])

    def set_draft(self, chat_id: str, text: str) -> None:
        if self._drafts.get(chat_id, "") == text:
            return
        if text:
            self._drafts[chat_id] = text
        else:
            self._drafts.pop(chat_id, None)
        i = self._index.get(self._other(chat_id))
        if i is not None:
            idx = self.index(i)
            self.dataChanged.emit(idx, idx, [Roles.Draft])

    def is_muted(self, chat_id: str) -> bool:
        return chat_id in self._muted

    def mark_loaded(self) -> None:
        if not self.is_loaded:
            self.is_loaded = True
            self.loaded.emit()

    def refresh_presence(self) -> None:
        """Time passed (or the language changed): "last seen 4 min ago" becomes "5 min ago",
        online may expire; only the rows whose text or dot changed are repainted."""
        for row in self._rows:
            self._presence_changed(row.uid)


class ChatListProxy(QSortFilterProxyModel):
    """Most recent activity first, then people without a chat by name; search by name/email."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDynamicSortFilter(True)
        self.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.sort(0)

    _needle = ""

    def filterAcceptsRow(self, source_row: int, source_parent) -> bool:
        needle = self._needle
        if not needle:
            return True
        idx = self.sourceModel().index(source_row, 0, source_parent)
        name = str(idx.data(Roles.Name) or "").lower()
        email = str(idx.data(Roles.Email) or "").lower()
        return needle in name or needle in email

    def set_search(self, text: str) -> None:
        needle = text.strip().lower()
        if needle == self._needle:
            return
        if hasattr(self, "beginFilterChange"):  # Qt >= 6.9 replaces invalidateFilter()
            self.beginFilterChange()
            self._needle = needle
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._needle = needle
            self.invalidateFilter()

    def lessThan(self, left, right) -> bool:
        lu, ru = left.data(Roles.UpdatedAt) or 0, right.data(Roles.UpdatedAt) or 0
        if lu != ru:
            return lu > ru  # newer first
        return str(left.data(Roles.Name)).lower() < str(right.data(Roles.Name)).lower()
