"""`storage_export/` in firebase-tools' layout (src/emulator/storage/files.ts export/import), so
objects move to and from the official emulator:

    DIR/firebase-export-metadata.json   ... "storage": {"version": V, "path": "storage_export"}
    DIR/storage_export/buckets.json     {"buckets": [{"id": BUCKET}, ...]}
    DIR/storage_export/blobs/FILE       an object's bytes
    DIR/storage_export/metadata/FILE.json   its metadata (firebase-tools' StoredFileMetadata:
                                        name, bucket, generation, contentType, customMetadata,
                                        downloadTokens, timeCreated, size, md5Hash, crc32c...)

On import a metadata file names its blob by its own path under metadata/ minus ".json", as
firebase-tools reads it; checksums and size are recomputed from the bytes. Nothing outside
the export folder is read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from pathlib import Path
from typing import Any

from .metadata import ObjectMetadata, checksums, rfc3339
from .names import check_name
from .store import ObjectStore, _key

log = logging.getLogger("messenger_emulators.storage")
STORAGE_FOLDER = "storage_export"


class StorageImportError(ValueError):
    """The export's storage part cannot be read (the suite reports it in one line)."""


def write_storage_export(store: ObjectStore, folder: Path) -> None:
    """Write `folder` (the export's storage_export/, not existing yet)."""
    (folder / "blobs").mkdir(parents=True)
    (folder / "metadata").mkdir()
    objects = store.snapshot()
    buckets = {"buckets": [{"id": b} for b in sorted({o.meta.bucket for o in objects})]}
    (folder / "buckets.json").write_text(json.dumps(buckets, indent=2), encoding="utf-8")
    for stored in objects:
        file = _key(stored.meta.bucket, stored.meta.name)
        try:
            data = stored.data
        except FileNotFoundError:   # replaced or deleted during the export: its newer state
            found = store.read(stored.meta.bucket, stored.meta.name)
            if found is None:
                continue
            stored, data = found
        (folder / "blobs" / file).write_bytes(data)
        (folder / "metadata" / f"{file}.json").write_text(
            json.dumps(_serialised(stored.meta), indent=2), encoding="utf-8")


def _serialised(meta: ObjectMetadata) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": meta.name, "bucket": meta.bucket, "metageneration": meta.metageneration,
        "generation": meta.generation, "contentType": meta.content_type,
        "storageClass": "STANDARD", "downloadTokens": list(meta.download_tokens),
        "etag": meta.etag, "timeCreated": rfc3339(meta.time_created),
        "updated": rfc3339(meta.updated), "size": meta.size, "md5Hash": meta.md5_hash,
        "crc32c": meta.crc32c,
    }
    if meta.custom:
        out["customMetadata"] = dict(meta.custom)
    for key in ("contentDisposition", "contentEncoding", "contentLanguage", "cacheControl"):
        value = getattr(meta, "".join("_" + c.lower() if c.isupper() else c for c in key))
        if value:
            out[key] = value
    return out


def _seconds(value: object, default: float) -> float:
    if not isinstance(value, str):
        return default
    try:
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return default


def read_storage_export(export_dir: Path) -> list[tuple[ObjectMetadata, bytes]]:
    """The objects of an export folder's storage part ([] when it has none)."""
    export_dir = Path(export_dir).resolve()
    try:
        top = json.loads((export_dir / "firebase-export-metadata.json").read_text("utf-8"))
    except (OSError, ValueError):
        return []   # the database part of the import reports a missing or bad metadata file
    entry = top.get("storage") if isinstance(top, dict) else None
    if not isinstance(entry, dict):
        return []
    named = str(entry.get("path") or STORAGE_FOLDER)
    folder = (export_dir / named).resolve()
    if Path(named).is_absolute() or not folder.is_relative_to(export_dir):
        raise StorageImportError(f"Could not import storage from {export_dir}: its path "
                                 f"{named!r} is outside the export folder.")
    meta_dir, blob_dir = folder / "metadata", folder / "blobs"
    if not meta_dir.is_dir() or not blob_dir.is_dir():
        return []
    found: list[tuple[ObjectMetadata, bytes]] = []
    for file in sorted(meta_dir.rglob("*.json")):
        relative = file.relative_to(meta_dir).as_posix()[:-len(".json")]
        blob = (blob_dir / relative).resolve()
        if not blob.is_relative_to(blob_dir.resolve()) or \
                not file.resolve().is_relative_to(folder):
            raise StorageImportError(f"Could not import storage from {export_dir}: "
                                     f"{file.name} points outside the export folder.")
        try:
            doc = json.loads(file.read_text(encoding="utf-8"))
            data = blob.read_bytes()
        except FileNotFoundError:
            log.warning("storage import: no blob %s for %s; skipped", relative, file.name)
            continue
        except (OSError, ValueError) as exc:
            raise StorageImportError(f"Could not import storage from {export_dir}: "
                                     f"{file.name}: {exc}") from None
        if not isinstance(doc, dict) or not isinstance(doc.get("name"), str) or \
                not isinstance(doc.get("bucket"), str):
            raise StorageImportError(f"Could not import storage from {export_dir}: "
                                     f"{file.name} has no name and bucket.")
        try:
            check_name(doc["name"])
        except Exception as exc:
            log.warning("storage import: %s skipped: %s", doc["name"][:100], exc)
            continue
        md5, crc = checksums(data)
        created = _seconds(doc.get("timeCreated"), 0.0)
        custom = doc.get("customMetadata") or {}
        tokens = doc.get("downloadTokens") or []
        generation = doc.get("generation")
        meta = ObjectMetadata(
            bucket=doc["bucket"], name=doc["name"], size=len(data),
            generation=int(generation) if isinstance(generation, (int, str)) and
            str(generation).isdigit() else 1,
            metageneration=int(doc.get("metageneration") or 1), time_created=created,
            updated=_seconds(doc.get("updated"), created), md5_hash=md5, crc32c=crc,
            content_type=str(doc.get("contentType") or "application/octet-stream"),
            content_disposition=doc.get("contentDisposition"),
            content_encoding=doc.get("contentEncoding"),
            content_language=doc.get("contentLanguage"), cache_control=doc.get("cacheControl"),
            custom={str(k): str(v) for k, v in custom.items()} if isinstance(custom, dict)
            else {},
            download_tokens=[str(t) for t in tokens] if isinstance(tokens, list) else [])
        found.append((meta, data))
    return found
