"""Lazy access to firebase-admin: the app is initialised on first use, so importing is cheap.

`initialize_app()` takes no arguments: FIREBASE_CONFIG gives the databaseURL and project id, and
the emulator variables (FIREBASE_DATABASE_EMULATOR_HOST, FIREBASE_AUTH_EMULATOR_HOST) redirect
firebase-admin locally, so the same code runs in production and against the emulator suite.
"""

from __future__ import annotations

import threading
import time
from typing import Any

_lock = threading.Lock()
_app: Any = None


def app() -> Any:
    global _app
    if _app is None:
        with _lock:
            if _app is None:
                import firebase_admin

                try:
                    _app = firebase_admin.get_app()
                except ValueError:
                    _app = firebase_admin.initialize_app()
    return _app


def ref(path: str) -> Any:
    from firebase_admin import db

    return db.reference(path, app=app())


def now_ms() -> int:
    return int(time.time() * 1000)



TRIGGER_APP_NAME = "messenger-triggers"
_refs: dict[str, Any] = {}  # path -> Reference of the trigger app (db.reference() is costly)
_refs_app: Any = None
REFS_LIMIT = 8192


def trigger_ref(path: str) -> Any:
    """A reference for the triggers: its own firebase-admin app, with the lean transport.

    A separate app (same configuration: FIREBASE_CONFIG and the emulator variables) keeps the
    API's database client exactly as firebase-admin makes it; the trigger's client sends plain
    HTTP requests (the local emulator only) through transport.FastSession.
    """
    import firebase_admin
    from firebase_admin import db

    from . import transport

    global _refs_app
    try:
        made = firebase_admin.get_app(TRIGGER_APP_NAME)
    except ValueError:
        with _lock:
            try:
                made = firebase_admin.get_app(TRIGGER_APP_NAME)
            except ValueError:
                made = firebase_admin.initialize_app(name=TRIGGER_APP_NAME)
    if made is not _refs_app:  # a new app (tests re-point firebase-admin): new references
        _refs.clear()
        _refs_app = made
    reference = _refs.get(path)
    if reference is None:
        # db.reference() looks the client up and re-parses the emulator URL each time
        # (~0.15 ms); a Reference is immutable and thread-safe, so keep it.
        reference = db.reference(path, app=made)
        transport.install(reference._client)  # noqa: SLF001 - idempotent, see transport.py
        if len(_refs) >= REFS_LIMIT:
            _refs.clear()
        _refs[path] = reference
    return reference
