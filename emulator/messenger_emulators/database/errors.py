"""The exception the HTTP layer turns into `{"error": ...}` with a status code."""

from __future__ import annotations


class DatabaseError(Exception):
    """A request the database refuses; `status` is the HTTP status, str() the error text."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None,
                 body: object = None, has_body: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}
        # a 412 answers with the current value instead of an error object
        self.body = body
        self.has_body = has_body


def bad_request(message: str) -> DatabaseError:
    return DatabaseError(400, message)


def unauthorized(message: str) -> DatabaseError:
    return DatabaseError(401, message)
