"""Errors of the persistence layer, with every message in one place."""

from __future__ import annotations


class PersistenceError(Exception):
    """The data folder or an import cannot be used; str() is one sentence for the user."""


class DataDirLocked(PersistenceError):
    pass


class JournalCorrupt(PersistenceError):
    pass


class JournalFailed(PersistenceError):
    """A write to the journal failed (disk full, I/O error); no later write is accepted."""


MSG_LOCKED = (
    "The data folder {path} is in use by another emulator suite (process {pid}). "
    "Stop it, or use another --data folder."
)
MSG_CORRUPT_LOG = (
    "The journal file {path} is damaged at byte {offset} and is not the last one, so this is "
    "not an interrupted write. Move the data folder away (or restore a backup) and start again."
)
MSG_CORRUPT_SNAPSHOT = "The snapshot {path} cannot be read ({detail}). The data folder is damaged."
MSG_WRITE_FAILED = "Could not write to the journal in {path}: {detail}"
MSG_DATA_DIR = "Could not use the data folder {path}: {detail}."
MSG_RECORD_TOO_LARGE = (
    "A write of {size} bytes is larger than the journal's limit of {limit} bytes."
)
MSG_CLOSED = "The journal is closed."
MSG_EXPORT_NO_METADATA = (
    "{path} is not an emulator export: firebase-export-metadata.json is missing "
    "(create one with --export-on-exit or `firebase emulators:export`)."
)
MSG_EXPORT_BAD_METADATA = "{path} has an unreadable firebase-export-metadata.json: {detail}"
MSG_EXPORT_OUTSIDE = (
    "Could not import {folder}: {what} {path!r} leads outside the export folder. An import "
    "reads only files inside the folder it is given."
)
MSG_EXPORT_BAD_FILE = "The database export {path} is not valid JSON: {detail}"
MSG_EXPORT_BAD_KEY = (
    "The database export {path} has an invalid key {key!r} at /{where}: keys cannot contain "
    ". # $ [ ] / or control characters."
)
