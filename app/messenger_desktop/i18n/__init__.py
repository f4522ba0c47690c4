"""Translations: Qt's system (.ts sources compiled to .qm, loaded by QTranslator).

English is the source language; `messenger_ru.qm` holds Russian. The language follows the
system locale unless the user picks one in the menu (remembered in QSettings).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

HERE = Path(__file__).resolve().parent
AVAILABLE = ("en", "ru")

_installed: list[QTranslator] = []


def resolve(choice: str) -> str:
    """"system" -> the system locale's language if we have it, else English."""
    if choice in AVAILABLE:
        return choice
    name = QLocale.system().name().split("_")[0]
    return name if name in AVAILABLE else "en"


def install(choice: str) -> str:
    """Load the translation for `choice` (replacing any previous); returns the language used.

    Installing or removing a translator sends LanguageChange to every widget, and each view
    re-reads its texts in changeEvent, so switching needs no restart.
    """
    app = QCoreApplication.instance()
    lang = resolve(choice)
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    if lang == "en":
        return lang
    ours = QTranslator(app)
    if ours.load(str(HERE / f"messenger_{lang}.qm")):
        app.installTranslator(ours)
        _installed.append(ours)
    qt = QTranslator(app)  # Qt's own dialogs' buttons ("Cancel", "Yes")
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(f"qtbase_{lang}", qt_dir):
        app.installTranslator(qt)
        _installed.append(qt)
    return lang
