"""The `firebase emulators:export` folder layout, so data moves to and from the official suite.

    DIR/firebase-export-metadata.json   {"version": V, "database": {"version": V, "path": P}}
    DIR/P/NAMESPACE.json         the namespace's root as GET /.json?format=export returns it

    DIR/auth_export/accounts.json       the Auth emulator's accounts as accounts:batchGet
                                        returns them ({"kind", "users": [...]})
    DIR/auth_export/config.json         its /emulator/v1/projects/P/config

    DIR/storage_export/...              the Storage emulator's objects (storage/export.py)

(Shape from firebase-tools src/emulator/hubExport.ts; metadata "auth": {"version", "path"},
"storage": {"version", "path"}.)

An import reads only inside the folder it is given: the metadata's `path`, the metadata file
and every namespace file must resolve (symlinks followed) to a place inside it; anything
else (`"../outside"`, an absolute path, a link out) is refused with one error, and nothing
is read from outside.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from .errors import (
    MSG_EXPORT_BAD_FILE,
    MSG_EXPORT_BAD_KEY,
    MSG_EXPORT_BAD_METADATA,
    MSG_EXPORT_NO_METADATA,
    MSG_EXPORT_OUTSIDE,
    PersistenceError,
)
from .snapshot import fsync_dir
from .tree import from_json

METADATA_FILE = "firebase-export-metadata.json"
DATABASE_FOLDER = "database_export"
AUTH_FOLDER = "auth_export"
STORAGE_FOLDER = "storage_export"
EXPORT_VERSION = "13.0.0"  # the firebase-tools version whose layout we write
DATABASE_VERSION = "4.11.2"  # the official database emulator's version of that release
BAD_KEY = re.compile(r"[.#$\[\]/\x00-\x1f\x7f]")


def _check_keys(value: object, file: Path, where: list[str]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            if key not in (".priority", ".value") and (not key or BAD_KEY.search(key)):
                raise PersistenceError(
                    MSG_EXPORT_BAD_KEY.format(path=file, key=key, where="/".join(where))
                )
            _check_keys(child, file, [*where, key])


def _inside(folder: Path, path: Path, what: str, shown: object) -> Path:
    """`path` with symlinks resolved, if that is inside `folder` (already resolved)."""
    resolved = path.resolve()
    if resolved != folder and not resolved.is_relative_to(folder):
        raise PersistenceError(MSG_EXPORT_OUTSIDE.format(folder=folder, what=what, path=shown))
    return resolved


def read_export(folder: Path | str) -> dict[str, object]:
    """namespace -> root from an export folder; a clear PersistenceError if it is not one."""
    folder = Path(folder).resolve()       # the folder the user named (it may be a link)
    meta_path = folder / METADATA_FILE
    if meta_path.is_symlink():
        _inside(folder, meta_path, "the metadata file", METADATA_FILE)
    try:
        metadata = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PersistenceError(MSG_EXPORT_NO_METADATA.format(path=folder)) from None
    except (ValueError, OSError) as exc:
        raise PersistenceError(MSG_EXPORT_BAD_METADATA.format(path=folder, detail=exc)) from exc
    if not isinstance(metadata, dict):
        raise PersistenceError(MSG_EXPORT_BAD_METADATA.format(path=folder, detail="not an object"))
    database = metadata.get("database")
    if not isinstance(database, dict):
        return {}  # an export without database data (e.g. auth only)
    named = str(database.get("path") or DATABASE_FOLDER)
    if Path(named).is_absolute() or ".." in Path(named).parts:
        raise PersistenceError(MSG_EXPORT_OUTSIDE.format(folder=folder, what="the database path",
                                                         path=named))
    db_folder = _inside(folder, folder / named, "the database path", named)
    roots: dict[str, object] = {}
    if not db_folder.is_dir():
        return roots
    for file in sorted(db_folder.glob("*.json")):
        _inside(folder, file, "the file", f"{named}/{file.name}")
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise PersistenceError(MSG_EXPORT_BAD_FILE.format(path=file, detail=exc)) from exc
        _check_keys(doc, file, [])
        root = from_json(doc)
        if root is not None:
            roots[file.stem] = root
    return roots


def read_auth_export(folder: Path | str) -> tuple[dict | None, dict | None]:
    """(accounts.json, config.json) of an export's auth folder, None for each one absent; a
    clear PersistenceError for a file that is not a JSON object or lies outside the folder."""
    folder = Path(folder).resolve()
    try:
        metadata = json.loads((folder / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None  # read_export reports a missing or bad metadata file
    auth = metadata.get("auth") if isinstance(metadata, dict) else None
    if not isinstance(auth, dict):
        return None, None
    named = str(auth.get("path") or AUTH_FOLDER)
    if Path(named).is_absolute() or ".." in Path(named).parts:
        raise PersistenceError(MSG_EXPORT_OUTSIDE.format(folder=folder, what="the auth path",
                                                         path=named))
    auth_folder = _inside(folder, folder / named, "the auth path", named)
    found: list[dict | None] = []
    for name in ("accounts.json", "config.json"):
        file = auth_folder / name
        if not file.is_file():
            found.append(None)
            continue
        _inside(folder, file, "the file", f"{named}/{name}")
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise PersistenceError(MSG_EXPORT_BAD_FILE.format(path=file, detail=exc)) from exc
        if not isinstance(doc, dict):
            raise PersistenceError(MSG_EXPORT_BAD_FILE.format(path=file, detail="not an object"))
        found.append(doc)
    return found[0], found[1]


def write_export(folder: Path | str, roots: dict[str, object],
                 auth: tuple[dict, dict] | None = None,
                 storage: Callable[[Path], None] | None = None) -> None:
    """Write an export folder, replacing what was there only once the new one is complete.
    `auth`: (accounts, config) of the Auth emulator, when it runs; `storage`: writes the
    Storage emulator's storage_export/ folder (the path it is given), when it runs."""
    import shutil
    import tempfile

    folder = Path(folder).resolve()
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-export-", dir=folder.parent))
    try:
        (tmp / DATABASE_FOLDER).mkdir()
        for namespace, root in sorted(roots.items()):
            if root is None:
                continue
            body = json.dumps(root, ensure_ascii=False, separators=(",", ":"))
            (tmp / DATABASE_FOLDER / f"{namespace}.json").write_text(body, encoding="utf-8")
        metadata: dict[str, object] = {
            "version": EXPORT_VERSION,
            "database": {"version": DATABASE_VERSION, "path": DATABASE_FOLDER},
        }
        if auth is not None:
            (tmp / AUTH_FOLDER).mkdir()
            for name, doc in zip(("accounts.json", "config.json"), auth, strict=True):
                # owner-only: accounts hold the emulator's (deliberately fake) password hashes
                fd = os.open(tmp / AUTH_FOLDER / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    json.dump(doc, f, indent=2)
            metadata["auth"] = {"version": EXPORT_VERSION, "path": AUTH_FOLDER}
        if storage is not None:
            storage(tmp / STORAGE_FOLDER)
            metadata["storage"] = {"version": EXPORT_VERSION, "path": STORAGE_FOLDER}
        (tmp / METADATA_FILE).write_text(json.dumps(metadata, indent=2), encoding="utf-8")
        os.sync()
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}-old-{os.getpid()}")
            os.replace(folder, old)
        os.replace(tmp, folder)
        fsync_dir(folder.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
