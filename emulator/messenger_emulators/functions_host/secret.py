"""The per-run secret between the host and its worker.

The worker listens on loopback ports that any local program (or a web page, with a simple
POST) could reach: without a check, a forged CloudEvent would run a trigger with made-up data
(rewriting anyone's chat previews), and a request straight to the worker would pick its own
X-Forwarded-For. The host makes a random secret per run and gives it to the worker in its
environment at spawn (the worker removes it from its environment before any function code
loads). Every HTTP request the host forwards carries it in ``SECRET_HEADER``; an event-channel
connection starts with it (channel.py: one hello frame, then frames). The worker compares in
constant time and refuses anything else.
"""

from __future__ import annotations

import hmac
import secrets

SECRET_ENV = "MESSENGER_WORKER_SECRET"
SECRET_HEADER = "X-Messenger-Worker-Secret"
SECRET_ENVIRON = "HTTP_X_MESSENGER_WORKER_SECRET"  # the header in a WSGI environ
MAX_SECRET_BYTES = 256


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def matches(given: str | bytes | None, expected: bytes | None) -> bool:
    """Constant-time comparison; nothing matches when the worker has no secret."""
    if given is None or not expected:
        return False
    if isinstance(given, str):
        given = given.encode("latin-1", "replace")  # WSGI header values are latin-1 text
    return hmac.compare_digest(given, expected)
