"""Desktop notifications and the tray icon with the unread count.

QSystemTrayIcon where the desktop has a tray; where it has none (some Wayland desktops,
headless machines) notifications degrade to flashing the window in the task bar, and nothing
fails. Clicking a notification opens the chat it is about.
"""

from __future__ import annotations

import html
import sys

from PySide6.QtCore import QObject, QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

PREVIEW_CHARS = 120


def notification_texts(sender: str, preview: str) -> tuple[str, str]:
    """(title, body) of a message notification. The freedesktop notification servers that
    most Linux desktops run take the body as markup (<b>, <a href>, <img src>), and Qt
    passes it on as is: the body is escaped there, so a message shows as typed. The title
    (summary) is plain text everywhere; Windows and macOS show both as plain text."""
    text = " ".join(preview.split())
    if len(text) > PREVIEW_CHARS:
        text = text[: PREVIEW_CHARS - 1] + "…"
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        text = html.escape(text, quote=False)
    return sender, text


def app_icon(unread: int = 0) -> QIcon:
    """A drawn icon (no image files to ship): a speech bubble, with a red count when unread."""
    icon = QIcon()
    for size in (16, 24, 32, 48, 64, 128):
        pm = QPixmap(size, size)
        pm.fill(Qt.GlobalColor.transparent)
        p = QPainter(pm)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor("#3a7bfd"))
        s = size
        p.drawRoundedRect(QRect(int(s * 0.06), int(s * 0.1), int(s * 0.88), int(s * 0.68)),
                          s * 0.22, s * 0.22)
        tail = [(s * 0.25, s * 0.7), (s * 0.22, s * 0.95), (s * 0.5, s * 0.72)]
        p.drawPolygon([QPointF(x, y) for x, y in tail])
        p.setBrush(QColor("#ffffff"))
        r = max(1.0, s * 0.06)
        for cx in (0.32, 0.5, 0.68):
            p.drawEllipse(QPointF(s * cx, s * 0.44), r, r)
        if unread > 0:
            label = str(unread) if unread < 100 else "99+"
            d = s * 0.56
            badge = QRect(int(s - d), 0, int(d), int(d))
            p.setBrush(QColor("#e53935"))
            p.drawEllipse(badge)
            f = QFont()
            f.setPixelSize(max(6, int(d * (0.62 if len(label) == 1 else 0.46))))
            f.setBold(True)
            p.setFont(f)
            p.setPen(QColor("#ffffff"))
            p.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)
        p.end()
        icon.addPixmap(pm)
    return icon


class Notifier(QObject):
    chat_requested = Signal(str)  # a notification was clicked: open this chat
    show_window = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._last_chat = ""
        self.tray: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(app_icon(), self)
            self.tray.setToolTip("Messenger")
            self.tray.messageClicked.connect(self._clicked)
            self.tray.activated.connect(lambda _reason: self.show_window.emit())
            self.tray.show()

    @property
    def available(self) -> bool:
        return self.tray is not None and QSystemTrayIcon.supportsMessages()

    def set_unread(self, count: int) -> None:
        icon = app_icon(count)
        QApplication.setWindowIcon(icon)
        if self.tray is not None:
            self.tray.setIcon(icon)
            self.tray.setToolTip(
                self.tr("Messenger — %n unread", "", count) if count else "Messenger"
            )

    def notify(self, chat_id: str, sender: str, preview: str) -> None:
        title, text = notification_texts(sender, preview)
        self._last_chat = chat_id
        if self.available and self.tray is not None:
            self.tray.showMessage(title, text, app_icon(), 6000)
        else:
            QApplication.alert(self._window)

    def _clicked(self) -> None:
        if self._last_chat:
            self.chat_requested.emit(self._last_chat)

    def hide(self) -> None:
        if self.tray is not None:
            self.tray.hide()
