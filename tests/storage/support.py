"""Helpers for the storage tests: rules variables as the emulator builds them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from messenger_emulators.storage.rules import Decision, StorageRules
from messenger_emulators.storage.rules.values import Timestamp

REPO = Path(__file__).resolve().parents[2]
REPO_RULES = REPO / "storage.rules"
BUCKET = "demo-messenger.appspot.com"


def auth(uid: str, **claims: Any) -> dict:
    return {"uid": uid, "token": {"sub": uid, "firebase": {"sign_in_provider": "custom"},
                                  **claims}}


def resource(name: str, size: int = 10, content_type: str = "image/png",
             metadata: dict | None = None) -> dict:
    now = Timestamp.from_seconds(time.time())
    return {"name": name, "bucket": BUCKET, "size": size, "contentType": content_type,
            "metadata": metadata or {}, "timeCreated": now, "updated": now,
            "generation": 1, "metageneration": 1, "md5Hash": "", "crc32c": "", "etag": ""}


def decide(rules: StorageRules, method: str, name: str, who: dict | None, *,
           incoming: dict | None = None, existing: dict | None = None) -> Decision:
    path = f"/b/{BUCKET}/o/{name}" if name else f"/b/{BUCKET}/o"
    request = {"auth": who, "time": Timestamp.from_seconds(time.time()), "path": path,
               "method": method, "resource": incoming}
    return rules.allows(method, path, {"request": request, "resource": existing})


def repo_rules() -> StorageRules:
    return StorageRules.from_text(REPO_RULES.read_text(encoding="utf-8"))
