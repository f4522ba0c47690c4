"""The profile dialog: my display name (optional, shown to everyone instead of my email),
with the avatar it gives me, and the "Send read receipts" switch (privacy/{uid}). Saving is
asynchronous: the dialog asks, the application writes `users/{uid}/displayName` (and the
switch) and closes it or shows why not."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

from ..profile import NAME_MAX, normalise_name
from .avatar import avatar_pixmap
from .picture_chooser import open_picture_dialog
from .text import plain_label

AVATAR_SIZE = 64


class ProfileDialog(QDialog):
    save_requested = Signal(str)  # the name as typed ("" removes it)
    picture_chosen = Signal(str)  # a file to make my picture (issue 17)
    picture_removed = Signal()

    def __init__(self, uid: str, email: str, name: str, parent=None,
                 read_receipts: bool = True) -> None:
        super().__init__(parent)
        self.setObjectName("ProfileDialog")
        self.uid = uid
        self.email_text = email
        self.avatar = QLabel()
        self.avatar.setFixedSize(AVATAR_SIZE, AVATAR_SIZE)
        self.email = plain_label("Muted", email)
        self.name_label = QLabel()
        self.name = QLineEdit(name)
        self.name.setObjectName("DisplayName")
        self.name.setMaxLength(NAME_MAX)  # QLineEdit counts UTF-16 units, as the rules do
        self.name.setClearButtonEnabled(True)
        self.hint = plain_label("Muted")
        self.hint.setWordWrap(True)
        self.read_receipts = QCheckBox()
        self.read_receipts.setObjectName("ReadReceipts")
        self.read_receipts.setChecked(read_receipts)
        self.receipts_hint = plain_label("Muted")
        self.receipts_hint.setWordWrap(True)
        self.error = plain_label("FormError")
        self.error.setWordWrap(True)
        self.error.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._preview)
        self.name.textEdited.connect(lambda _t: self.error.hide())

        self.picture: QImage | None = None
        self.choose_picture = QPushButton()
        self.choose_picture.setObjectName("ChoosePicture")
        self.choose_picture.clicked.connect(self._choose)
        self.remove_picture = QPushButton()
        self.remove_picture.clicked.connect(self._remove)
        self.remove_picture.setEnabled(False)
        self.picture_status = plain_label("Muted")
        top = QHBoxLayout()
        top.addWidget(self.avatar)
        side = QVBoxLayout()
        side.addWidget(self.email)
        buttons = QHBoxLayout()
        buttons.addWidget(self.choose_picture)
        buttons.addWidget(self.remove_picture)
        buttons.addStretch(1)
        side.addLayout(buttons)
        side.addWidget(self.picture_status)
        top.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 18, 20, 16)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addSpacing(6)
        layout.addWidget(self.name_label)
        layout.addWidget(self.name)
        layout.addWidget(self.hint)
        layout.addSpacing(6)
        layout.addWidget(self.read_receipts)
        layout.addWidget(self.receipts_hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(380)
        self.retranslate()
        self._preview()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Profile"))
        self.choose_picture.setText(self.tr("Choose picture…"))
        self.remove_picture.setText(self.tr("Remove picture"))
        self.name_label.setText(self.tr("Your name"))
        self.name.setPlaceholderText(self.email_text.split("@")[0])
        self.hint.setText(self.tr("Others see this name instead of your email. "
                                  "Leave it empty to show your email."))
        self.read_receipts.setText(self.tr("Send read receipts"))
        self.receipts_hint.setText(self.tr("When this is off, others do not see when you have "
                                           "read their messages, and you do not see when they "
                                           "have read yours."))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    def shown_name(self) -> str:
        return normalise_name(self.name.text()) or self.email_text

    def _preview(self, *_args) -> None:
        if self.picture is not None:
            pm = QPixmap(AVATAR_SIZE, AVATAR_SIZE)
            pm.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pm)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            clip = QPainterPath()
            clip.addEllipse(0, 0, AVATAR_SIZE, AVATAR_SIZE)
            painter.setClipPath(clip)
            painter.drawImage(QRect(0, 0, AVATAR_SIZE, AVATAR_SIZE), self.picture)
            painter.end()
            self.avatar.setPixmap(pm)
            return
        self.avatar.setPixmap(avatar_pixmap(self.uid, self.shown_name(), AVATAR_SIZE, self.font()))

    def set_picture(self, picture: QImage | None) -> None:
        """My current picture (None: initials); the buttons are usable again."""
        self.picture = picture
        self.remove_picture.setEnabled(picture is not None)
        self.choose_picture.setEnabled(True)
        self.picture_status.setText("")
        self._preview()

    def set_picture_busy(self, text: str) -> None:
        self.choose_picture.setEnabled(False)
        self.remove_picture.setEnabled(False)
        self.picture_status.setText(text)

    def _choose(self) -> QFileDialog:
        return open_picture_dialog(self, self.tr("Choose picture"),
                                   self.tr("Pictures (*.png *.jpg *.jpeg *.gif *.webp)"),
                                   self.picture_chosen)

    def _remove(self) -> None:
        self.picture_removed.emit()

    def _save(self) -> None:
        self.set_busy(True)
        self.save_requested.emit(self.name.text())

    def set_busy(self, busy: bool) -> None:
        self.name.setEnabled(not busy)
        self.read_receipts.setEnabled(not busy)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(not busy)

    def show_error(self, text: str) -> None:
        self.set_busy(False)
        self.error.setText(text)
        self.error.show()
        self.name.setFocus()
