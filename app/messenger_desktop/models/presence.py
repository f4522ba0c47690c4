"""Who is online: `status/{uid}` {online, lastSeen} from the stream, judged against server time.

REST has no onDisconnect, so a client that crashed just stops sending heartbeats: "online"
means the flag is set *and* the last heartbeat is recent. Heartbeats come every 20 s, so 60 s
tolerates two lost ones. Times are compared in server time (local clock + measured offset),
so a machine with a wrong clock still shows the right thing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from messenger_model.limits import HEARTBEAT_S, ONLINE_WINDOW_MS
from PySide6.QtCore import QCoreApplication

from ..i18n import local_date
from .plurals import plurals

__all__ = ["HEARTBEAT_S", "ONLINE_WINDOW_MS", "ServerClock", "Status", "describe", "is_online",
           "status_from"]

translate = QCoreApplication.translate  # lupdate finds translate("Context", ...) calls


@dataclass(frozen=True)
class Status:
    online: bool = False
    last_seen: float = 0.0  # server ms; 0 = never


class ServerClock:
    """Server time estimated from the local clock plus an offset measured on writes."""

    def __init__(self) -> None:
        self.offset_ms = 0.0

    def now_ms(self) -> float:
        return time.time() * 1000 + self.offset_ms

    def observe(self, server_ms: float, sent_at: float, received_at: float) -> None:
        # The server stamped the write somewhere between send and answer: take the middle.
        self.offset_ms = server_ms - (sent_at + received_at) / 2 * 1000


def is_online(status: Status | None, now_ms: float) -> bool:
    return bool(status and status.online and now_ms - status.last_seen <= ONLINE_WINDOW_MS)


def describe(status: Status | None, now_ms: float) -> str:
    """"online", "last seen 5 min ago", ... (kept current by a timer in the view)."""
    if is_online(status, now_ms):
        return translate("Presence", "online")
    if status is None or status.last_seen <= 0:
        return translate("Presence", "offline")
    minutes = int(max(0.0, now_ms - status.last_seen) // 60_000)
    if minutes < 1:
        return translate("Presence", "last seen just now")
    if minutes < 60:
        return plurals().last_seen_minutes(minutes)
    hours = minutes // 60
    if hours < 24:
        return plurals().last_seen_hours(hours)
    days = hours // 24
    if days < 7:
        return plurals().last_seen_days(days)
    stamp = local_date(time.localtime(status.last_seen / 1000), "d MMM yyyy")
    return translate("Presence", "last seen {0}").format(stamp)


def status_from(value: object) -> Status | None:
    if not isinstance(value, dict):
        return None
    seen = value.get("lastSeen")
    return Status(bool(value.get("online")), float(seen) if isinstance(seen, int | float) else 0.0)
