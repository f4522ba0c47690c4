"""The file dialog that picks one picture (a profile's, a group's): window-modal, never a
nested event loop (`open()`, not `exec()`: asyncio keeps running), deleted when it closes."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import QFileDialog, QWidget


def open_picture_dialog(parent: QWidget, title: str, name_filter: str,
                   chosen: Callable[[str], object] | SignalInstance) -> QFileDialog:
    """Opens the dialog; `chosen` (a slot or a signal) gets the file's path. Returned for
    tests to drive."""
    dialog = QFileDialog(parent, title)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter(name_filter)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog
