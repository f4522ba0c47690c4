"""My display name: what the rules accept for `users/{uid}/displayName`, checked before the
write so the user gets a sentence instead of a refusal."""

from __future__ import annotations

from messenger_model.limits import DISPLAY_NAME_MAX
from PySide6.QtCore import QCoreApplication

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls

NAME_MAX = DISPLAY_NAME_MAX  # the rules' limit, in UTF-16 units (JavaScript's length)


def normalise_name(name: str) -> str:
    """Runs of whitespace become one space; leading and trailing ones go."""
    return " ".join(name.split())


def display_name_problem(name: str) -> str:
    """Why this (normalised) display name cannot be saved, or "" (an empty one removes it)."""
    units = len(name.encode("utf-16-le")) // 2
    if units > NAME_MAX:
        return translate("Profile", "A name can have at most {0} characters.").format(NAME_MAX)
    return ""
