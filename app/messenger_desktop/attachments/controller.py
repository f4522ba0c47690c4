"""The chat view's attachments: the attach button, drag and drop, pasting a picture, clicks
on pictures and files, the viewer, Open and Save.

Installed by ChatView on itself (one line there); bound to the signed-in client's upload
queue and image cache by the application. Every failure is a sentence in the chat's notice
line; nothing here can raise into Qt.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from messenger_model.attachments import Attachment
from PySide6.QtCore import QEvent, QMimeData, QObject, QPoint, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import QBoxLayout, QFileDialog, QMenu, QToolButton

from ..errors import UserFacingError
from ..models.messages import Message, Roles
from .forwarding import forward_file
from .prepare import prepare
from .viewer import PictureViewer

if TYPE_CHECKING:
    from ..client import MessengerClient
    from ..views.chat_view import ChatView

log = logging.getLogger(__name__)
MAX_FILES_AT_ONCE = 20


def local_files(mime: QMimeData) -> list[Path]:
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]


class AttachmentController(QObject):
    notice = Signal(str)  # a sentence for the chat's notice line

    def __init__(self, view: ChatView) -> None:
        super().__init__(view)
        self.view = view
        self.client: MessengerClient | None = None
        self.viewer: PictureViewer | None = None
        self.save_dialog: QFileDialog | None = None
        self.tasks: set[asyncio.Future] = set()
        self.button = QToolButton()
        self.button.setObjectName("AttachButton")
        self.button.setText("📎")
        self.button.setMinimumHeight(36)
        self.button.setAutoRaise(True)
        # The colour emoji is drawn at the text size: larger, it reads as an icon (a style
        # sheet, because the theme's sheet sets the buttons' font).
        self.button.setStyleSheet("QToolButton#AttachButton { font-size: 17px; }")
        self.button.clicked.connect(self.choose_files)
        parent = view.input.parentWidget()
        composer = parent.layout() if parent is not None else None
        if isinstance(composer, QBoxLayout):  # the composer row: the button goes first
            composer.insertWidget(0, self.button, 0, Qt.AlignmentFlag.AlignBottom)
        view.setAcceptDrops(True)
        # Kept here: asking a widget being destroyed for its viewport raises in eventFilter.
        self._viewport = view.list.viewport()
        self._input = view.input
        for widget in (view, self._viewport, view.input, view.input.viewport()):
            widget.installEventFilter(self)
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setToolTip(self.tr("Attach pictures or files (or drop them here, or "
                                       "paste a picture)"))

    # binding ---------------------------------------------------------------------------------
    def bind(self, client: MessengerClient) -> None:
        self.unbind()
        self.client = client
        self.view.list.bubbles.attachments.cache = client.images
        self.view.list.bubbles.attachments.uploads = client.uploads
        client.images.changed.connect(self._repaint)
        client.uploads.progress.connect(self._repaint)

    def unbind(self) -> None:
        if self.client is not None:
            self.client.images.changed.disconnect(self._repaint)
            self.client.uploads.progress.disconnect(self._repaint)
        self.client = None
        self.view.list.bubbles.attachments.cache = None
        self.view.list.bubbles.attachments.uploads = None

    def _repaint(self, *_args: Any) -> None:
        self.view.list.viewport().update()

    # attaching -------------------------------------------------------------------------------
    def choose_files(self) -> QFileDialog:
        dialog = QFileDialog(self.view, self.tr("Attach files"))
        dialog.setFileMode(QFileDialog.FileMode.ExistingFiles)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.filesSelected.connect(lambda files: self.attach([Path(f) for f in files]))
        dialog.open()
        return dialog

    def attach(self, files: list[Path], names: list[str] | None = None) -> asyncio.Future | None:
        """Prepare and queue `files` for the open chat (the caption is not used: each file
        is its own message). Returns the task, for tests."""
        session, client = self.view.session, self.client
        if session is None or client is None or not files:
            return None
        if len(files) > MAX_FILES_AT_ONCE:
            self.notice.emit(self.tr("At most {0} files at once.").format(MAX_FILES_AT_ONCE))
            files = files[:MAX_FILES_AT_ONCE]
        return self._spawn(self._attach(client, session.chat_id, files, names or []))

    async def _attach(self, client: MessengerClient, chat_id: str, files: list[Path],
                      names: list[str]) -> None:
        loop = asyncio.get_running_loop()
        problems: list[str] = []
        for i, file in enumerate(files):
            name = names[i] if i < len(names) else file.name
            dest = client.uploads.staging(name)
            try:
                ready = await loop.run_in_executor(
                    None, prepare, file, dest, client.config.attachment_max_bytes, name)
            except UserFacingError as exc:
                problems.append(str(exc))
                continue
            msg = client.uploads.add(chat_id, ready)
            if msg.attachment is not None:
                client.images.set_local(msg.attachment.path, ready.local)
        if problems:
            self.notice.emit("\n".join(problems))

    def forward(self, msg: Message, chat_ids: list[str]) -> asyncio.Future | None:
        """Forward `msg`'s picture or file to `chat_ids` (forwarding.py): each becomes an
        upload there. Returns the task, for tests."""
        session, client = self.view.session, self.client
        if session is None or client is None or msg.attachment is None or not chat_ids:
            return None
        return self._spawn(self._forward(client, session.chat_id, msg, chat_ids))

    async def _forward(self, client: MessengerClient, chat_id: str, msg: Message,
                       chat_ids: list[str]) -> None:
        try:
            await forward_file(msg, chat_id, chat_ids, client.images, client.uploads)
        except UserFacingError as exc:
            self.notice.emit(self.tr("Could not forward the file: {0}").format(str(exc)))

    def attach_image(self, image: QImage) -> asyncio.Future | None:
        """A pasted picture: saved as a PNG first."""
        if image.isNull():
            return None
        folder = Path(tempfile.mkdtemp(prefix="messenger-paste-"))
        file = folder / "pasted.png"
        if not image.save(str(file)):  # PNG, by the name
            self.notice.emit(self.tr("The pasted picture could not be read."))
            return None
        task = self.attach([file], [self.tr("Pasted picture") + ".png"])
        if task is not None:
            task.add_done_callback(lambda _t: shutil.rmtree(folder, ignore_errors=True))
        return task

    def _take(self, mime: QMimeData) -> bool:
        """Attach what `mime` carries (local files, or a picture); True when it did."""
        files = [f for f in local_files(mime) if f.is_file()] if mime.hasUrls() else []
        if files:
            self.attach(files)
            return True
        if mime.hasImage():
            image = mime.imageData()
            if isinstance(image, QImage):
                self.attach_image(image)
                return True
        return False

    # events ----------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        try:
            return self._filter(watched, event)
        except Exception:  # an exception escaping into Qt here would abort the app
            log.exception("handling %s failed", event.type())
            return False

    def _filter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            mime = event.mimeData()  # type: ignore[attr-defined]
            if (mime.hasUrls() and local_files(mime)) or mime.hasImage():
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
            return False
        if kind == QEvent.Type.Drop:
            mime = event.mimeData()  # type: ignore[attr-defined]
            if self.view.session is not None and self._take(mime):
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
            return False
        if watched is self._input and kind == QEvent.Type.KeyPress:
            if event.matches(QKeySequence.StandardKey.Paste):  # type: ignore[attr-defined]
                mime = QGuiApplication.clipboard().mimeData()
                if mime is not None and (mime.hasImage() or (mime.hasUrls()
                                                             and local_files(mime))):
                    return self._take(mime)
            return False
        if watched is self._viewport and kind in (
                QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                QEvent.Type.MouseButtonDblClick):
            if event.button() != Qt.MouseButton.LeftButton:  # type: ignore[attr-defined]
                return False
            pos = event.position().toPoint()  # type: ignore[attr-defined]
            action, msg = self.action_at(pos)
            if not action or msg is None:
                return False
            if kind == QEvent.Type.MouseButtonRelease:
                self.act(action, msg)
            return True  # a press on a picture or a file does not start a text selection
        return False

    def action_at(self, pos: QPoint) -> tuple[str, Message | None]:
        """What a click at `pos` (viewport coordinates) would do, and on which message."""
        view = self.view.list
        index = view.indexAt(pos)
        if not index.isValid():
            return "", None
        msg: Message = index.data(Roles.Message)
        if msg is None or msg.attachment is None:
            return "", None
        bubbles = view.bubbles
        rect = bubbles.part_rect(view.visualRect(index), index, view.font())
        return bubbles.attachments.hit(rect, msg, pos, view.font()), msg

    def act(self, action: str, msg: Message) -> None:
        client, att = self.client, msg.attachment
        if client is None or att is None:
            return
        if action == "cancel":
            client.uploads.cancel(msg.id)
        elif action == "retry":
            client.uploads.retry(msg.id)
        elif action == "view":
            self.open_viewer(att)
        elif action == "open":
            self._spawn(self.open_file(att))
        elif action == "save":
            self.ask_save(att)

    def add_menu_items(self, menu: QMenu, msg: Message | None) -> None:
        """The message menu's items for its picture or file (keyboard users have no click):
        view / open, save; cancel an upload under way."""
        if msg is None or msg.attachment is None or self.client is None:
            return
        att = msg.attachment
        first = menu.actions()[0] if menu.actions() else None
        items: list[QAction] = []
        if msg.pending:
            if self.client.uploads.fraction(msg.id) is not None:
                cancel = QAction(self.tr("Cancel upload"), menu)
                cancel.triggered.connect(lambda: self.act("cancel", msg))
                items.append(cancel)
        else:
            picture = self.view.list.bubbles.attachments.shows_picture(att)
            view = QAction(self.tr("View picture") if picture else self.tr("Open file"), menu)
            view.triggered.connect(lambda: self.act("view" if picture else "open", msg))
            save = QAction(self.tr("Save as…"), menu)
            save.triggered.connect(lambda: self.ask_save(att))
            items += [view, save]
        for item in items:
            menu.insertAction(first, item) if first is not None else menu.addAction(item)
        if items and first is not None:
            menu.insertSeparator(first)

    # pictures and files ----------------------------------------------------------------------
    def open_viewer(self, att: Attachment) -> PictureViewer | None:
        if self.client is None:
            return None
        viewer = PictureViewer(att, self.client.images, self.view)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.save_requested.connect(self.ask_save)
        viewer.finished.connect(lambda _r: setattr(self, "viewer", None))
        self.viewer = viewer
        viewer.open()
        return viewer

    async def open_file(self, att: Attachment) -> Path | None:
        """Download (once) and open with the desktop's application for its type."""
        file = await self._original(att)
        if file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(file)))
        return file

    def ask_save(self, att: Attachment) -> QFileDialog:
        dialog = QFileDialog(self.view, self.tr("Save file"))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.selectFile(att.name)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda f: self._spawn(self.save_to(att, Path(f))))
        dialog.finished.connect(lambda _r: setattr(self, "save_dialog", None))
        self.save_dialog = dialog
        dialog.open()
        return dialog

    async def save_to(self, att: Attachment, target: Path) -> bool:
        file = await self._original(att)
        if file is None:
            return False
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, shutil.copyfile, file, target)
        except OSError as exc:
            self.notice.emit(self.tr("Could not save “{0}”: {1}").format(
                str(target), exc.strerror or str(exc)))
            return False
        return True

    async def _original(self, att: Attachment) -> Path | None:
        if self.client is None:
            return None
        try:
            return await self.client.images.original(att)
        except UserFacingError as exc:
            self.notice.emit(str(exc))
            self._repaint()
            return None

    def _spawn(self, coro: Any) -> asyncio.Future:
        task = asyncio.ensure_future(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task
