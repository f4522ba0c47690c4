"""Forward a message: pick one or several chats (a filter box, a checkable list)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from .text import plain_label


class ForwardDialog(QDialog):
    def __init__(self, chats: list[tuple[str, str]], preview: str, parent=None) -> None:
        """`chats`: (chat id, title) in the chat list's order."""
        super().__init__(parent)
        self.setObjectName("ForwardDialog")
        self.setWindowTitle(self.tr("Forward message"))
        self.setModal(True)
        self.resize(360, 440)
        self.preview = plain_label("ForwardPreview", " ".join(preview.split())[:200])
        self.preview.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Search chats"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        self.list = QListWidget()
        self.list.setObjectName("ForwardList")
        for chat_id, title in chats:
            item = QListWidgetItem(title)  # list items show plain text
            item.setData(Qt.ItemDataRole.UserRole, chat_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(self._update)
        self.list.itemActivated.connect(self._toggle)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.send = self.buttons.addButton(self.tr("Forward"),
                                           QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.buttons)
        self._update()
        self.filter.setFocus()

    @staticmethod
    def chats_of(model: QAbstractItemModel, id_role: int, time_role: int
                 ) -> list[tuple[str, str]]:
        """(chat id, title) of every row of a chat-list model, most recent chat first."""
        rows = []
        for row in range(model.rowCount()):
            index = model.index(row, 0)
            chat_id = str(index.data(id_role) or "")
            title = str(index.data(Qt.ItemDataRole.DisplayRole) or chat_id)
            if chat_id:
                rows.append((-float(index.data(time_role) or 0), title.casefold(), chat_id,
                             title))
        return [(chat_id, title) for _t, _k, chat_id, title in sorted(rows)]

    def _items(self) -> list[QListWidgetItem]:
        return [self.list.item(i) for i in range(self.list.count())]

    def _filter(self, text: str) -> None:
        needle = text.strip().casefold()
        for item in self._items():
            item.setHidden(bool(needle) and needle not in item.text().casefold())

    def _toggle(self, item: QListWidgetItem) -> None:
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _update(self, *_args) -> None:
        self.send.setEnabled(bool(self.selected()))

    def set_checked(self, chat_id: str, on: bool = True) -> None:
        for item in self._items():
            if item.data(Qt.ItemDataRole.UserRole) == chat_id:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def selected(self) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for item in self._items()
                if item.checkState() == Qt.CheckState.Checked]
