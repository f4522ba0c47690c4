"""The people list and presence heartbeats."""

from __future__ import annotations

from typing import Any

from . import backend, settings


def _number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def list_users() -> list[dict[str, Any]]:
    users = backend.ref(settings.USERS).get() or {}
    statuses = backend.ref(settings.STATUS).get() or {}
    if not isinstance(users, dict):
        return []
    statuses = statuses if isinstance(statuses, dict) else {}
    now = backend.now_ms()
    people = []
    for uid, profile in users.items():
        if not isinstance(profile, dict) or not isinstance(profile.get("email"), str):
            continue
        status = statuses.get(uid)
        if not isinstance(status, dict):
            status = {}
        last_seen = _number(status.get("lastSeen"))
        online = (
            status.get("online") is True
            and last_seen is not None
            and now - last_seen <= settings.ONLINE_WINDOW_MS
        )
        name = profile.get("displayName")
        people.append(
            {
                "user_id": uid,
                "email": profile["email"],
                "display_name": name if isinstance(name, str) else profile["email"],
                "last_seen": None if last_seen is None else last_seen // 1000,
                "last_seen_ms": last_seen,
                "online": online,
            }
        )
    people.sort(key=lambda person: (person["email"], person["user_id"]))
    return people


def heartbeat(uid: str, online: bool) -> None:
    backend.ref(f"{settings.STATUS}/{uid}").set(
        {"online": online, "lastSeen": settings.SERVER_TIMESTAMP}
    )
