"""The picture viewer: a click on a picture in the chat opens it here, the original
downloaded (once, then from the disk cache) and decoded off the GUI thread, fitted to the
screen, with Save. A deleted original says so instead."""

from __future__ import annotations

import asyncio
from pathlib import Path

from messenger_model.attachments import Attachment
from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from ..errors import UserFacingError
from ..views.text import plain_label
from .images import ImageCache, decode

MAX_SIDE = 4096


class PictureViewer(QDialog):
    save_requested = Signal(object)  # the Attachment

    def __init__(self, att: Attachment, cache: ImageCache, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("PictureViewer")
        self.att = att
        self._cache = cache
        self.image: QImage | None = None
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(200, 150)
        self.status = plain_label("Muted")
        self.status.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Close)
        self.buttons.rejected.connect(self.reject)
        self.buttons.accepted.connect(lambda: self.save_requested.emit(self.att))
        layout = QVBoxLayout(self)
        layout.addWidget(self.picture, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.setWindowTitle(att.name)
        self.retranslate()
        self._task = asyncio.ensure_future(self._load())
        self.finished.connect(lambda _r: self._task.cancel())

    def retranslate(self) -> None:
        if self.image is None:
            self.status.setText(self.tr("Loading…"))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()
        super().changeEvent(event)

    async def _load(self) -> None:
        try:
            file: Path = await self._cache.original(self.att)
            loop = asyncio.get_running_loop()
            image = await loop.run_in_executor(None, decode, file, MAX_SIDE)
        except UserFacingError as exc:
            self.status.setText(str(exc))
            self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(False)
            return
        if image is None:
            self.status.setText(self.tr("This picture cannot be shown."))
            return
        self.image = image
        self.status.setText(f"{image.width()} × {image.height()}")
        self._fit()

    def _fit(self) -> None:
        if self.image is None:
            return
        screen = QGuiApplication.primaryScreen()
        room = screen.availableGeometry().size() * 0.85 if screen else self.size()
        pixmap = QPixmap.fromImage(self.image)
        if pixmap.width() > room.width() or pixmap.height() > room.height():
            pixmap = pixmap.scaled(room, Qt.AspectRatioMode.KeepAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        self.picture.setPixmap(pixmap)
        self.adjustSize()
