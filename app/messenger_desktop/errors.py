"""Every failure the user can see, as one sentence each (one place, translatable).

Lower layers raise these exception types; views show `str(exc)`, never a traceback.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls


class UserFacingError(Exception):
    """An error whose str() is a sentence for the user."""


class Unreachable(UserFacingError):
    """The server did not answer: the user can retry."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or translate("Errors", "Can't reach the server. Check your connection and try again.")
        )


class ApiError(UserFacingError):
    """The server answered with a refusal (wrong password, email taken, ...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SessionExpired(UserFacingError):
    def __init__(self) -> None:
        super().__init__(translate("Errors", "Your session has ended. Please sign in again."))


class PermissionDenied(UserFacingError):
    def __init__(self) -> None:
        super().__init__(translate("Errors", "The server refused this change."))


def server_problem(status: int) -> str:
    text = translate("Errors", "The server had a problem (error {0}). Try again in a moment.")
    return text.format(status)


# The API's own sentences (functions/messenger_functions/errors.py), listed so that they can
# be translated: the server speaks English, the user may not.
_SERVER_TEXTS = (
    QT_TRANSLATE_NOOP("Server", "Enter a valid email address."),
    QT_TRANSLATE_NOOP("Server", "An account with this email already exists."),
    QT_TRANSLATE_NOOP("Server", "The password must not consist only of spaces."),
    QT_TRANSLATE_NOOP("Server", "Wrong email or password."),
    QT_TRANSLATE_NOOP("Server", "The database is unavailable right now; try again shortly."),
    QT_TRANSLATE_NOOP("Server", "The server is busy; try again."),
    # groups (issue 15)
    QT_TRANSLATE_NOOP("Server", "Only the group's owner and admins may do this."),
    QT_TRANSLATE_NOOP("Server", "Only the group's owner may remove an admin."),
    QT_TRANSLATE_NOOP("Server", "You are not a member of this chat."),
    QT_TRANSLATE_NOOP("Server", "No such chat."),
    QT_TRANSLATE_NOOP("Server", "The group's name must not be empty."),
)
_SERVER_PATTERNS = (
    (
        re.compile(r"The password must be at least (\d+) characters long\."),
        QT_TRANSLATE_NOOP("Server", "The password must be at least {0} characters long."),
    ),
    (
        re.compile(r"The password must be at most (\d+) bytes long \(UTF-8\)\."),
        QT_TRANSLATE_NOOP("Server", "The password must be at most {0} bytes long (UTF-8)."),
    ),
    (
        re.compile(r"A group has at most (\d+) members\."),
        QT_TRANSLATE_NOOP("Server", "A group has at most {0} members."),
    ),
    (
        re.compile(r"The group's name must be at most (\d+) characters long\."),
        QT_TRANSLATE_NOOP("Server", "The group's name must be at most {0} characters long."),
    ),
    (
        re.compile(r"Too many failed sign-in attempts\. Try again in (\d+) seconds\."),
        QT_TRANSLATE_NOOP(
            "Server", "Too many failed sign-in attempts. Try again in {0} seconds."
        ),
    ),
)


def server_text(detail: str) -> str:
    """The API's sentence in the user's language (as is when we do not know it)."""
    for pattern, template in _SERVER_PATTERNS:
        m = pattern.fullmatch(detail)
        if m:
            # str(): PySide6's stubs type QT_TRANSLATE_NOOP's result as object (it is the str)
            return translate("Server", str(template)).format(*m.groups())
    return translate("Server", detail)
