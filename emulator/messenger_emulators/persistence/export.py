"""The `firebase emulators:export` folder layout, so data moves to and from the official suite.

    DIR/firebase-export-metadata.json   {"version": V, "database": {"version": V, "path": P}}
    DIR/P/NAMESPACE.json         the namespace's root as GET /.json?format=export returns it

(Shape from firebase-tools src/emulator/hubExport.ts.) Other emulators' entries in an existing
metadata file are left out of ours: only the database is exported here.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .errors import (
    MSG_EXPORT_BAD_FILE,
    MSG_EXPORT_BAD_KEY,
    MSG_EXPORT_BAD_METADATA,
    MSG_EXPORT_NO_METADATA,
    PersistenceError,
)
from .snapshot import fsync_dir
from .tree import from_json

METADATA_FILE = "firebase-export-metadata.json"
DATABASE_FOLDER = "database_export"
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


def read_export(folder: Path | str) -> dict[str, object]:
    """namespace -> root from an export folder; a clear PersistenceError if it is not one."""
    folder = Path(folder)
    meta_path = folder / METADATA_FILE
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
    db_folder = folder / str(database.get("path") or DATABASE_FOLDER)
    roots: dict[str, object] = {}
    if not db_folder.is_dir():
        return roots
    for file in sorted(db_folder.glob("*.json")):
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
        except (ValueError, OSError) as exc:
            raise PersistenceError(MSG_EXPORT_BAD_FILE.format(path=file, detail=exc)) from exc
        _check_keys(doc, file, [])
        root = from_json(doc)
        if root is not None:
            roots[file.stem] = root
    return roots


def write_export(folder: Path | str, roots: dict[str, object]) -> None:
    """Write an export folder, replacing what was there only once the new one is complete."""
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
        metadata = {
            "version": EXPORT_VERSION,
            "database": {"version": DATABASE_VERSION, "path": DATABASE_FOLDER},
        }
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
