"""User preferences, kept with QSettings (the platform's native place for them)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from .paths import profile_dir

THEMES = ("system", "light", "dark")
LANGUAGES = ("system", "en", "ru")


def data_dir() -> Path:
    """The default profile's folder (see store/paths.py); MESSENGER_DATA_DIR overrides it, so
    tests and screenshots never touch the real one."""
    return profile_dir("")


class Settings:
    def __init__(self, qsettings: QSettings | None = None, profile: str = "") -> None:
        """The default profile's settings live where the platform keeps them (QSettings); a
        named profile's (and MESSENGER_DATA_DIR's) in settings.ini in its folder."""
        if qsettings is None:
            if profile or os.environ.get("MESSENGER_DATA_DIR"):
                ini = profile_dir(profile) / "settings.ini"
                qsettings = QSettings(str(ini), QSettings.Format.IniFormat)
            else:
                qsettings = QSettings("Messenger", "messenger")
        self._q = qsettings

    def _get(self, key: str, default: str, allowed: tuple[str, ...] | None = None) -> str:
        value = self._q.value(key, default)
        value = str(value) if value is not None else default
        return value if allowed is None or value in allowed else default

    @property
    def theme(self) -> str:
        return self._get("ui/theme", "system", THEMES)

    @theme.setter
    def theme(self, value: str) -> None:
        self._q.setValue("ui/theme", value)
        self._q.sync()

    @property
    def language(self) -> str:
        return self._get("ui/language", "system", LANGUAGES)

    @language.setter
    def language(self, value: str) -> None:
        self._q.setValue("ui/language", value)
        self._q.sync()

    @property
    def config_path(self) -> str:
        return self._get("connection/config_path", "")

    @config_path.setter
    def config_path(self, value: str) -> None:
        self._q.setValue("connection/config_path", value)
        self._q.sync()

    @property
    def last_email(self) -> str:
        return self._get("account/last_email", "")

    @last_email.setter
    def last_email(self, value: str) -> None:
        self._q.setValue("account/last_email", value)
        self._q.sync()

    @property
    def stay_signed_in(self) -> bool:
        return self._get("account/stay_signed_in", "true") == "true"

    @stay_signed_in.setter
    def stay_signed_in(self, value: bool) -> None:
        self._q.setValue("account/stay_signed_in", "true" if value else "false")
        self._q.sync()

    # the window -----------------------------------------------------------------------------
    @property
    def window_geometry(self) -> QByteArray:
        """The main window's size and position (QWidget.saveGeometry), or empty."""
        value = self._q.value("ui/geometry")
        return value if isinstance(value, QByteArray) else QByteArray()

    @window_geometry.setter
    def window_geometry(self, value: QByteArray) -> None:
        self._q.setValue("ui/geometry", value)
        self._q.sync()

    # notifications --------------------------------------------------------------------------
    @property
    def sound(self) -> bool:
        """A sound with each new message's notification (on unless switched off)."""
        return self._get("notifications/sound", "true") == "true"

    @sound.setter
    def sound(self, value: bool) -> None:
        self._q.setValue("notifications/sound", "true" if value else "false")
        self._q.sync()

    @property
    def muted_chats(self) -> set[str]:
        """Chats whose new messages neither sound nor pop up (the badge still counts them)."""
        value = self._q.value("notifications/muted", "")
        items = value if isinstance(value, list) else str(value or "").split(",")
        return {str(v) for v in items if str(v)}

    @muted_chats.setter
    def muted_chats(self, chats: set[str]) -> None:
        self._q.setValue("notifications/muted", ",".join(sorted(chats)))
        self._q.sync()
