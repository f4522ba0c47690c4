"""Secrets never reach the functions' logs: ID tokens, refresh tokens, passwords, Authorization.

Cloud Functions keeps whatever a function writes to stderr in Cloud Logging, where far more
people read it than would ever see a password; an exception's text can carry a URL or a request
body. `install()` (called when main.py loads) scrubs every record the instance makes, whoever
logs it: its message with its arguments filled in, its traceback and its stack.
`RedactingFilter` does the same for one handler or logger.

What is replaced by `[REDACTED]`: the value of a secret query or form parameter (`auth`,
`access_token`, `id_token`, `refresh_token`, `token`, `password`, `oobCode`...), of an
`Authorization`/`Cookie` header in any spelling, of a secret field of a JSON body or a dict
(`"password": "..."`, `'refreshToken': '...'`), any `Bearer x`, and anything shaped like a JWT.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

MASK = "[REDACTED]"
_SECRET_NAMES = (
    r"auth|access_?token|id_?token|refresh_?token|custom_?token|token|password|passwd"
    r"|password_?hash|secret|client_?secret|oob_?code|api_?secret"
)
_HEADER_NAMES = r"authorization|proxy-authorization|cookie|set-cookie|x-firebase-appcheck"
_RULES = [
    # a JWT anywhere: ID tokens, custom tokens, the emulator's unsigned tokens (empty signature)
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), MASK),
    # a header as text, a dict or JSON: keep its name and scheme, hide the credential
    (re.compile(
        rf"""(?i)(\\?["']?(?:{_HEADER_NAMES})\\?["']?\s*[:=]\s*\\?["']?)"""
        r"""((?:bearer|basic|firebase|token)\s+)?[^"'\\,;}\r\n]+"""),
     rf"\1\2{MASK}"),
    # "password": "…" / 'refreshToken': '…' / password="…" (JSON, reprs, keyword dumps)
    (re.compile(
        rf"""(?i)(\\?["']?\b(?:{_SECRET_NAMES})\\?["']?\s*[:=]\s*)(\\?["'])(.*?)(?<!\\)\2"""),
     rf"\1\2{MASK}\2"),
    # a query string or a form: ?auth=…&  password=…
    (re.compile(rf"(?i)((?:^|[?&;\s(])(?:{_SECRET_NAMES})=)[^&#\s\"'<>)]+"), rf"\1{MASK}"),
    # "Bearer x" wherever else it turns up
    (re.compile(r"(?i)(\bbearer\s+)(?!\[REDACTED\])[A-Za-z0-9._~+/=-]+"), rf"\1{MASK}"),
]


# Every rule needs one of these (lowercased) words: a line without any passes untouched, at
# the cost of a few substring scans rather than five regular expressions.
_SUSPECT = ("eyj", "bearer", "auth", "token", "passw", "secret", "cookie", "oob", "appcheck")


def redact(text: str) -> str:
    """`text` with every credential it carries replaced by [REDACTED]."""
    lowered = text.lower()
    if not any(word in lowered for word in _SUSPECT):
        return text
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text


def scrub(record: logging.LogRecord) -> logging.LogRecord:
    """Redact a record in place: the formatted message, the traceback, the stack."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string: the handler will report it
        return record
    record.msg, record.args = redact(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A filter that lets every record through, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub(record)
        return True


_installed = False


def install() -> None:
    """Redact every record this process makes, whoever logs it and wherever it goes."""
    global _installed
    if _installed:
        return
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub(make(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True
