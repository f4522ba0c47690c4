"""The left side: who I am, the menu (theme, language, project, sign out), search, chat list."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..models.chat_list import ChatListModel, ChatListProxy, Roles
from .avatar import avatar_pixmap
from .chat_list_delegate import ChatListDelegate
from .search_results import MessageResults
from .text import ElidedLabel

AVATAR = 36


class Sidebar(QWidget):
    person_selected = Signal(str)  # uid
    theme_chosen = Signal(str)
    language_chosen = Signal(str)
    project_requested = Signal()
    builtin_requested = Signal()
    sign_out_requested = Signal()
    profile_requested = Signal()
    sound_toggled = Signal(bool)
    mute_requested = Signal(str, bool)  # uid, mute
    new_group_requested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("Sidebar")
        self.setMinimumWidth(260)
        self.me = ElidedLabel("ChatTitle")
        self.me_sub = ElidedLabel("Muted")
        self.avatar = QToolButton()
        self.avatar.setObjectName("Avatar")
        self.avatar.setIconSize(QSize(AVATAR, AVATAR))
        self.avatar.setCursor(Qt.CursorShape.PointingHandCursor)
        self.avatar.clicked.connect(self.profile_requested)
        self.menu_button = QToolButton()
        self.menu_button.setText("☰")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu = QMenu(self)
        self.menu_button.setMenu(self.menu)
        self.search = QLineEdit()
        self.search.setObjectName("Search")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(self._open_first)
        self.search.installEventFilter(self)
        self.new_group = QToolButton()
        self.new_group.setObjectName("NewGroup")
        self.new_group.setText("+")
        self.new_group.clicked.connect(self.new_group_requested)
        self.list = QListView()
        self.list.setObjectName("ChatList")
        self.list.setItemDelegate(ChatListDelegate(self.list))
        self.list.setMouseTracking(True)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._row_menu)
        self.list.clicked.connect(self._activated)
        self.list.activated.connect(self._activated)
        self.proxy = ChatListProxy(self)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.textChanged.connect(self._update_empty)
        for signal in (self.proxy.rowsInserted, self.proxy.rowsRemoved, self.proxy.modelReset,
                       self.proxy.layoutChanged):
            signal.connect(self._update_empty)
        self.no_people = QLabel()
        self.no_people.setObjectName("Empty")
        self.no_people.setWordWrap(True)
        self.no_people.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_people.hide()
        # Messages of all chats that match the search (from the local cache).
        self.messages = MessageResults()
        self.search.textChanged.connect(self.messages.set_query)

        top = QHBoxLayout()
        top.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignVCenter)
        names = QVBoxLayout()
        names.setSpacing(0)
        names.addWidget(self.me)
        names.addWidget(self.me_sub)
        top.addLayout(names, 1)
        top.addWidget(self.menu_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 12, 0, 0)
        layout.setSpacing(8)
        inner = QVBoxLayout()
        inner.setContentsMargins(14, 0, 14, 0)
        inner.setSpacing(10)
        inner.addLayout(top)
        find = QHBoxLayout()
        find.addWidget(self.search, 1)
        find.addWidget(self.new_group)
        inner.addLayout(find)
        layout.addLayout(inner)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.no_people, 1)
        layout.addWidget(self.messages, 2)
        self._layout = layout
        self.messages.shown.connect(self._update_empty)
        self._build_menu()
        self.retranslate()

    def _build_menu(self) -> None:
        self.profile_action = self.menu.addAction("")
        self.profile_action.triggered.connect(self.profile_requested)
        self.new_group_action = self.menu.addAction("")
        self.new_group_action.triggered.connect(self.new_group_requested)
        self.theme_menu = self.menu.addMenu("")
        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for key in ("system", "light", "dark"):
            act = self.theme_menu.addAction("")
            act.setCheckable(True)
            act.setData(key)
            self.theme_group.addAction(act)
            act.triggered.connect(lambda _c=False, k=key: self.theme_chosen.emit(k))
            self.theme_actions[key] = act
        self.lang_menu = self.menu.addMenu("")
        self.lang_group = QActionGroup(self)
        self.lang_actions: dict[str, QAction] = {}
        for key in ("system", "en", "ru"):
            act = self.lang_menu.addAction("")
            act.setCheckable(True)
            self.lang_group.addAction(act)
            act.triggered.connect(lambda _c=False, k=key: self.language_chosen.emit(k))
            self.lang_actions[key] = act
        self.sound_action = self.menu.addAction("")
        self.sound_action.setCheckable(True)
        self.sound_action.setChecked(True)
        self.sound_action.toggled.connect(self.sound_toggled)
        self.project_action = self.menu.addAction("")
        self.project_action.triggered.connect(self.project_requested)
        self.builtin_action = self.menu.addAction("")
        self.builtin_action.triggered.connect(self.builtin_requested)
        self.menu.addSeparator()
        self.sign_out_action = self.menu.addAction("")
        self.sign_out_action.triggered.connect(self.sign_out_requested)

    def retranslate(self) -> None:
        self.search.setPlaceholderText(self.tr("Search people and messages"))
        self.menu_button.setToolTip(self.tr("Menu"))
        self.theme_menu.setTitle(self.tr("Theme"))
        self.theme_actions["system"].setText(self.tr("Follow the system"))
        self.theme_actions["light"].setText(self.tr("Light"))
        self.theme_actions["dark"].setText(self.tr("Dark"))
        self.lang_menu.setTitle(self.tr("Language"))
        self.lang_actions["system"].setText(self.tr("Follow the system"))
        self.lang_actions["en"].setText("English")
        self.lang_actions["ru"].setText("Русский")
        self.project_action.setText(self.tr("Connect to a Firebase project…"))
        self.builtin_action.setText(self.tr("Use the built-in local servers"))
        self.sign_out_action.setText(self.tr("Sign out"))
        self.profile_action.setText(self.tr("Profile…"))
        self.new_group_action.setText(self.tr("New group…"))
        self.new_group.setToolTip(self.tr("New group"))
        self.sound_action.setText(self.tr("Notification sound"))
        self.avatar.setToolTip(self.tr("Profile"))
        self._update_empty()

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_sound(self, on: bool) -> None:
        self.sound_action.blockSignals(True)
        self.sound_action.setChecked(on)
        self.sound_action.blockSignals(False)

    def set_choices(self, theme: str, language: str) -> None:
        self.theme_actions.get(theme, self.theme_actions["system"]).setChecked(True)
        self.lang_actions.get(language, self.lang_actions["system"]).setChecked(True)

    def set_model(self, model) -> None:
        self.proxy.setSourceModel(model)
        self.list.setModel(self.proxy)
        model.rowsInserted.connect(self._update_empty)
        model.modelReset.connect(self._update_empty)
        model.loaded.connect(self._update_empty)
        self._update_empty()

    def _update_empty(self, *_args) -> None:
        src = self.proxy.sourceModel()
        nobody = src is None or src.rowCount() == 0
        searching = bool(self.search.text().strip())
        empty = nobody or (searching and self.proxy.rowCount() == 0)
        self.no_people.setText(
            self.tr("Nobody found.") if not nobody and searching
            else self.tr("Nobody else is here yet. Invite someone to register!")
        )
        # "Nobody here" only once the list has really arrived, not while it loads.
        self.no_people.setVisible(empty and bool(getattr(src, "is_loaded", False)))
        self.list.setVisible(not empty)
        # With messages found, "Nobody found." takes one line, not half the sidebar.
        if hasattr(self, "_layout"):
            self._layout.setStretchFactor(self.no_people,
                                          0 if self.messages.isVisibleTo(self) else 1)

    def set_me(self, title: str, subtitle: str, uid: str = "", email: str = "") -> None:
        self.me.setText(title)
        self.me.set_tooltip(email if email and email != title else "")
        self.me_sub.setText(subtitle)
        self.avatar.setIcon(QIcon(avatar_pixmap(uid or title, title, AVATAR, self.font())))

    def row_menu(self, index: QModelIndex) -> QMenu | None:
        """The menu of a chat row: mute or unmute its notifications."""
        uid = index.data(Roles.Uid) if index.isValid() else None
        if not uid:
            return None
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        muted = bool(index.data(Roles.Muted))
        act = menu.addAction(self.tr("Unmute notifications") if muted
                             else self.tr("Mute notifications"))
        act.triggered.connect(lambda: self.mute_requested.emit(str(uid), not muted))
        return menu

    def _row_menu(self, pos) -> None:
        index = self.list.indexAt(pos)
        if not index.isValid():  # from the keyboard: the current row
            index = self.list.currentIndex()
            if index.isValid():
                pos = self.list.visualRect(index).center()
        menu = self.row_menu(index)
        if menu is not None:
            menu.popup(self.list.viewport().mapToGlobal(pos))

    def _open_first(self) -> None:
        """Enter in the search opens the first person found."""
        if self.proxy.rowCount() > 0:
            self._activated(self.proxy.index(0, 0))

    def eventFilter(self, watched, event) -> bool:
        # Down from the search goes into the list, on the first person found.
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.proxy.rowCount() > 0):
            self.list.setFocus()
            self.list.setCurrentIndex(self.proxy.index(0, 0))
            return True
        # Nobody found but messages were: Down goes to the first message found.
        if (watched is self.search and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and self.messages.model.rowCount() > 0
                and self.messages.isVisible()):
            self.messages.list.setFocus()
            self.messages.list.setCurrentIndex(self.messages.model.index(0))
            return True
        return super().eventFilter(watched, event)

    def clear_search(self) -> bool:
        """Esc in the sidebar: empty the search (True if there was one to empty)."""
        if not self.search.text() and not self.search.hasFocus():
            return False
        self.search.clear()
        self.list.setFocus()
        return True

    def _activated(self, index: QModelIndex) -> None:
        uid = index.data(Roles.Uid)
        if uid:
            self.person_selected.emit(str(uid))

    def select_uid(self, uid: str) -> None:
        src = self.proxy.sourceModel()
        if not isinstance(src, ChatListModel):  # none yet
            return
        idx = self.proxy.mapFromSource(src.index_for_uid(uid))
        if idx.isValid():
            self.list.setCurrentIndex(idx)
