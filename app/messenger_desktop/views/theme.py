"""Light and dark themes: a palette plus a style sheet, following the system unless chosen.

The delegates paint with colours from `Theme.current()`, so bubbles, badges and dots change
with the theme as well as the widgets do.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


@dataclass(frozen=True)
class Colors:
    name: str
    window: str
    sidebar: str
    surface: str
    text: str
    muted: str
    accent: str
    accent_text: str
    own_bubble: str
    own_text: str
    other_bubble: str
    other_text: str
    border: str
    online: str
    badge: str
    badge_text: str
    selection: str
    banner: str
    banner_text: str
    error: str
    link: str
    own_link: str


LIGHT = Colors(
    name="light", window="#f4f6fa", sidebar="#ffffff", surface="#ffffff", text="#1c2330",
    muted="#6b7585", accent="#3a7bfd", accent_text="#ffffff", own_bubble="#3a7bfd",
    own_text="#ffffff", other_bubble="#ffffff", other_text="#1c2330", border="#e1e5ec",
    online="#2fb463", badge="#3a7bfd", badge_text="#ffffff", selection="#e6eefe",
    banner="#fff3cd", banner_text="#5c4300", error="#c62828", link="#1f5fd6", own_link="#dfe9ff",
)
DARK = Colors(
    name="dark", window="#14171c", sidebar="#1b1f26", surface="#222730", text="#e6e9ef",
    muted="#8d96a7", accent="#4c8dff", accent_text="#ffffff", own_bubble="#3266d6",
    own_text="#ffffff", other_bubble="#2a303a", other_text="#e6e9ef", border="#2c323c",
    online="#3ccf76", badge="#4c8dff", badge_text="#ffffff", selection="#28344a",
    banner="#4a3b10", banner_text="#ffe8a3", error="#ff6b6b", link="#8db4ff", own_link="#dfe9ff",
)


def _palette(c: Colors) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, value in (
        (role.Window, c.window), (role.WindowText, c.text), (role.Base, c.surface),
        (role.AlternateBase, c.sidebar), (role.Text, c.text), (role.Button, c.surface),
        (role.ButtonText, c.text), (role.Highlight, c.accent),
        (role.HighlightedText, c.accent_text), (role.ToolTipBase, c.surface),
        (role.ToolTipText, c.text), (role.PlaceholderText, c.muted), (role.Link, c.link),
        (role.BrightText, c.error), (role.Mid, c.border), (role.Midlight, c.border),
    ):
        p.setColor(r, QColor(value))
    p.setColor(QPalette.ColorGroup.Disabled, role.Text, QColor(c.muted))
    p.setColor(QPalette.ColorGroup.Disabled, role.ButtonText, QColor(c.muted))
    return p


def _style_sheet(c: Colors) -> str:
    return f"""
    QWidget {{ font-size: 10pt; }}
    QMainWindow, QDialog, #LoginPage {{ background: {c.window}; }}
    #Sidebar {{ background: {c.sidebar}; border-right: 1px solid {c.border}; }}
    #ChatHeader {{ background: {c.sidebar}; border-bottom: 1px solid {c.border}; }}
    #Composer {{ background: {c.sidebar}; border-top: 1px solid {c.border}; }}
    #ComposeBar {{ background: {c.sidebar}; border-top: 1px solid {c.border};
        border-left: 3px solid {c.accent}; }}
    #ComposeBarTitle {{ color: {c.accent}; font-weight: 600; }}
    #ComposeBarText {{ color: {c.muted}; }}
    #EmojiPicker {{ background: {c.surface}; border: 1px solid {c.border}; }}
    #ChatTitle {{ font-size: 12pt; font-weight: 600; color: {c.text}; }}
    #ChatSubtitle, #Muted {{ color: {c.muted}; }}
    #ChatSubtitle[typing="true"] {{ color: {c.accent}; }}
    #Empty {{ color: {c.muted}; font-size: 11pt; }}
    #LoginCard {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 14px; }}
    #LoginTitle {{ font-size: 18pt; font-weight: 700; color: {c.text}; }}
    #Brand {{ font-size: 16pt; font-weight: 700; color: {c.accent}; }}
    #FormError {{ color: {c.error}; }}
    #Banner {{ background: {c.banner}; color: {c.banner_text}; padding: 6px 12px; }}
    QLineEdit, QPlainTextEdit {{
        background: {c.surface}; color: {c.text}; border: 1px solid {c.border};
        border-radius: 8px; padding: 6px 8px; selection-background-color: {c.accent};
    }}
    QLineEdit:focus, QPlainTextEdit:focus {{ border: 1px solid {c.accent}; }}
    QPushButton {{
        background: {c.surface}; color: {c.text}; border: 1px solid {c.border};
        border-radius: 8px; padding: 6px 14px;
    }}
    QPushButton:hover {{ border-color: {c.accent}; }}
    QPushButton#Primary {{ background: {c.accent}; color: {c.accent_text}; border: none;
        font-weight: 600; }}
    QPushButton#Primary:disabled {{ background: {c.border}; color: {c.muted}; }}
    QPushButton#Link, QToolButton#Link {{ background: transparent; border: none; color: {c.link};
        padding: 2px; }}
    QToolButton {{ background: transparent; border: none; border-radius: 6px; padding: 4px;
        color: {c.text}; }}
    QToolButton:hover {{ background: {c.selection}; }}
    QToolButton::menu-indicator {{ image: none; width: 0; }}
    QListView {{ background: transparent; border: none; outline: 0; }}
    QListView#ChatList {{ background: {c.sidebar}; }}
    QListView#Messages {{ background: {c.window}; }}
    QScrollBar:vertical {{ background: transparent; width: 10px; margin: 0; }}
    QScrollBar::handle:vertical {{ background: {c.border}; border-radius: 5px; min-height: 30px; }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0; }}
    QMenu {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border}; }}
    QMenu::item:selected {{ background: {c.selection}; }}
    QCheckBox {{ color: {c.text}; }}
    """


_PLATFORM_DARK: bool | None = None


def system_prefers_dark() -> bool:
    global _PLATFORM_DARK
    if _PLATFORM_DARK is None:
        # Read the platform palette once, before our own palette replaces it.
        window = QGuiApplication.palette().color(QPalette.ColorRole.Window)
        _PLATFORM_DARK = window.lightness() < 128
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    # Unknown (old Qt, no desktop): judge by the platform palette's window colour.
    return _PLATFORM_DARK


class Theme(QObject):
    """Applies and remembers the theme choice ("system", "light", "dark")."""

    changed = Signal(str)  # the effective theme: "light" or "dark"
    _colors: Colors = LIGHT

    def __init__(self, choice: str = "system") -> None:
        super().__init__()
        self.choice = choice
        system_prefers_dark()  # remember the platform palette before replacing it
        hints = QGuiApplication.styleHints()
        if hasattr(hints, "colorSchemeChanged"):
            hints.colorSchemeChanged.connect(lambda _s: self._on_system_change())

    @classmethod
    def current(cls) -> Colors:
        return cls._colors

    def effective(self) -> str:
        if self.choice in ("light", "dark"):
            return self.choice
        return "dark" if system_prefers_dark() else "light"

    def set_choice(self, choice: str) -> None:
        self.choice = choice
        self.apply()

    def _on_system_change(self) -> None:
        if self.choice == "system":
            self.apply()

    def apply(self) -> None:
        colors = DARK if self.effective() == "dark" else LIGHT
        Theme._colors = colors
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.setStyle("Fusion")  # the same look everywhere; the palette then drives it
            app.setPalette(_palette(colors))
            app.setStyleSheet(_style_sheet(colors))
        self.changed.emit(colors.name)
