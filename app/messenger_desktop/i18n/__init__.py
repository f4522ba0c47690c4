"""Translations: Qt's system (.ts sources compiled to .qm, loaded by QTranslator).

English is the source language; `messenger_ru.qm` holds Russian. The language follows the
system locale unless the user picks one in the menu (remembered in QSettings).
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QDate, QLibraryInfo, QLocale, QTranslator

HERE = Path(__file__).resolve().parent
AVAILABLE = ("en", "ru")

_installed: list[QTranslator] = []
# Day and month names follow the chosen language, not the C locale Python's strftime uses.
_locale = QLocale(QLocale.Language.English, QLocale.Country.UnitedStates)


def current_locale() -> QLocale:
    """The locale of the language in use: dates and day names are written in it."""
    return _locale


def local_date(t: time.struct_time, pattern: str) -> str:
    """A date in the language in use ("12 Mar", "12 мар."), from a Qt date pattern."""
    return _locale.toString(QDate(t.tm_year, t.tm_mon, t.tm_mday), pattern)


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
    global _locale
    app = QCoreApplication.instance()
    if app is None:  # translators live on the application object
        raise RuntimeError("i18n.install() needs the QApplication; create it first")
    lang = resolve(choice)
    _locale = (QLocale(QLocale.Language.English, QLocale.Country.UnitedStates) if lang == "en"
               else QLocale(lang))
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
