"""Every failure the user can see, as one sentence each (one place, translatable).

Lower layers raise these exception types; views show `str(exc)`, never a traceback.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication


def tr(text: str) -> str:
    return QCoreApplication.translate("Errors", text)


class UserFacingError(Exception):
    """An error whose str() is a sentence for the user."""


class Unreachable(UserFacingError):
    """The server did not answer: the user can retry."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message or tr("Can't reach the server. Check your connection and try again.")
        )


class ApiError(UserFacingError):
    """The server answered with a refusal (wrong password, email taken, ...)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class SessionExpired(UserFacingError):
    def __init__(self) -> None:
        super().__init__(tr("Your session has ended. Please sign in again."))


class PermissionDenied(UserFacingError):
    def __init__(self) -> None:
        super().__init__(tr("The server refused this change."))


def server_problem(status: int) -> str:
    return tr("The server had a problem (error {0}). Try again in a moment.").format(status)
