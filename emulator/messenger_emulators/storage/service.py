"""What both HTTP APIs do with objects: the rules decision, then the store. The admin skips the
rules (as with Google's); everyone else is decided by storage.rules, and without a loaded
ruleset is refused, as firebase-tools' emulator refuses."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from . import errors as msg
from .access import Identity
from .errors import StorageError, bad_request, forbidden, not_found
from .metadata import ObjectMetadata
from .rules import StorageRules
from .rules.values import Timestamp
from .store import ObjectStore, StoredObject

log = logging.getLogger("messenger_emulators.storage")
# ("finalized" | "deleted" | "metadataUpdated", metadata)
Listener = Callable[[str, ObjectMetadata], Any]
Precondition = Callable[[ObjectMetadata | None], None]   # raises StorageError(412)


class StorageService:
    def __init__(self, project_id: str, store: ObjectStore, rules: StorageRules | None,
                 max_upload: int) -> None:
        self.project_id = project_id
        self.store = store
        self.rules = rules
        self.max_upload = max_upload
        self.listeners: list[Listener] = []
        self.trace = False   # --rules-trace: log every decision, not only denials
        # one write at a time per object (generations stay ordered, preconditions hold);
        # writes of different objects run side by side (each fsync in its own thread)
        self._locks: dict[tuple[str, str], list] = {}   # key -> [lock, users]

    # ---- rules --------------------------------------------------------------------------------
    def authorize(self, identity: Identity, method: str, bucket: str, name: str,
                  resource: ObjectMetadata | None, incoming: ObjectMetadata | None,
                  denied: str) -> None:
        if identity.admin:
            return
        if self.rules is None:
            log.warning(msg.LOG_NO_RULES)
            raise forbidden(msg.NO_RULESET)
        path = f"/b/{bucket}/o/{name}" if name else f"/b/{bucket}/o"
        request: dict[str, Any] = {
            "auth": _rules_auth(identity), "time": Timestamp.from_seconds(time.time()),
            "path": path, "method": method,
            "resource": incoming.rules_resource() if incoming is not None else None,
        }
        variables = {"request": request,
                     "resource": resource.rules_resource() if resource is not None else None}
        decision = self.rules.allows(method, path, variables)
        who = (identity.auth or {}).get("uid") if identity.auth else "no user"
        if decision.allowed and self.trace:
            log.info(msg.LOG_ALLOWED.format(method=method, path=path, who=who,
                                            line=decision.line))
        if not decision.allowed:
            log.info(msg.LOG_DENIED.format(method=method, path=path, who=who) +
                     ("; " + "; ".join(decision.errors) if decision.errors else ""))
            raise forbidden(denied)

    # ---- operations ---------------------------------------------------------------------------
    def read(self, identity: Identity, bucket: str, name: str,
             download_token: str | None = None) -> StoredObject:
        stored = self.store.get(bucket, name)
        # a valid download token skips the rules (firebase-tools' files.ts getObject)
        if not (stored is not None and download_token and
                download_token in stored.meta.download_tokens):
            self.authorize(identity, "get", bucket, name,
                           stored.meta if stored else None, None, msg.NO_READ)
        if stored is None:
            raise not_found(msg.OBJECT_NOT_FOUND.format(name=name))
        return stored

    async def upload(self, identity: Identity, bucket: str, name: str, data: bytes,
                     incoming: dict[str, Any],
                     precondition: Precondition | None = None) -> ObjectMetadata:
        if len(data) > self.max_upload:
            raise StorageError(413, msg.TOO_LARGE.format(limit=self.max_upload))
        check_custom_metadata(incoming)
        meta = ObjectMetadata.new(bucket, name, data, incoming)
        async with self._object_lock(bucket, name):
            existing = self.store.get(bucket, name)
            method = "update" if existing is not None else "create"
            self.authorize(identity, method, bucket, name,
                           existing.meta if existing else None, meta, msg.NO_WRITE)
            if precondition is not None:   # checked under the write lock: no race
                precondition(existing.meta if existing else None)
            if existing is not None and meta.generation <= existing.meta.generation:
                meta.generation = existing.meta.generation + 1
            await self._blocking(self.store.put, meta, data)
        self._emit("finalized", meta)
        return meta

    async def update_metadata(self, identity: Identity, bucket: str, name: str,
                              incoming: dict[str, Any],
                              precondition: Precondition | None = None) -> ObjectMetadata:
        check_custom_metadata(incoming)
        async with self._object_lock(bucket, name):
            stored = self.store.get(bucket, name)
            if precondition is not None and stored is not None:
                precondition(stored.meta)
            proposed = copy.deepcopy(stored.meta) if stored is not None else None
            if proposed is not None:
                proposed.apply(incoming)
            self.authorize(identity, "update", bucket, name,
                           stored.meta if stored else None, proposed, msg.NO_WRITE)
            if stored is None or proposed is None:
                raise not_found(msg.OBJECT_NOT_FOUND.format(name=name))
            await self._blocking(self.store.update_meta, proposed)
        self._emit("metadataUpdated", proposed)
        return proposed

    async def delete(self, identity: Identity, bucket: str, name: str,
                     precondition: Precondition | None = None) -> None:
        async with self._object_lock(bucket, name):
            stored = self.store.get(bucket, name)
            if precondition is not None and stored is not None:
                precondition(stored.meta)
            self.authorize(identity, "delete", bucket, name,
                           stored.meta if stored else None, None, msg.NO_WRITE)
            if stored is None:
                raise not_found(msg.OBJECT_NOT_FOUND.format(name=name))
            await self._blocking(self.store.delete, bucket, name)
        self._emit("deleted", stored.meta)

    def list(self, identity: Identity, bucket: str, prefix: str, delimiter: str,
             page_token: str | None, max_results: int | None
             ) -> tuple[list[StoredObject], list[str], str | None]:
        """(objects, prefixes, next page token). Rules see the prefix without its trailing
        slashes, as firebase-tools passes it."""
        self.authorize(identity, "list", bucket, prefix.rstrip("/"), None, None, msg.NO_LIST)
        items, prefixes = self.store.list(bucket, prefix, delimiter)
        entries: list[tuple[str, StoredObject | None]] = sorted(
            [(i.meta.name, i) for i in items] + [(p, None) for p in prefixes],
            key=lambda pair: pair[0])
        if page_token:
            entries = [e for e in entries if e[0] > page_token]
        next_token = None
        if max_results is not None and 0 < max_results < len(entries):
            entries = entries[:max_results]
            next_token = entries[-1][0]
        return ([o for _, o in entries if o is not None],
                [n for n, o in entries if o is None], next_token)

    async def change_tokens(self, identity: Identity, bucket: str, name: str,
                            create: bool, token: str | None = None) -> ObjectMetadata:
        """create_token=true / delete_token=T: the admin's (firebase-tools answers others
        'Missing admin credentials.')."""
        if not identity.admin:
            raise forbidden(msg.MISSING_ADMIN)
        async with self._object_lock(bucket, name):
            stored = self.store.get(bucket, name)
            if stored is None:
                raise not_found(msg.OBJECT_NOT_FOUND.format(name=name))
            meta = copy.deepcopy(stored.meta)
            if create:
                import uuid
                meta.download_tokens.append(str(uuid.uuid4()))
            else:
                meta.download_tokens = [t for t in meta.download_tokens if t != token]
            meta.apply({})
            await self._blocking(self.store.update_meta, meta)
        return meta

    @contextlib.asynccontextmanager
    async def _object_lock(self, bucket: str, name: str) -> AsyncIterator[None]:
        key = (bucket, name)
        entry = self._locks.get(key)
        if entry is None:
            entry = self._locks[key] = [asyncio.Lock(), 0]
        entry[1] += 1          # holders and waiters: the lock goes only when none is left
        try:
            async with entry[0]:
                yield
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                del self._locks[key]

    async def _blocking(self, fn: Callable, *args: Any) -> Any:
        if self.store.folder is None:
            return fn(*args)      # memory only: nothing to wait for
        return await asyncio.to_thread(fn, *args)

    def _emit(self, kind: str, meta: ObjectMetadata) -> None:
        for listener in list(self.listeners):
            try:
                listener(kind, meta)
            except Exception:   # a listener's bug must not fail the upload
                log.exception("storage: %s listener failed", kind)


MAX_CUSTOM_METADATA = 8 * 1024   # Cloud Storage's limit on custom metadata, keys + values


def check_custom_metadata(incoming: dict[str, Any]) -> None:
    """400 for custom metadata that is not a map or exceeds Cloud Storage's 8 KiB."""
    custom = incoming.get("metadata")
    if custom is None:
        return
    if not isinstance(custom, dict):
        raise bad_request(msg.BAD_METADATA.format(detail="`metadata` must be an object"))
    size = sum(len(str(k).encode()) + len(str(v).encode()) for k, v in custom.items()
               if v is not None)
    if size > MAX_CUSTOM_METADATA:
        raise bad_request(msg.METADATA_TOO_LARGE.format(limit=MAX_CUSTOM_METADATA))


def _rules_auth(identity: Identity) -> dict[str, Any] | None:
    if not identity.auth or not identity.auth.get("uid"):
        return None
    return {"uid": identity.auth["uid"], "token": identity.auth.get("token") or {}}
