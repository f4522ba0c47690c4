"""Group dialogs: "New group" (name it, pick people), "Add people", and the member list with
roles and the admin actions (add, remove, rename) and "Leave group".

The dialogs only ask: they emit what the user wants and the application calls the API
(group_actions.py), then closes them or shows the API's sentence. Everything they show of
other people is plain text.
"""

from __future__ import annotations

from collections.abc import Callable

from messenger_model.limits import GROUP_MAX_MEMBERS, GROUP_NAME_MAX
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..models.group import ADMIN, MEMBER, OWNER, GroupInfo, member_count, role_label
from .avatar import avatar_pixmap
from .picture_chooser import open_picture_dialog
from .text import plain_label

AVATAR = 28
UID_ROLE = Qt.ItemDataRole.UserRole + 1


class PeoplePicker(QWidget):
    """A searchable list of people with a check box each."""

    changed = Signal()

    def __init__(self, people: list[tuple[str, str]], parent=None) -> None:
        """`people`: (uid, shown name), in the order to show them."""
        super().__init__(parent)
        self.search = QLineEdit()
        self.search.setObjectName("Search")
        self.search.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setObjectName("People")
        for uid, title in people:
            item = QListWidgetItem(QIcon(avatar_pixmap(uid, title, AVATAR, self.font())), title)
            item.setData(UID_ROLE, uid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.list.itemChanged.connect(lambda _i: self.changed.emit())
        self.list.itemActivated.connect(self._toggle)
        self.search.textChanged.connect(self._filter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.list, 1)
        self.retranslate()

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search people"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _toggle(self, item: QListWidgetItem) -> None:
        checked = item.checkState() == Qt.CheckState.Checked
        item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.list.count()):
            item = self.list.item(i)
            item.setHidden(bool(needle) and needle not in item.text().lower())

    def set_checked(self, uid: str, on: bool = True) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(UID_ROLE) == uid:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def picked(self) -> list[str]:
        return [str(self.list.item(i).data(UID_ROLE)) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.CheckState.Checked]


class _AsyncDialog(QDialog):
    """A window-modal dialog whose action runs while it stays open (busy, then closed or an
    error shown under its fields)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.error = plain_label("FormError")
        self.error.setWordWrap(True)
        self.error.hide()

    def set_busy(self, busy: bool) -> None:
        self.setEnabled(not busy)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()


class NewGroupDialog(_AsyncDialog):
    create_requested = Signal(str, list)  # name, member uids (me not included)

    def __init__(self, people: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("NewGroupDialog")
        self.name_label = QLabel()
        self.name = QLineEdit()
        self.name.setObjectName("GroupName")
        self.name.setMaxLength(GROUP_NAME_MAX)
        self.people_label = QLabel()
        self.picker = PeoplePicker(people)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.create_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._create)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._update)
        self.picker.changed.connect(self._update)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addWidget(self.name_label)
        layout.addWidget(self.name)
        layout.addSpacing(6)
        layout.addWidget(self.people_label)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumSize(380, 460)
        self.retranslate()
        self._update()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("New group"))
        self.name_label.setText(self.tr("Group name"))
        self.create_button.setText(self.tr("Create"))
        self._update()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def _update(self, *_args) -> None:
        count = len(self.picker.picked())
        self.people_label.setText(self.tr("Members (%n chosen)", None, count))
        too_many = count + 1 > GROUP_MAX_MEMBERS
        if too_many:
            self.error.setText(self.tr("A group has at most {0} members.").format(
                GROUP_MAX_MEMBERS))
        self.error.setVisible(too_many)
        self.create_button.setEnabled(bool(self.name.text().strip()) and count > 0 and not too_many)

    def _create(self) -> None:
        if not self.create_button.isEnabled():
            return
        self.set_busy(True)
        self.create_requested.emit(" ".join(self.name.text().split()), self.picker.picked())


class AddPeopleDialog(_AsyncDialog):
    add_requested = Signal(list)

    def __init__(self, people: list[tuple[str, str]], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("AddPeopleDialog")
        self.picker = PeoplePicker(people)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.add_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self._add)
        self.buttons.rejected.connect(self.reject)
        self.picker.changed.connect(lambda: self.add_button.setEnabled(bool(self.picker.picked())))
        layout = QVBoxLayout(self)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumSize(340, 420)
        self.setWindowTitle(self.tr("Add people"))
        self.add_button.setText(self.tr("Add"))
        self.add_button.setEnabled(False)

    def _add(self) -> None:
        if self.picker.picked():
            self.set_busy(True)
            self.add_requested.emit(self.picker.picked())


def can_remove(my_role: str | None, their_role: str | None) -> bool:
    """As the API decides: admins remove plain members, only an owner removes an admin,
    nobody removes an owner (owners leave)."""
    if my_role == OWNER:
        return their_role in (ADMIN, MEMBER)
    if my_role == ADMIN:
        return their_role == MEMBER
    return False


class MembersDialog(_AsyncDialog):
    """The member list with roles; owners and admins also add, remove and rename."""

    add_requested = Signal()
    remove_requested = Signal(str)  # uid
    role_requested = Signal(str, str)  # uid, "admin" or "member" (the owner only)
    rename_requested = Signal(str)
    leave_requested = Signal()
    picture_requested = Signal(str)  # a picture file chosen as the group's (owners, admins)

    def __init__(self, my_uid: str, name_of: Callable[[str], str], parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("MembersDialog")
        self.my_uid = my_uid
        self.name_of = name_of
        self.group: GroupInfo | None = None
        self.confirm: QMessageBox | None = None
        self.name = QLineEdit()
        self.name.setObjectName("GroupName")
        self.name.setMaxLength(GROUP_NAME_MAX)
        self.rename = QPushButton()
        self.count = plain_label("Muted")
        self.members = QListWidget()
        self.members.setObjectName("Members")
        self.add_button = QPushButton()
        self.remove = QPushButton()
        self.role = QPushButton()  # "Make admin" / "Remove admin", for the owner
        self.role.setObjectName("RoleButton")
        self.leave = QPushButton()
        self.leave.setObjectName("Danger")
        self.close_button = QPushButton()
        self.picture = QPushButton()  # "Set picture…", for owners and admins
        self.picture.setObjectName("GroupPicture")
        self.picture.clicked.connect(self.choose_picture)
        self.rename.clicked.connect(
            lambda: self.rename_requested.emit(" ".join(self.name.text().split())))
        self.name.textChanged.connect(self._update_buttons)
        self.add_button.clicked.connect(self.add_requested)
        self.remove.clicked.connect(self._remove)
        self.role.clicked.connect(self._role)
        self.leave.clicked.connect(self.confirm_leave)
        self.close_button.clicked.connect(self.accept)
        self.members.currentItemChanged.connect(self._update_buttons)
        top = QHBoxLayout()
        top.addWidget(self.name, 1)
        top.addWidget(self.rename)
        top.addWidget(self.picture)
        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove)
        row.addWidget(self.role)
        row.addStretch(1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.leave)
        bottom.addStretch(1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.addLayout(top)
        layout.addWidget(self.count)
        layout.addWidget(self.members, 1)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addLayout(bottom)
        self.setMinimumSize(380, 460)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Group members"))
        self.rename.setText(self.tr("Rename"))
        self.picture.setText(self.tr("Set picture…"))
        self.add_button.setText(self.tr("Add people…"))
        self.remove.setText(self.tr("Remove"))
        self.leave.setText(self.tr("Leave group"))
        self.close_button.setText(self.tr("Close"))
        if self.group is not None:
            self.set_group(self.group)
        self._update_buttons()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    @property
    def my_role(self) -> str | None:
        return self.group.role(self.my_uid) if self.group is not None else None

    def set_group(self, group: GroupInfo) -> None:
        """The group's record changed (or first arrived): show it."""
        first = self.group is None
        self.group = group
        if first or not self.name.hasFocus():
            self.name.blockSignals(True)
            self.name.setText(group.name)
            self.name.blockSignals(False)
        self.count.setText(member_count(len(group.members)))
        current = self.members.currentItem()
        keep = current.data(UID_ROLE) if current is not None else None
        self.members.clear()
        for uid in group.order:
            title = self.name_of(uid)
            role = role_label(group.role(uid))
            text = title + (f" · {role}" if role else "")
            if uid == self.my_uid:
                text += " " + self.tr("(you)")
            item = QListWidgetItem(QIcon(avatar_pixmap(uid, title, AVATAR, self.font())), text)
            item.setData(UID_ROLE, uid)
            self.members.addItem(item)
            if uid == keep:
                self.members.setCurrentItem(item)
        manage = group.can_manage(self.my_uid)
        for w in (self.add_button, self.remove, self.rename):
            w.setVisible(manage)
        self.role.setVisible(group.role(self.my_uid) == OWNER)
        self.name.setReadOnly(not manage)
        self._update_buttons()

    def select(self, uid: str) -> None:
        for i in range(self.members.count()):
            if self.members.item(i).data(UID_ROLE) == uid:
                self.members.setCurrentRow(i)

    def selected(self) -> str | None:
        item = self.members.currentItem()
        return str(item.data(UID_ROLE)) if item is not None else None

    def _update_buttons(self, *_args) -> None:
        group = self.group
        uid = self.selected()
        their = group.role(uid) if group is not None and uid else None
        self.remove.setEnabled(uid is not None and uid != self.my_uid
                               and can_remove(self.my_role, their))
        # the owner makes a member an admin or an admin a member again (owners stay owners)
        self.role.setText(self.tr("Remove admin") if their == ADMIN else self.tr("Make admin"))
        self.role.setEnabled(self.my_role == OWNER and uid is not None and uid != self.my_uid
                             and their in (ADMIN, MEMBER))
        name = " ".join(self.name.text().split())
        self.rename.setEnabled(bool(name) and group is not None and name != group.name)
        self.picture.setEnabled(self.my_role in (OWNER, ADMIN))

    def choose_picture(self) -> QFileDialog:
        return open_picture_dialog(self, self.tr("Group picture"),
                                   self.tr("Pictures (*.png *.jpg *.jpeg *.gif *.webp *.bmp)"),
                                   self.picture_requested)

    def _remove(self) -> None:
        uid = self.selected()
        if uid and self.remove.isEnabled():
            self.set_busy(True)
            self.remove_requested.emit(uid)

    def _role(self) -> None:
        uid = self.selected()
        group = self.group
        if uid and group is not None and self.role.isEnabled():
            self.set_busy(True)
            self.role_requested.emit(uid, MEMBER if group.role(uid) == ADMIN else ADMIN)

    def confirm_leave(self) -> QMessageBox:
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Leave group"),
                          self.tr("Leave this group? You will no longer see its messages."),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(self._left)
        self.confirm = box
        box.open()
        return box

    def _left(self, answer: int) -> None:
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.set_busy(True)
        self.leave_requested.emit()
