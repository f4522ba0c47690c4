"""The functions manifest, functions/functions.json (format fixed in docs/CONTRACTS.md)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import messages as msg

MANIFEST_FILE = "functions.json"
MAIN_FILE = "main.py"
DEFAULT_REGION = "us-central1"
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,62}$")
_ENTRY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Cloud Functions (2nd gen) timeouts: 60 s by default, at most 3600 s (HTTP) / 540 s (events).
DEFAULT_TIMEOUT_S = 60.0
MAX_HTTP_TIMEOUT_S = 3600
MAX_EVENT_TIMEOUT_S = 540
_WILDCARD_RE = re.compile(r"^\{([A-Za-z_][A-Za-z0-9_]*)(=\*)?\}$")


class ManifestError(ValueError):
    """functions.json is missing or invalid; str() says where and what."""


@dataclass(frozen=True)
class Segment:
    """One segment of a trigger's ref pattern: a literal key, or a wildcard capturing a param."""

    literal: str | None = None
    param: str | None = None

    def matches(self, key: str) -> bool:
        return self.literal is None or self.literal == key


@dataclass(frozen=True)
class DatabaseTrigger:
    event_type: str
    ref: str
    instance: str  # "*" or a namespace
    segments: tuple[Segment, ...]

    def matches_instance(self, namespace: str, project_instance: str) -> bool:
        """Bound to one instance: ``*`` is the project's own (the suite's configured
        namespace), as scripts/deploy_functions.py binds it to the project's instance on
        Cloud Functions. Namespaces a client makes up (``?ns=other``) fire no "*" trigger:
        their events would reach functions that write to the project's database."""
        return namespace == (project_instance if self.instance == "*" else self.instance)

    def params(self, path: tuple[str, ...]) -> dict[str, str]:
        return {s.param: key for s, key in zip(self.segments, path, strict=False) if s.param}


@dataclass(frozen=True)
class StorageTrigger:
    """A Cloud Storage object event (google.cloud.storage.object.v1.finalized / deleted) of
    one bucket, or of the project's default bucket ("*")."""
    event_type: str
    bucket: str

    def matches_bucket(self, bucket: str, default_bucket: str) -> bool:
        return bucket == (default_bucket if self.bucket == "*" else self.bucket)


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    entry_point: str
    database: DatabaseTrigger | None = None
    timeout_s: float | None = None  # timeoutSeconds; None: the default (60 s)
    storage: StorageTrigger | None = None

    @property
    def is_http(self) -> bool:
        return self.database is None and self.storage is None

    @property
    def signature_type(self) -> str:
        return "http" if self.is_http else "cloudevent"


@dataclass(frozen=True)
class Manifest:
    source: Path
    region: str
    functions: tuple[FunctionSpec, ...]

    @property
    def main_file(self) -> Path:
        return self.source / MAIN_FILE

    @property
    def http_functions(self) -> dict[str, FunctionSpec]:
        return {f.name: f for f in self.functions if f.is_http}

    @property
    def triggers(self) -> list[FunctionSpec]:
        return [f for f in self.functions if f.database is not None]

    @property
    def storage_triggers(self) -> list[FunctionSpec]:
        return [f for f in self.functions if f.storage is not None]


def parse_ref(ref: str) -> tuple[Segment, ...]:
    """``/messages/{chatId}/{messageId}`` -> segments. ``*`` and ``{x=*}`` are wildcards too."""
    segments = []
    for part in [p for p in ref.strip("/").split("/") if p]:
        match = _WILDCARD_RE.match(part)
        if match:
            segments.append(Segment(param=match.group(1)))
        elif part == "*":
            segments.append(Segment())
        elif any(c in part for c in "{}*.$#[]"):
            raise ValueError(f"ref {ref!r}: segment {part!r} is neither a key nor a wildcard "
                             "like {name} (multi-segment ** captures are not supported)")
        else:
            segments.append(Segment(literal=part))
    return tuple(segments)


def _spec(entry: Any, index: int) -> FunctionSpec:
    where = f"functions[{index}]"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object")
    name = entry.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise ValueError(f"{where}.name must be a function name (letters, digits, - and _)")
    entry_point = entry.get("entryPoint", name)
    if not isinstance(entry_point, str) or not _ENTRY_RE.match(entry_point):
        raise ValueError(f"{where}.entryPoint must be a Python function name")
    trigger = entry.get("trigger")
    if not isinstance(trigger, dict) or len(trigger) != 1:
        raise ValueError(f"{where}.trigger must be {{\"http\": {{}}}}, {{\"database\": ...}} "
                         f"or {{\"storage\": ...}}")
    timeout = check_timeout(entry.get("timeoutSeconds"), "http" in trigger, where)
    if "http" in trigger:
        return FunctionSpec(name, entry_point, timeout_s=timeout)
    if "storage" in trigger:
        return FunctionSpec(name, entry_point, timeout_s=timeout,
                            storage=_storage_trigger(trigger["storage"], where))
    db = trigger.get("database")
    if not isinstance(db, dict):
        raise ValueError(f"{where}.trigger has an unknown kind {next(iter(trigger))!r}")
    event_type = db.get("eventType", msg.EVENT_WRITTEN)
    if event_type not in msg.EVENT_TYPES:
        raise ValueError(f"{where}.trigger.database.eventType must be one of "
                         f"{', '.join(msg.EVENT_TYPES)}")
    ref = db.get("ref")
    if not isinstance(ref, str) or not ref.strip("/"):
        raise ValueError(f"{where}.trigger.database.ref must be a path like /messages/{{id}}")
    instance = db.get("instance", "*")
    if not isinstance(instance, str) or not instance:
        raise ValueError(f"{where}.trigger.database.instance must be \"*\" or a namespace")
    try:
        segments = parse_ref(ref)
    except ValueError as e:
        raise ValueError(f"{where}.trigger.database.{e}") from None
    return FunctionSpec(name, entry_point, DatabaseTrigger(event_type, ref, instance, segments),
                        timeout)


def _storage_trigger(entry: Any, where: str) -> StorageTrigger:
    """{"eventType": "google.cloud.storage.object.v1.finalized", "bucket": "*"}."""
    if not isinstance(entry, dict):
        raise ValueError(f"{where}.trigger.storage must be an object")
    event_type = entry.get("eventType", msg.STORAGE_FINALIZED)
    if event_type not in msg.STORAGE_EVENT_TYPES:
        raise ValueError(f"{where}.trigger.storage.eventType must be one of "
                         f"{', '.join(msg.STORAGE_EVENT_TYPES)}")
    bucket = entry.get("bucket", "*")
    if not isinstance(bucket, str) or not bucket:
        raise ValueError(f"{where}.trigger.storage.bucket must be \"*\" or a bucket name")
    return StorageTrigger(event_type, bucket)


def check_timeout(value: Any, http: bool, where: str) -> float | None:
    """timeoutSeconds of a function: None (the default) or 1 to 3600 (HTTP) / 540 (events)."""
    if value is None:
        return None
    limit = MAX_HTTP_TIMEOUT_S if http else MAX_EVENT_TIMEOUT_S
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= limit:
        raise ValueError(f"{where}.timeoutSeconds must be a number of seconds from 1 to {limit}")
    return float(value)


def load_manifest(source: Path) -> Manifest:
    source = Path(source)
    path = source / MANIFEST_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(msg.MANIFEST_MISSING.format(path=path)) from None
    except (OSError, ValueError) as e:
        raise ManifestError(msg.MANIFEST_INVALID_JSON.format(path=path, detail=e)) from None
    try:
        if not isinstance(doc, dict) or not isinstance(doc.get("functions", []), list):
            raise ValueError("the top level must be an object with a \"functions\" list")
        region = doc.get("region", DEFAULT_REGION)
        if not isinstance(region, str) or not region:
            raise ValueError("region must be a string like us-central1")
        functions = tuple(_spec(e, i) for i, e in enumerate(doc.get("functions", [])))
        names = [f.name for f in functions]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"duplicate function names: {', '.join(duplicates)}")
    except ValueError as e:
        raise ManifestError(msg.MANIFEST_SHAPE.format(path=path, detail=e)) from None
    if functions and not (source / MAIN_FILE).is_file():
        raise ManifestError(msg.MANIFEST_NO_MAIN.format(path=source))
    return Manifest(source, region, functions)
