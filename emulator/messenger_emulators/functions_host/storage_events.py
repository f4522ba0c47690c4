"""From the Storage emulator's object changes to CloudEvents for storage-triggered functions:
`google.cloud.storage.object.v1.finalized` (an upload completed, new or replacing), `.deleted`
and `.metadataUpdated` (a PATCH of an existing object's metadata), in binary content mode with
the Cloud Storage JSON API's object as data, as Eventarc delivers them. Delivery (queues per
function, retries, the worker channel) is delivery.py's."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import uuid
from typing import Any

from . import messages as msg
from .delivery import DeliveryPolicy, FunctionQueue, Post, Send, Stats
from .manifest import FunctionSpec
from .triggers import CloudEvent

_KIND = {"finalized": msg.STORAGE_FINALIZED, "deleted": msg.STORAGE_DELETED,
         "metadataUpdated": msg.STORAGE_METADATA_UPDATED}
_ids = itertools.count(1)
_ID_PREFIX = uuid.uuid4().hex[:8]


def build_storage_event(event_type: str, data: dict[str, Any]) -> CloudEvent:
    bucket, name = data["bucket"], data["name"]
    event_id = f"{_ID_PREFIX}-s{next(_ids):012x}"
    now = dt.datetime.now(dt.UTC)
    headers = {
        "ce-specversion": msg.SPEC_VERSION,
        "ce-id": event_id,
        "ce-source": msg.STORAGE_SOURCE.format(bucket=bucket),
        "ce-type": event_type,
        "ce-time": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond:06d}Z",
        "ce-subject": f"objects/{name}",
        "content-type": "application/json",
    }
    body = json.dumps(data, separators=(",", ":")).encode()
    return CloudEvent(event_id, headers, body, f"{bucket}/{name}",
                      json.dumps(headers, separators=(",", ":")).encode())


class StorageDispatcher:
    """The Storage emulator's listener: events to the queues of the matching functions."""

    def __init__(self, triggers: list[FunctionSpec], post: Post, default_bucket: str,
                 base_url: str, policy: DeliveryPolicy | None = None,
                 send: Send | None = None) -> None:
        self.policy = policy or DeliveryPolicy()
        self.stats = Stats()
        self.default_bucket = default_bucket
        self.base_url = base_url     # where the storage emulator serves (selfLink, mediaLink)
        self.enabled = True          # the hub's background-triggers switch
        self._post, self._send = post, send
        self._queues: dict[str, FunctionQueue] = {}
        self._started = False
        self.set_triggers(triggers)

    def set_triggers(self, triggers: list[FunctionSpec]) -> None:
        old, self._queues = self._queues, {}
        for spec in triggers:
            queue = old.pop(spec.name, None) or FunctionQueue(spec, self._post, self.policy,
                                                              self.stats, self._send)
            if self._started:
                queue.start()
            queue.spec = spec
            self._queues[spec.name] = queue
        for queue in old.values():
            asyncio.get_running_loop().create_task(queue.stop())

    def start(self) -> None:
        self._started = True
        for queue in self._queues.values():
            queue.start()

    async def stop(self) -> None:
        self._started = False
        for queue in self._queues.values():
            await queue.stop()

    async def drain(self) -> None:
        for queue in list(self._queues.values()):
            await queue.join()

    def on_object(self, kind: str, meta: Any) -> None:
        """StorageService's listener: ("finalized" | "deleted" | "metadataUpdated",
        ObjectMetadata); never raises into an upload."""
        event_type = _KIND.get(kind)
        if event_type is None or not self.enabled:
            return
        data: dict[str, Any] | None = None
        for queue in self._queues.values():
            trigger = queue.spec.storage
            if trigger is None or trigger.event_type != event_type or \
                    not trigger.matches_bucket(meta.bucket, self.default_bucket):
                continue
            if data is None:
                data = meta.gcs(self.base_url)
            queue.put(build_storage_event(event_type, data))
