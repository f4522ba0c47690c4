"""Identifiers: uids, email keys, direct chat ids, and database key validity."""

from __future__ import annotations

import hashlib
import re
import secrets
import string

from messenger_model.chats import chat_members, direct_chat_id

__all__ = ["chat_id", "chat_members"]

_UID_ALPHABET = string.ascii_letters + string.digits
UID_LENGTH = 28  # the length of Firebase Auth's own uids
_FORBIDDEN_KEY_CHARS = set(".$#[]/") | {chr(c) for c in range(0x20)} | {"\x7f"}
MAX_KEY_BYTES = 768


def new_uid() -> str:
    """A random uid without `_`, so that a direct chat id splits unambiguously."""
    return "".join(secrets.choice(_UID_ALPHABET) for _ in range(UID_LENGTH))


def address_key(address: str) -> str:
    return hashlib.sha256(address.encode("utf-8")).hexdigest()[:32]


chat_id = direct_chat_id


def is_valid_key(key: str) -> bool:
    return (
        bool(key)
        and len(key.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES
        and not any(ch in _FORBIDDEN_KEY_CHARS for ch in key)
    )


def is_addressable_key(key: str) -> bool:
    """A valid key that firebase-admin can also put in a reference path: it refuses '?' (legal
    in the database, but it would end the REST URL's path), so such a key is not ours to touch."""
    return is_valid_key(key) and "?" not in key


def is_plausible_uid(uid: str) -> bool:
    """A uid this API can use in a chat id and a path (ours, or a test's `[A-Za-z0-9-]+`)."""
    return bool(uid) and len(uid) <= 128 and re.fullmatch(r"[A-Za-z0-9-]+", uid) is not None
