"""Every text the Storage emulator answers or logs, in one place, and the error it raises.

Google's Firebase Storage API answers failures as `{"error": {"code": 403, "message": "..."}}`;
the texts below are those of firebase-tools' storage emulator (src/emulator/storage/apis/
firebase.ts), which client SDKs were tested against. The Cloud Storage JSON API adds
`"errors": [{"message", "domain", "reason"}]`, which google-cloud-storage reads.
"""

from __future__ import annotations

from typing import Any

# Firebase Storage API (firebase-tools' texts, verbatim)
NO_READ = "Permission denied. No READ permission."
NO_WRITE = "Permission denied. No WRITE permission."
NO_LIST = "Permission denied. No LIST permission."
NO_RULESET = "Permission denied. Storage Emulator has no loaded ruleset."
MISSING_ADMIN = "Missing admin credentials."
BAD_PREFIX = "The prefix parameter is required to be empty or ends with a single / character."
# Ours, for requests firebase-tools answers with a bare status
NOT_FOUND = "Not Found."
OBJECT_NOT_FOUND = "Object '{name}' does not exist."  # ours; GCS: "No such object: b/name"
GCS_NO_SUCH_OBJECT = "No such object: {bucket}/{name}"   # Cloud Storage JSON API's text
GCS_NO_SUCH_UPLOAD = "No such upload session: {upload_id}"
MISSING_NAME = "Missing object name: give ?name=PATH or the object in the URL."
BAD_NAME = "Invalid object name {name!r}: {why}."
WHY_EMPTY = "the name is empty"
WHY_TOO_LONG = "the name is longer than 1024 bytes of UTF-8"
WHY_CONTROL = "the name contains a control character"
WHY_DOT_SEGMENT = "a path segment is '.' or '..'"
WHY_EMPTY_SEGMENT = "the name has an empty path segment ('//', or a leading or trailing '/')"
BAD_UPLOAD_COMMAND = "Unknown X-Goog-Upload-Command {command!r}."
UPLOAD_NOT_ACTIVE = "The upload {upload_id} is not active (cancelled or finalized)."
UPLOAD_NOT_FOUND = "No upload {upload_id}."
UPLOAD_OFFSET = "X-Goog-Upload-Offset {got} does not match the {have} bytes received."
BAD_MULTIPART = "Invalid multipart upload: {detail}."
BAD_JSON = "The request body is not a JSON object: {detail}."
BAD_METADATA = "Invalid metadata: {detail}."
TOO_LARGE = "The upload is larger than the emulator's limit of {limit} bytes."
BAD_AUTH_HEADER = "The Authorization header must be 'Firebase ID_TOKEN' or 'Bearer ID_TOKEN'."
BAD_TOKEN_PARAM = "create_token must be 'true'."
MISSING_TOKEN_PARAM = "Give create_token=true or delete_token=TOKEN."
BAD_RANGE = "Requested range not satisfiable."
PRECONDITION_FAILED = "At least one of the pre-conditions you specified did not hold."  # GCS
METHOD_NOT_ALLOWED = "Method {method} is not allowed on {path}."

FOLDER_LOCKED = ("The data folder {path} is in use by another emulator suite (process {pid}). "
                 "Stop it, or use another --data folder.")

# rules loading (the component's start) and logging
RULES_MISSING = "The storage rules file {path} (storage.rules in {config}) does not exist."
RULES_UNREADABLE = "Could not read the storage rules {path}: {detail}"
RULES_INVALID = "Invalid storage rules in {path}: {detail}"
LOG_NO_RULES = ("Permission denied because no Storage ruleset is currently loaded, check your "
                "rules for syntax errors.")
LOG_DENIED = "storage rules denied {method} on {path} for {who}"
LOG_ALLOWED = "storage rules allowed {method} on {path} for {who} (line {line})"
LOG_RULES_CHANGED = "Change detected, updating storage rules from {path}..."
LOG_RULES_UPDATED = "Storage rules updated."
LOG_RULES_FAILED = "Failed to update storage rules"
METADATA_TOO_LARGE = ("Custom metadata is larger than {limit} bytes (the keys and values of "
                      "`metadata` together).")
UPLOAD_TOKEN_EXPIRED = "Auth token is expired."
DESCRIBE = ("Storage emulator: {url} (FIREBASE_STORAGE_EMULATOR_HOST={host}:{port}, "
            "STORAGE_EMULATOR_HOST=http://{host}:{port}; {rules})")
DESCRIBE_RULES = "rules from {path}"
DESCRIBE_NO_RULES = "no storage.rules in firebase.json: clients are denied, the admin is not"


class StorageError(Exception):
    """A request the emulator refuses: `status` is the HTTP status, str() the message."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def firebase_body(self) -> dict[str, Any]:
        return {"error": {"code": self.status, "message": self.message}}

    def gcs_body(self) -> dict[str, Any]:
        reason = _REASONS.get(self.status, "invalid")
        return {"error": {"code": self.status, "message": self.message,
                          "errors": [{"message": self.message, "domain": "global",
                                      "reason": reason}]}}


_REASONS = {400: "invalid", 401: "required", 403: "forbidden", 404: "notFound",
            409: "conflict", 412: "conditionNotMet", 413: "uploadTooLarge",
            416: "requestedRangeNotSatisfiable"}


def bad_request(message: str) -> StorageError:
    return StorageError(400, message)


def forbidden(message: str) -> StorageError:
    return StorageError(403, message)


def not_found(message: str = NOT_FOUND) -> StorageError:
    return StorageError(404, message)
