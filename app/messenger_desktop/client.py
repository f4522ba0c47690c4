"""The signed-in messenger: streams, presence heartbeat, outbox, and the models they feed.

Everything runs on the Qt thread's asyncio loop (qasync): stream events arrive as plain calls
on that thread and update the models directly; blocking pyrebase4 calls go to an executor.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from .chat_session import ChatSession
from .errors import UserFacingError
from .firebase.db import SERVER_TIMESTAMP, Database
from .firebase.session import AuthSession
from .firebase.streams import StreamHub
from .firebase.tree import ALL, apply_event
from .models.chat_list import ChatListModel, direct_chat_id
from .models.presence import HEARTBEAT_S, ServerClock, status_from
from .outbox import Outbox

log = logging.getLogger(__name__)

PRESENCE_REFRESH_MS = 15_000


class MessengerClient(QObject):
    connection_changed = Signal(bool)
    unread_changed = Signal(int)
    # chat_id, sender title, preview: a new message from someone else (not the first snapshot)
    message_notification = Signal(str, str, str)
    session_ended = Signal(str)

    def __init__(
        self,
        session: AuthSession,
        data_dir: Path | None = None,
        executor: Executor | None = None,
        heartbeat_s: float = HEARTBEAT_S,
    ) -> None:
        super().__init__()
        self.session = session
        self.config = session.config
        self.uid = session.uid
        self.clock = ServerClock()
        self.chats = ChatListModel(self.uid, self.clock)
        self.db = Database(session, executor)
        self.hub = StreamHub(
            self.config.database_url, session.id_token, self.config.database_params
        )
        outbox_file = data_dir / f"outbox-{self.uid}.json" if data_dir else None
        self.outbox = Outbox(self.db, self.uid, outbox_file, self.clock.now_ms)
        self.heartbeat_s = heartbeat_s
        self._trees: dict[str, Any] = {}
        self._seen_last: dict[str, str] = {}  # chat_id -> last message id already known
        self._chats_synced = False
        self._heartbeat: asyncio.Task | None = None
        self._unread = -1
        self.current: ChatSession | None = None
        self._presence_timer = QTimer(self)
        self._presence_timer.setInterval(PRESENCE_REFRESH_MS)
        self._presence_timer.timeout.connect(self.chats.refresh_presence)
        session.token_refreshed.connect(self.hub.reopen_all)
        session.ended.connect(self.session_ended)
        self.hub.connection_changed.connect(self._on_connection)
        self.outbox.added.connect(self._on_outbox_message)
        self.outbox.delivered.connect(self._on_outbox_message)
        self.outbox.failed.connect(self._on_outbox_message)

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.hub.listen("users", lambda k, p, d: self._on_tree("users", k, p, d))
        self.hub.listen("status", lambda k, p, d: self._on_tree("status", k, p, d))
        self.hub.listen(f"userChats/{self.uid}", lambda k, p, d: self._on_tree("chats", k, p, d))
        self._heartbeat = asyncio.ensure_future(self._heartbeat_loop())
        self.outbox.start()
        self._presence_timer.start()

    async def stop(self, mark_offline: bool = True) -> None:
        """Quit or sign out: close the chat, mark offline (best effort), close the streams."""
        self._presence_timer.stop()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        self.outbox.stop()
        if self.current is not None:
            self.current.close()
            self.current = None
        if mark_offline:
            try:
                await asyncio.wait_for(self._put_status(False), 3.0)
            except (UserFacingError, TimeoutError):
                pass  # offline anyway; others see us go stale after 60 s
        await self.hub.aclose()

    # streams -----------------------------------------------------------------------------
    def _on_tree(self, name: str, kind: str, path: str, data: Any) -> None:
        root, changed = apply_event(self._trees.get(name), kind, path, data)
        self._trees[name] = root
        tree = root if isinstance(root, dict) else {}
        if changed is ALL:
            keys: set[str] = set(tree)
            if name == "chats":
                keys |= set(self._seen_last)  # chats that vanished get reset too
        else:
            keys = changed
        for key in keys:
            value = tree.get(key)
            if name == "users":
                self.chats.set_user(key, value)
            elif name == "status":
                self.chats.set_status(key, status_from(value))
            else:
                self._on_chat_entry(key, value, initial=changed is ALL and not self._chats_synced)
        if name == "users":
            self.chats.mark_loaded()
        if name == "chats":
            self._chats_synced = True
            total = self.chats.total_unread()
            if total != self._unread:
                self._unread = total
                self.unread_changed.emit(total)

    def _on_chat_entry(self, chat_id: str, value: Any, initial: bool) -> None:
        before = self.chats.row_for_chat(chat_id)
        self.chats.set_chat(chat_id, value)
        last = value.get("lastMessage") if isinstance(value, dict) else None
        last_id = str(last.get("id", "")) if isinstance(last, dict) else ""
        previous = self._seen_last.get(chat_id)
        self._seen_last[chat_id] = last_id
        if initial or not last_id or last_id == previous or not isinstance(last, dict):
            return
        if last.get("sender") == self.uid:
            return
        row = self.chats.row_for_chat(chat_id)
        if row is None or (before is not None and row.unread <= before.unread):
            return
        self.message_notification.emit(chat_id, row.title, str(last.get("text") or ""))

    def _on_connection(self, connected: bool) -> None:
        if connected:
            self.outbox.wake()
        self.connection_changed.emit(connected)

    def _on_outbox_message(self, chat_id: str, msg: Any) -> None:
        if self.current is not None and self.current.chat_id == chat_id:
            self.current.add_local(msg)

    # presence ----------------------------------------------------------------------------
    async def _put_status(self, online: bool) -> None:
        sent = time.time()
        answer = await self.db.put(
            f"status/{self.uid}", {"online": online, "lastSeen": SERVER_TIMESTAMP}
        )
        if isinstance(answer, dict) and isinstance(answer.get("lastSeen"), int | float):
            self.clock.observe(float(answer["lastSeen"]), sent, time.time())

    async def _heartbeat_loop(self) -> None:
        while True:
            try:
                await self._put_status(True)
            except UserFacingError as exc:
                log.debug("heartbeat failed: %s", exc)
            except Exception:
                log.exception("heartbeat failed")
            await asyncio.sleep(self.heartbeat_s)

    # chats -------------------------------------------------------------------------------
    def open_chat(self, other_uid: str) -> ChatSession:
        if self.current is not None:
            if self.current.other_uid == other_uid:
                return self.current
            self.current.close()
        session = ChatSession(self, other_uid, direct_chat_id(self.uid, other_uid))
        self.current = session
        asyncio.ensure_future(session.open())
        return session

    def close_chat(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None

    def send(self, text: str) -> None:
        if self.current is not None and text.strip():
            self.outbox.send(self.current.chat_id, text)

    async def mark_read(self, chat_id: str) -> None:
        row = self.chats.row_for_chat(chat_id)
        if row is None or row.unread <= 0:
            return
        try:
            await self.db.patch(
                f"userChats/{self.uid}/{chat_id}",
                {"unread": 0, "unreadIds": None, "readAt": SERVER_TIMESTAMP},
            )
        except UserFacingError as exc:
            log.info("mark read failed: %s", exc)
