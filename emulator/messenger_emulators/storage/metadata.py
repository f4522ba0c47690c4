"""An object's metadata, and the three ways it is shown: the Firebase Storage API's,
the Cloud Storage JSON API's, and the rules' `resource` map."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import time
import uuid
from dataclasses import asdict, dataclass, field
from types import ModuleType
from typing import Any
from urllib.parse import quote

from .rules.values import Timestamp

google_crc32c: ModuleType | None
try:
    import google_crc32c
except ImportError:  # an optional speed-up of google-cloud-storage; checksums then omit it
    google_crc32c = None

TOKENS_KEY = "firebaseStorageDownloadTokens"
# fields a client may set (Firebase and Cloud Storage metadata), as firebase-tools' metadata.ts
SETTABLE = ("contentType", "contentDisposition", "contentEncoding", "contentLanguage",
            "cacheControl")


def rfc3339(seconds: float) -> str:
    when = dt.datetime.fromtimestamp(seconds, dt.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def checksums(data: bytes) -> tuple[str, str]:
    md5 = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
    if google_crc32c is None:
        return md5, ""
    crc = google_crc32c.value(data).to_bytes(4, "big")
    return md5, base64.b64encode(crc).decode()


@dataclass
class ObjectMetadata:
    bucket: str
    name: str
    size: int
    generation: int
    metageneration: int
    time_created: float
    updated: float
    md5_hash: str
    crc32c: str
    content_type: str = "application/octet-stream"
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    cache_control: str | None = None
    custom: dict[str, str] = field(default_factory=dict)   # without the tokens
    download_tokens: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, bucket: str, name: str, data: bytes, incoming: dict[str, Any]) -> ObjectMetadata:
        now = time.time()
        md5, crc = checksums(data)
        meta = cls(bucket=bucket, name=name, size=len(data), generation=time.time_ns() // 1000,
                   metageneration=1, time_created=now, updated=now, md5_hash=md5, crc32c=crc)
        meta.apply(incoming, new=True)
        if not meta.download_tokens:
            meta.download_tokens = [str(uuid.uuid4())]
        return meta

    def apply(self, incoming: dict[str, Any], new: bool = False) -> None:
        """Client metadata (Firebase or Cloud Storage field names): a field given as null is
        removed; custom `metadata` merges, a null value removing its key."""
        for key in SETTABLE:
            if key in incoming:
                value = incoming[key]
                attr = _snake(key)
                if value is None:
                    setattr(self, attr, "application/octet-stream" if key == "contentType"
                            else None)
                else:
                    setattr(self, attr, str(value))
        custom = incoming.get("metadata")
        if isinstance(custom, dict):
            for key, value in custom.items():
                if key == TOKENS_KEY:
                    self.download_tokens = [t for t in str(value or "").split(",") if t]
                elif value is None:
                    self.custom.pop(str(key), None)
                else:
                    self.custom[str(key)] = str(value)
        elif custom is None and "metadata" in incoming and not new:
            self.custom = {}
        if not new:
            self.metageneration += 1
            self.updated = time.time()

    @property
    def etag(self) -> str:
        return base64.b64encode(f"{self.generation}/{self.metageneration}".encode()).decode()

    # ---- shapes ----------------------------------------------------------------------------
    def firebase(self) -> dict[str, Any]:
        """OutgoingFirebaseMetadata (firebase-tools' metadata.ts)."""
        out: dict[str, Any] = {
            "name": self.name, "bucket": self.bucket, "generation": str(self.generation),
            "metageneration": str(self.metageneration), "contentType": self.content_type,
            "timeCreated": rfc3339(self.time_created), "updated": rfc3339(self.updated),
            "storageClass": "STANDARD", "size": str(self.size), "md5Hash": self.md5_hash,
            "contentEncoding": self.content_encoding or "identity",
            "contentDisposition": self.content_disposition or "inline",
            "crc32c": self.crc32c, "etag": self.etag,
            "downloadTokens": ",".join(self.download_tokens),
        }
        if self.custom:
            out["metadata"] = dict(self.custom)
        if self.content_language:
            out["contentLanguage"] = self.content_language
        if self.cache_control:
            out["cacheControl"] = self.cache_control
        return out

    def gcs(self, base_url: str) -> dict[str, Any]:
        """CloudStorageObjectMetadata (the JSON API's storage#object)."""
        encoded = quote(self.name, safe="")
        out: dict[str, Any] = {
            "kind": "storage#object", "id": f"{self.bucket}/{self.name}/{self.generation}",
            "selfLink": f"{base_url}/storage/v1/b/{self.bucket}/o/{encoded}",
            "mediaLink": f"{base_url}/download/storage/v1/b/{self.bucket}/o/{encoded}"
                         f"?generation={self.generation}&alt=media",
            "name": self.name, "bucket": self.bucket, "generation": str(self.generation),
            "metageneration": str(self.metageneration), "contentType": self.content_type,
            "storageClass": "STANDARD", "size": str(self.size), "md5Hash": self.md5_hash,
            "crc32c": self.crc32c, "etag": self.etag,
            "timeCreated": rfc3339(self.time_created), "updated": rfc3339(self.updated),
            "timeStorageClassUpdated": rfc3339(self.time_created),
        }
        custom = dict(self.custom)
        if self.download_tokens:
            custom[TOKENS_KEY] = ",".join(self.download_tokens)
        if custom:
            out["metadata"] = custom
        for key in ("contentDisposition", "contentEncoding", "contentLanguage", "cacheControl"):
            value = getattr(self, _snake(key))
            if value:
                out[key] = value
        return out

    def rules_resource(self) -> dict[str, Any]:
        """The rules' `resource` / `request.resource` map."""
        return {
            "name": self.name, "bucket": self.bucket, "generation": self.generation,
            "metageneration": self.metageneration, "size": self.size,
            "timeCreated": Timestamp.from_seconds(self.time_created),
            "updated": Timestamp.from_seconds(self.updated), "md5Hash": self.md5_hash,
            "crc32c": self.crc32c, "etag": self.etag, "contentType": self.content_type,
            "contentDisposition": self.content_disposition,
            "contentEncoding": self.content_encoding,
            "contentLanguage": self.content_language, "cacheControl": self.cache_control,
            "metadata": dict(self.custom),
        }

    # ---- persistence -------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> ObjectMetadata:
        return cls(**{k: doc[k] for k in cls.__dataclass_fields__ if k in doc})


def _snake(key: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in key)
