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


_root: list[Any] = []  # [(app, root Reference)]: db.reference() re-reads the app's options
# and re-parses the database URL on every call (~0.15 ms); Reference.child() does neither.


def ref(path: str) -> Any:
    from firebase_admin import db

    current = app()
    if not _root or _root[0][0] is not current:  # a new app (tests re-point firebase-admin)
        _root[:] = [(current, db.reference("/", app=current))]
    root = _root[0][1]
    path = path.strip("/")
    return root.child(path) if path else root


# The identity the unread trigger writes with: firebase-admin's public
# `databaseAuthVariableOverride` sets the rules' `auth` to exactly this object, which no ID
# token can produce (their claims sit under auth.token), so database.rules.json can let the
# trigger write userChats and still check each write: an unread id or a preview only for a
# message that exists at that moment (docs/functions.md).
TRIGGER_AUTH = {"uid": "messenger-unread-trigger", "messengerTrigger": True}
TRIGGER_APP_NAME = "messenger-unread-trigger"
_trigger_root: list[Any] = []  # [(default app, root Reference of the trigger's app)]


def trigger_ref(path: str) -> Any:
    """A reference for the trigger's writes (under the rules, as TRIGGER_AUTH)."""
    import firebase_admin
    from firebase_admin import db

    default = app()
    if not _trigger_root or _trigger_root[0][0] is not default:
        with _lock:
            try:
                made = firebase_admin.get_app(TRIGGER_APP_NAME)
            except ValueError:
                options = {"databaseAuthVariableOverride": TRIGGER_AUTH}
                url = default.options.get("databaseURL")
                if url:
                    options["databaseURL"] = url
                if default.project_id:
                    options["projectId"] = default.project_id
                made = firebase_admin.initialize_app(default.credential, options,
                                                     name=TRIGGER_APP_NAME)
            _trigger_root[:] = [(default, db.reference("/", app=made))]
    root = _trigger_root[0][1]
    path = path.strip("/")
    return root.child(path) if path else root


def now_ms() -> int:
    return int(time.time() * 1000)


_trigger_updates: list[Any] = []  # [UpdateBatcher], made on first use


def trigger_update(changes: dict[str, Any]) -> None:
    """The trigger's multi-path update (as TRIGGER_AUTH), sharing one write with the updates
    of invocations running at the same moment (update_batch.py): under a pile-up of
    messages the trigger's cost per message falls instead of its backlog growing."""
    if not _trigger_updates:
        from .update_batch import UpdateBatcher

        with _lock:
            if not _trigger_updates:
                _trigger_updates.append(
                    UpdateBatcher(lambda combined: trigger_ref("/").update(combined)))
    _trigger_updates[0].update(changes)


def trigger_update_then_delete(changes: dict[str, Any], deletions: dict[str, Any]) -> None:
    """`changes` as one trigger update, then `deletions` (a prune): as many of them as fit in
    the same write (update_batch.MAX_PATHS paths), the rest in writes of at most that many
    paths each. None of the deletions needs the others (each key goes on its own), and the
    database answers nobody else while it checks and applies one write: a prune of 500 keys
    in one update held it 5-11 ms (bench.unread_pileup). If `changes` is refused, nothing is
    deleted (the next prune will)."""
    from .update_batch import MAX_PATHS

    items = list(deletions.items())
    room = max(0, MAX_PATHS - len(changes))
    trigger_update({**changes, **dict(items[:room])})
    for start in range(room, len(items), MAX_PATHS):
        trigger_update(dict(items[start:start + MAX_PATHS]))
