"""The one window: sign-in page, or the messenger (chat list + chat) with a connection banner."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from .chat_view import ChatView
from .login import LoginPage
from .sidebar import Sidebar
from .text import window_title

BANNER_DELAY_MS = 1200  # a reconnect that quick (token refresh) is not worth a banner


class MessengerPage(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.banner = QLabel()
        self.banner.setObjectName("Banner")
        self.banner.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.banner.hide()
        self.sidebar = Sidebar()
        self.chat = ChatView()
        self.placeholder = QLabel()
        self.placeholder.setObjectName("Empty")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.right = QStackedWidget()
        self.right.addWidget(self.placeholder)
        self.right.addWidget(self.chat)
        split = QSplitter()
        split.addWidget(self.sidebar)
        split.addWidget(self.right)
        split.setStretchFactor(0, 0)
        split.setStretchFactor(1, 1)
        split.setSizes([300, 700])
        split.setChildrenCollapsible(False)
        split.setHandleWidth(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.setInterval(BANNER_DELAY_MS)
        self._banner_timer.timeout.connect(self.banner.show)
        self.retranslate()

    def retranslate(self) -> None:
        self.placeholder.setText(self.tr("Choose a person on the left to start chatting."))
        self.banner.setText(
            self.tr("Connecting… Messages you send now are delivered when the connection is back.")
        )

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def set_connected(self, connected: bool) -> None:
        if connected:
            self._banner_timer.stop()
            self.banner.hide()
            self.retranslate()  # a status set while down ("Restarting…") is over
        elif not self.banner.isVisible() and not self._banner_timer.isActive():
            self._banner_timer.start()

    def show_status(self, text: str) -> None:
        """Why the connection is down, when the app knows better than "Connecting…" (the
        local servers are being restarted, or waited for): shown at once."""
        self.banner.setText(text)
        self._banner_timer.stop()
        self.banner.show()

    def show_chat(self) -> None:
        self.right.setCurrentWidget(self.chat)

    def show_placeholder(self, text: str = "") -> None:
        """The right side without a chat; `text` says why (else: choose a person)."""
        self.placeholder.setText(
            text or self.tr("Choose a person on the left to start chatting."))
        self.right.setCurrentWidget(self.placeholder)


class MainWindow(QMainWindow):
    closing = Signal()
    escape_pressed = Signal()
    focus_changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.resize(1000, 680)
        self.setMinimumSize(720, 480)
        self.login = LoginPage()
        self.messenger = MessengerPage()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.login)
        self.pages.addWidget(self.messenger)
        self.setCentralWidget(self.pages)
        # Ctrl+F: search in the open chat (without one: the people and messages search).
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self._find)
        # Ctrl+Shift+F: search people and the messages of all chats.
        find_all = QShortcut(QKeySequence("Ctrl+Shift+F"), self)
        find_all.activated.connect(self._focus_search)
        # Ctrl+K: jump to a chat (type a name, Enter opens the first match).
        jump = QShortcut(QKeySequence("Ctrl+K"), self)
        jump.activated.connect(self._focus_search)
        # Esc: clear the search, else close the open chat (its draft stays).
        back = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        back.activated.connect(self.escape_pressed)
        # Ctrl+Q quits like closing the window. StandardKey.Quit is Ctrl+Q on Linux, empty on
        # Windows; one shortcut per distinct key (two on one key would both be ambiguous).
        quit_keys = {QKeySequence("Ctrl+Q").toString()}
        quit_keys.update(k.toString() for k in QKeySequence.keyBindings(
            QKeySequence.StandardKey.Quit))
        for keys in sorted(k for k in quit_keys if k):
            quit_ = QShortcut(QKeySequence(keys), self)
            quit_.activated.connect(self.close)
        self._unread = 0
        self._account = ""
        self.update_title()

    def _find(self) -> None:
        page = self.messenger
        if (self.pages.currentWidget() is page and page.right.currentWidget() is page.chat
                and page.chat.session is not None):
            page.chat.search.open()
        else:
            self._focus_search()

    def _focus_search(self) -> None:
        if self.pages.currentWidget() is self.messenger:
            self.messenger.sidebar.search.setFocus()
            self.messenger.sidebar.search.selectAll()

    def show_login(self) -> None:
        self.pages.setCurrentWidget(self.login)
        self.login.email.setFocus()

    def show_messenger(self) -> None:
        self.pages.setCurrentWidget(self.messenger)

    def set_unread(self, count: int) -> None:
        self._unread = count
        self.update_title()

    def set_account(self, name: str) -> None:
        """Whose window this is ("" when signed out): two people on one machine tell them apart."""
        self._account = name
        self.update_title()

    def update_title(self) -> None:
        base = self.tr("Messenger")
        if self._account:
            base = f"{base} — {window_title(self._account)}"
        self.setWindowTitle(f"({self._unread}) {base}" if self._unread > 0 else base)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.update_title()
        elif event.type() == QEvent.Type.ActivationChange:
            self.focus_changed.emit(self.isActiveWindow())
        super().changeEvent(event)

    def closeEvent(self, event) -> None:
        self.closing.emit()
        super().closeEvent(event)
