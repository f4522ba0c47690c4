"""Where "Stay signed in" keeps the refresh token.

The OS keychain (keyring) when a working backend exists; otherwise (CI, headless machines) a
file in the user's data folder that only the user can read (mode 0600). Never plain settings.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

SERVICE = "messenger-desktop"


@dataclass(frozen=True)
class SavedSession:
    uid: str
    email: str
    refresh_token: str


class TokenStore(Protocol):
    name: str

    def load(self, account: str) -> SavedSession | None: ...
    def save(self, account: str, session: SavedSession) -> None: ...
    def clear(self, account: str) -> None: ...


def _encode(session: SavedSession) -> str:
    doc = {"uid": session.uid, "email": session.email, "refresh": session.refresh_token}
    return json.dumps(doc)


def _decode(text: str | None) -> SavedSession | None:
    if not text:
        return None
    try:
        doc = json.loads(text)
        return SavedSession(doc["uid"], doc.get("email", ""), doc["refresh"])
    except (ValueError, KeyError, TypeError):
        return None  # unreadable: behave as signed out rather than crash


class KeyringTokenStore:
    name = "system keychain"

    def __init__(self, profile: str = "") -> None:
        import keyring

        self._keyring = keyring
        # One keychain serves every profile of the OS user: a named profile's entries carry
        # its name (the default profile's keep the plain account, as before profiles).
        self._prefix = f"{profile}:" if profile else ""

    def load(self, account: str) -> SavedSession | None:
        return _decode(self._keyring.get_password(SERVICE, self._prefix + account))

    def save(self, account: str, session: SavedSession) -> None:
        self._keyring.set_password(SERVICE, self._prefix + account, _encode(session))

    def clear(self, account: str) -> None:
        try:
            self._keyring.delete_password(SERVICE, self._prefix + account)
        except self._keyring.errors.PasswordDeleteError:
            pass


class FileTokenStore:
    name = "private file"

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def _path(self, account: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in account)
        return self._folder / f"session-{safe}.json"

    def load(self, account: str) -> SavedSession | None:
        try:
            return _decode(self._path(account).read_text(encoding="utf-8"))
        except OSError:
            return None

    def save(self, account: str, session: SavedSession) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        path = self._path(account)
        tmp = path.with_suffix(".tmp")
        # Created 0600 from the start: no moment where another user could read it.
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(_encode(session))
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)

    def clear(self, account: str) -> None:
        try:
            self._path(account).unlink()
        except FileNotFoundError:
            pass


def keyring_usable() -> bool:
    """True when keyring has a real backend (not the `fail` one, not plaintext files)."""
    if os.environ.get("MESSENGER_NO_KEYRING"):
        return False
    try:
        import keyring
        from keyring.backends import fail

        backend = keyring.get_keyring()
        if isinstance(backend, fail.Keyring):
            return False
        if getattr(backend, "priority", 0) <= 0:
            return False
        # Some backends only fail on use (a locked or absent Secret Service): probe once.
        keyring.get_password(SERVICE, "__probe__")
        return True
    except Exception as exc:  # any backend error means: do not rely on it
        log.info("keyring unavailable: %r", exc)
        return False


def default_token_store(folder: Path, profile: str = "") -> TokenStore:
    """The keychain if usable, else a 0600 file in the profile's folder."""
    return KeyringTokenStore(profile) if keyring_usable() else FileTokenStore(folder)
