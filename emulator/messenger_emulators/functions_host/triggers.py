"""From a database commit to CloudEvents: which nodes matching a trigger's pattern changed.

The write locations of a commit may lie above, at or below the pattern's depth. Below or at it,
each write touches exactly one candidate node (its prefix at pattern depth). Above it, the
candidates are the matching nodes under the write location in the old and the new tree. Each
candidate then fires if its value differs between ``commit.old_root`` and ``commit.new_root``
(immutable snapshots sharing unchanged subtrees, so ``is`` skips untouched branches cheaply).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from messenger_emulators.wide_nodes import children, is_node

from . import messages as msg
from .manifest import DatabaseTrigger, Segment

Path = tuple[str, ...]
_META_KEYS = (".priority", ".value")


def child(value: Any, key: str) -> Any:
    if is_node(value) and key not in _META_KEYS:
        return value.get(key)
    return None


def get(root: Any, path: Path) -> Any:
    for key in path:
        root = child(root, key)
        if root is None:
            return None
    return root


def plain(value: Any) -> Any:
    """The value as a client reads it: priorities stripped, ``{".value": v}`` unwrapped."""
    if not is_node(value):
        return value
    if ".value" in value:
        return value[".value"]
    return {k: plain(v) for k, v in children(value) if k != ".priority"}


def _keys(value: Any) -> list[str]:
    return [k for k in value if k not in _META_KEYS] if is_node(value) else []


def _expand(segments: tuple[Segment, ...], path: Path, old: Any, new: Any) -> Iterator[Path]:
    if old is new:  # shared subtree: nothing under it changed
        return
    if not segments:
        yield path
        return
    head, rest = segments[0], segments[1:]
    if head.literal is not None:
        keys = [head.literal]
    else:
        keys = _keys(old)
        seen = set(keys)
        keys += [k for k in _keys(new) if k not in seen]
    for key in keys:
        yield from _expand(rest, path + (key,), child(old, key), child(new, key))


def _matches(segments: tuple[Segment, ...], path: Path) -> bool:
    for segment, key in zip(segments, path, strict=False):  # Segment.matches, inlined
        if segment.literal is not None and segment.literal != key:
            return False
    return True


def changed_nodes(trigger: DatabaseTrigger, writes: list[tuple[Path, Any]], old_root: Any,
                  new_root: Any) -> list[tuple[Path, Any, Any]]:
    """(path, before, after) for every node matching the pattern whose value changed."""
    segments = trigger.segments
    depth = len(segments)
    candidates: dict[Path, None] = {}
    for location, _ in writes:
        location = tuple(location)
        if len(location) >= depth:
            if _matches(segments, location[:depth]):
                candidates[location[:depth]] = None
        elif _matches(segments[:len(location)], location):
            old_sub, new_sub = get(old_root, location), get(new_root, location)
            for path in _expand(segments[len(location):], location, old_sub, new_sub):
                candidates[path] = None
    changes = []
    for path in candidates:
        before, after = plain(get(old_root, path)), plain(get(new_root, path))
        if before != after:
            changes.append((path, before, after))
    return changes


def event_type_of(before: Any, after: Any) -> str:
    if before is None:
        return msg.EVENT_CREATED
    if after is None:
        return msg.EVENT_DELETED
    return msg.EVENT_UPDATED


def fires(trigger: DatabaseTrigger, before: Any, after: Any) -> bool:
    return trigger.event_type == msg.EVENT_WRITTEN or trigger.event_type == event_type_of(
        before, after)


def delta_of(before: Any, after: Any) -> Any:
    """The ``delta`` field: the new value, with ``null`` for top-level children removed.

    Firebase's Functions SDKs rebuild the after-value as ``{**data, **delta}`` minus nulls, so
    removed children must be named; for a plain set that removes nothing, delta == after.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        removed = {k: None for k in before if k not in after}
        return {**after, **removed} if removed else after
    return after


# Event ids: unique per event (and kept across its retries). A random per-process prefix and a
# counter: as unique as uuid4 for this purpose, without reading os.urandom for every event.
_ID_PREFIX = uuid.uuid4().hex[:16]
_ids = itertools.count(1)


_second: list = [None, ""]  # the last second formatted, and its text (commits come in order)


def _iso(timestamp_ms: int) -> str:
    """``2026-01-01T12:00:00.123000Z``; the date and time part is formatted once per second."""
    second, millis = divmod(timestamp_ms, 1000)
    if _second[0] != second:
        moment = dt.datetime.fromtimestamp(second, dt.UTC)
        _second[0], _second[1] = second, moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{_second[1]}.{millis:03d}000Z"


@dataclass(frozen=True)
class CloudEvent:
    """One event in binary content mode: ``ce-*`` headers and a JSON body."""

    id: str
    headers: dict[str, str]
    body: bytes
    ref: str
    headers_json: bytes | None = field(default=None, repr=False)  # the headers, JSON-encoded


# (event type, namespace, database host) -> the source attribute and the JSON around the
# event's own values in its headers, so that each event's header JSON is a few joined strings.
_templates: dict[tuple[str, str, str], tuple[str, str, str]] = {}
_enc = json.encoder.encode_basestring_ascii  # what json.dumps does for a str (ensure_ascii)
_COMPACT = json.JSONEncoder(separators=(",", ":"))  # json.dumps(..., separators=...), reused


def _template(event_type: str, namespace: str, database_host: str) -> tuple[str, str, str]:
    key = (event_type, namespace, database_host)
    found = _templates.get(key)
    if found is None:
        source = msg.EVENT_SOURCE.format(location=msg.DATABASE_LOCATION, ns=namespace)
        found = _templates[key] = (
            source,
            f'","ce-source":{_enc(source)},"ce-type":{_enc(event_type)},"ce-time":"',
            f',"ce-instance":{_enc(namespace)},"ce-location":{_enc(msg.DATABASE_LOCATION)},'
            f'"ce-firebasedatabasehost":{_enc(database_host)},"ce-ref":')
    return found


def build_event(trigger: DatabaseTrigger, namespace: str, path: Path, before: Any, after: Any,
                timestamp_ms: int, database_host: str) -> CloudEvent:
    ref = "/".join(path)
    event_id = f"{_ID_PREFIX}{next(_ids):016x}"
    event_type = trigger.event_type
    source, after_id, after_subject = _template(event_type, namespace, database_host)
    time = _iso(timestamp_ms)
    subject = f"refs/{ref}"
    headers = {
        "ce-specversion": msg.SPEC_VERSION,
        "ce-id": event_id,
        "ce-source": source,
        "ce-type": event_type,
        "ce-time": time,
        "ce-subject": subject,
        "ce-instance": namespace,
        "ce-location": msg.DATABASE_LOCATION,
        "ce-firebasedatabasehost": database_host,
        "ce-ref": ref,
        "content-type": "application/json",
    }
    # json.dumps(headers, separators=(",", ":")), byte for byte (id and time are plain ASCII)
    headers_json = (f'{{"ce-specversion":{_enc(msg.SPEC_VERSION)},"ce-id":"{event_id}'
                    f'{after_id}{time}","ce-subject":{_enc(subject)}{after_subject}{_enc(ref)},'
                    '"content-type":"application/json"}').encode()
    data = {"@type": msg.EVENT_DATA_TYPE, "data": before, "delta": delta_of(before, after)}
    # Both encoded once per event, whatever the number of attempts (channel.encode_call).
    return CloudEvent(event_id, headers, _COMPACT.encode(data).encode(), ref, headers_json)
