"""Which object names the emulator accepts. Cloud Storage allows any UTF-8 name of 1-1024
bytes without CR/LF; names are also rules paths here, so the emulator is stricter where a name
could make a path mean something else: no control characters, no '.' or '..' segments, no
empty segments. A name is used exactly as given (after the one URL decoding of the request):
what the rules decide on is what is stored."""

from __future__ import annotations

from . import errors as msg
from .errors import bad_request

MAX_NAME_BYTES = 1024


def check_name(name: str | None) -> str:
    if name is None or name == "":
        raise bad_request(msg.MISSING_NAME)
    why = None
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        why = msg.WHY_TOO_LONG
    elif any(ord(c) < 0x20 or ord(c) == 0x7F or 0xD800 <= ord(c) <= 0xDFFF for c in name):
        why = msg.WHY_CONTROL
    else:
        segments = name.split("/")
        if any(s in (".", "..") for s in segments):
            why = msg.WHY_DOT_SEGMENT
        elif any(s == "" for s in segments):
            why = msg.WHY_EMPTY_SEGMENT
    if why is not None:
        raise bad_request(msg.BAD_NAME.format(name=name[:200], why=why))
    return name
