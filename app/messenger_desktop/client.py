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

import httpx
from messenger_model.chats import is_group_id
from messenger_model.receipts import receipts_enabled
from PySide6.QtCore import QObject, QTimer, Signal

from .attachments.avatars import Avatars
from .attachments.images import ImageCache
from .attachments.storage_api import StorageApi
from .attachments.uploads import UploadQueue
from .cache_filler import CacheFiller
from .chat_live import ChatLive
from .chat_session import ChatSession
from .errors import PermissionDenied, UserFacingError
from .firebase.db import SERVER_TIMESTAMP, Database
from .firebase.session import AuthSession
from .firebase.streams import StreamHub
from .firebase.tree import ALL, apply_event, apply_event_paths
from .models.chat_entry import WHOLE, EntryIndex
from .models.chat_list import ChatListModel, counted_unread, direct_chat_id, last_message
from .models.presence import HEARTBEAT_S, ServerClock, status_from
from .outbox import Outbox
from .profile import display_name_problem, normalise_name
from .store.drafts import Drafts
from .store.message_cache import Hit, MessageCache

log = logging.getLogger(__name__)
PRESENCE_REFRESH_MS = 15_000
# After a reconnection (a full resync) many messages of one chat can arrive at once: notify
# the newest few of them, not dozens (the badge counts them all).
MAX_NOTIFY_ON_RESYNC = 3
# A new unread id whose preview (lastMessage) has not followed within this time is notified
# with the message read from the database (the trigger's two writes are separate).
PREVIEW_WAIT_S = 2.0


class MessengerClient(QObject):
    connection_changed = Signal(bool)
    unread_changed = Signal(int)
    # chat_id, sender title, preview: a new message from someone else (not the first snapshot)
    message_notification = Signal(str, str, str)
    session_ended = Signal(str)
    profile_changed = Signal()  # my own users/{uid} entry (display name, email) changed
    privacy_changed = Signal(bool)  # my "Send read receipts" (privacy/{uid}/readReceipts)
    live_changed = Signal()  # a chat was opened or closed: `live` is another object
    chat_access_lost = Signal(str)  # chat id: the open chat's stream was refused (`cancel`)

    def __init__(
        self,
        session: AuthSession,
        data_dir: Path | None = None,
        executor: Executor | None = None,
        heartbeat_s: float = HEARTBEAT_S,
        stream_transport: httpx.AsyncBaseTransport | None = None,
        keep_messages: bool = True,
    ) -> None:
        """`stream_transport`: the streams' httpx transport (tests pass a fake network; the
        database calls go through the session's transport)."""
        super().__init__()
        self.session = session
        self.config = session.config
        self.uid = session.uid
        self.clock = ServerClock()
        self.chats = ChatListModel(self.uid, self.clock)
        self.db = Database(session, executor)
        self.db.on_answer = self._on_answer
        self.hub = StreamHub(
            self.config.database_url, session.id_token, self.config.database_params,
            transport=stream_transport,
        )
        outbox_file = data_dir / f"outbox-{self.uid}.json" if data_dir else None
        self.outbox = Outbox(self.db, self.uid, outbox_file, self.clock.now_ms)
        # Pictures and files (issue 17): uploads queue like messages, pictures are cached.
        self.storage = StorageApi(self.config.storage_url, self.config.bucket, session.id_token)
        self.uploads = UploadQueue(self.storage, self.outbox, self.uid, data_dir,
                                   self.clock.now_ms)
        self.images = ImageCache(self.storage, data_dir / f"files-{self.uid}" if data_dir
                                 else None)
        self.avatars = Avatars(self.uid, self.db, self.storage, self.images,
                               lambda: self._trees.get("users"),
                               lambda: self._trees.get("chats"))
        self.uploads.uploaded.connect(lambda _mid, path, local: self.images.adopt(path,
                                                                                  Path(local)))
        self.drafts = Drafts(data_dir / f"drafts-{self.uid}.json" if data_dir else None, self)
        for chat_id in self.drafts.chats():  # the chat list says where text is waiting
            self.chats.set_draft(chat_id, self.drafts.get(chat_id))
        self.drafts.changed.connect(self.chats.set_draft)
        # What this device has received, for painting chats at once and for search.
        # (keep_messages=False: none; the benchmarks compare.)
        self.cache: MessageCache | None = None
        if keep_messages:
            self.cache = MessageCache(data_dir / f"cache-{self.uid}.sqlite3" if data_dir
                                      else None)
        # The newest messages of the chats that are not open, read into it in the background.
        self.filler = CacheFiller(
            self.db, self.cache, lambda: self.current.chat_id if self.current else None,
            self.uid,
        ) if self.cache is not None else None
        self.heartbeat_s = heartbeat_s
        self._trees: dict[str, Any] = {}
        self._entries: dict[str, EntryIndex] = {}  # chat_id -> derived state of its entry
        # chat_id -> the counted unread ids already notified (or already unread at sign-in)
        self._handled: dict[str, set[str]] = {}
        self._waiting: dict[str, asyncio.TimerHandle] = {}  # chat_id -> PREVIEW_WAIT_S timer
        self._stopped = False
        self._chats_synced = False
        self._heartbeat: asyncio.Task | None = None
        self._beat_now = asyncio.Event()  # set: heartbeat now (reconnected)
        self._unread = -1
        self.current: ChatSession | None = None
        self.live: ChatLive | None = None  # the open chat's receipts, typing, group record
        self.read_receipts = True  # privacy/{me}/readReceipts (absent: on)
        self.my_name = ""  # my displayName ("" until known, or when none is set)
        self.my_email = ""
        self._presence_timer = QTimer(self)
        self._presence_timer.setInterval(PRESENCE_REFRESH_MS)
        self._presence_timer.timeout.connect(self.chats.refresh_presence)
        session.refreshed.connect(self.hub.reopen_all)
        session.ended.connect(self.session_ended)
        self.hub.connection_changed.connect(self._on_connection)

    # lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self.hub.listen("users", lambda k, p, d: self._on_tree("users", k, p, d))
        self.hub.listen("status", lambda k, p, d: self._on_tree("status", k, p, d))
        self.hub.listen(f"userChats/{self.uid}", lambda k, p, d: self._on_tree("chats", k, p, d))
        self.hub.listen(f"privacy/{self.uid}", self._on_privacy)
        self._heartbeat = asyncio.ensure_future(self._heartbeat_loop())
        self.outbox.start()
        if self.filler is not None:
            self.filler.start()
        self.uploads.start()
        self._presence_timer.start()

    async def stop(self, mark_offline: bool = True) -> None:
        """Quit or sign out: close the chat, mark offline (best effort), close the streams."""
        self._stopped = True
        for handle in self._waiting.values():
            handle.cancel()
        self._waiting.clear()
        self._presence_timer.stop()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        self.outbox.stop()
        if self.filler is not None:
            self.filler.stop()
        self.uploads.stop()
        self.images.close()
        self.drafts.flush()
        self.close_chat()
        if mark_offline:
            try:
                await asyncio.wait_for(self._put_status(False), 3.0)
            except (UserFacingError, TimeoutError):
                pass  # offline anyway; others see us go stale after 60 s
        await self.hub.aclose()
        if self.cache is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.cache.close)
        await self.storage.aclose()

    # streams -----------------------------------------------------------------------------
    def _on_tree(self, name: str, kind: str, path: str, data: Any) -> None:
        if self._stopped:  # an event read before the streams closed: nobody is listening
            return
        below: dict[str, list[list[str]] | None] | None = None
        if name == "chats":  # what changed below each chat too: work in proportion to it
            root, below = apply_event_paths(self._trees.get(name), kind, path, data)
            changed: set[str] | None = ALL if below is ALL else set(below)
        else:
            root, changed = apply_event(self._trees.get(name), kind, path, data)
        self._trees[name] = root
        tree = root if isinstance(root, dict) else {}
        if changed is ALL:
            keys: set[str] = set(tree)
            if name == "chats":
                keys |= set(self._handled)  # chats that vanished get reset too
        else:
            keys = changed
        for key in keys:
            value = tree.get(key)
            if name == "users":
                if key == self.uid:
                    self._set_me(value)
                self.chats.set_user(key, value)
            elif name == "status":
                self.chats.set_status(key, status_from(value))
            else:
                self._on_chat_entry(key, value, WHOLE if below is None else below.get(key),
                                    initial=changed is ALL and not self._chats_synced,
                                    resync=changed is ALL)
        if name == "users":
            self.chats.mark_loaded()
        if name == "chats":
            self._chats_synced = True
            total = self.chats.total_unread()
            if total != self._unread:
                self._unread = total
                self.unread_changed.emit(total)

    def _set_me(self, value: Any) -> None:
        entry = value if isinstance(value, dict) else {}
        name, email = entry.get("displayName"), entry.get("email")
        name = name.strip() if isinstance(name, str) else ""
        email = email if isinstance(email, str) else ""
        if (name, email) != (self.my_name, self.my_email):
            self.my_name, self.my_email = name, email
            self.chats.my_title = name or email
            self.profile_changed.emit()

    async def set_display_name(self, name: str) -> None:
        """Set (or, with "", remove) my display name; raises UserFacingError with a sentence.
        The rules take a string of 1-50 UTF-16 units, written by the owner only."""
        name = normalise_name(name)
        problem = display_name_problem(name)
        if problem:
            raise UserFacingError(problem)
        path = f"users/{self.uid}/displayName"
        if name:
            await self.db.put(path, name)
        else:
            await self.db.delete(path)
        self._set_me({"displayName": name, "email": self.my_email})

    def _on_chat_entry(self, chat_id: str, value: Any, paths: list[list[str]] | None,
                       initial: bool, resync: bool) -> None:
        """`paths`: what the event wrote below the entry (WHOLE: unknown, or all of it)."""
        index = self._entries.get(chat_id)
        if index is None:
            index = self._entries[chat_id] = EntryIndex()
            paths = WHOLE
        index.apply(value, paths)
        self.chats.set_chat(chat_id, value, index)
        if value is None and is_group_id(chat_id) and self.cache is not None:
            self.cache.forget(chat_id)  # removed from the group, or left: not searchable
        if self.filler is not None:
            self.filler.note(chat_id, index.latest)
        touched = None
        if paths is not WHOLE and all(len(p) == 2 and p[0] in ("unreadIds", "previews")
                                      for p in paths):
            touched = {p[1] for p in paths}
        self._notify_new(chat_id, value, initial, resync, index=index, touched=touched)

    def _notify_new(self, chat_id: str, value: Any, initial: bool, resync: bool = False,
                    waited: bool = False, index: EntryIndex | None = None,
                    touched: set[str] | None = None) -> None:
        """One notification per new incoming message.

        A message is new when its id starts counting as unread (so never my own, and never one
        at or before readAt); it is notified with the text of its preview, which the trigger
        writes in the same update as the id (`previews/{id}`). Without one (pruned already, or
        an entry of the earlier layout, whose single `lastMessage` may lag or be overtaken:
        waited for up to PREVIEW_WAIT_S, `waited`), the text is read from the message.
        Ids that stop counting before that (read, deleted) are not notified. A resync after a
        reconnection notifies only the newest MAX_NOTIFY_ON_RESYNC of a chat's new messages.
        """
        counted = index.counted if index is not None else counted_unread(value)
        if initial:
            self._handled[chat_id] = set(counted)  # unread before sign-in: no notification
            return
        handled = self._handled.setdefault(chat_id, set())
        if touched is None:  # look at every id
            handled.intersection_update(counted)  # read or deleted ones are forgotten
            pending = sorted((ts, mid) for mid, ts in counted.items() if mid not in handled)
        else:  # only the ids this event wrote (a message, a prune): proportional to it
            handled.difference_update(mid for mid in touched if mid not in counted)
            pending = sorted((counted[mid], mid) for mid in touched
                             if mid in counted and mid not in handled)
        if not pending:
            return
        last = index.latest if index is not None else last_message(value)
        last_id = str(last.get("id", "")) if last is not None else ""
        last_ts = last.get("ts") if last is not None else None
        last_key = (float(last_ts), last_id) if isinstance(last_ts, int | float) else None
        ready: list[tuple[str, str | None]] = []  # (message id, text; None: read it)
        waiting = False
        previews = value.get("previews") if isinstance(value, dict) else None
        for ts, mid in pending:
            own = previews.get(mid) if isinstance(previews, dict) else None
            if isinstance(own, dict):
                if own.get("sender") != self.uid:
                    ready.append((mid, self._said(chat_id, own)))
            elif last is not None and mid == last_id:
                if last.get("sender") != self.uid:
                    ready.append((mid, self._said(chat_id, last)))
            elif waited or (last_key is not None and last_key > (ts, mid)):
                ready.append((mid, None))  # overtaken, or late: its preview will not come
            else:
                waiting = True  # its preview has not arrived yet
                continue
            handled.add(mid)
        if waiting and chat_id not in self._waiting:
            self._waiting[chat_id] = asyncio.get_event_loop().call_later(
                PREVIEW_WAIT_S, self._preview_late, chat_id
            )
        if resync:
            ready = ready[-MAX_NOTIFY_ON_RESYNC:]
        if not ready:
            return
        if all(text is not None for _mid, text in ready):
            for _mid, text in ready:
                self._emit_notification(chat_id, str(text))
        else:
            asyncio.ensure_future(self._notify_read(chat_id, ready))

    def _preview_late(self, chat_id: str) -> None:
        self._waiting.pop(chat_id, None)
        if self._stopped:
            return
        tree = self._trees.get("chats")
        value = tree.get(chat_id) if isinstance(tree, dict) else None
        self._notify_new(chat_id, value, initial=False, waited=True)

    async def _notify_read(self, chat_id: str, ready: list[tuple[str, str | None]]) -> None:
        """Notify in order, reading the texts not known from a preview (skips deleted ones)."""
        texts: list[str | None] = []
        for mid, text in ready:
            if text is None:
                try:
                    message = await self.db.get(f"messages/{chat_id}/{mid}")
                except UserFacingError as exc:
                    log.debug("reading message %s for a notification failed: %s", mid, exc)
                    message = None
                ok = isinstance(message, dict) and message.get("sender") != self.uid
                text = self._said(chat_id, message) if ok else None
            texts.append(text)
        for text in texts:
            if text is not None:
                self._emit_notification(chat_id, text)

    def _said(self, chat_id: str, message: Any) -> str:
        """A notification's text: in a group, who said it first ("борис: привет")."""
        text = str(message.get("text") or "")
        if is_group_id(chat_id):
            return f"{self.name_of(str(message.get('sender') or ''))}: {text}"
        return text

    def _emit_notification(self, chat_id: str, text: str) -> None:
        row = self.chats.row_for_chat(chat_id)
        if row is not None and not self._stopped:
            self.message_notification.emit(chat_id, row.title, text)

    def _on_connection(self, connected: bool) -> None:
        if connected:
            self.outbox.wake()
            self.uploads.wake()
            # Back after an outage: tell the others at once that we are here (our last
            # heartbeat may be a minute old, and theirs the same: they do this too).
            self._beat_now.set()
        self.connection_changed.emit(connected)

    def _on_answer(self) -> None:
        """A request went through: streams still backing off after an outage retry now."""
        if not self.hub.connected:
            self.hub.retry_now()

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
            self._beat_now.clear()
            try:
                await asyncio.wait_for(self._beat_now.wait(), self.heartbeat_s)
            except TimeoutError:
                pass

    # search ------------------------------------------------------------------------------
    async def search(self, text: str) -> list[Hit]:
        """Messages of all chats matching `text` (what this device has received), newest
        first."""
        hits = await self.cache.search_async(text) if self.cache is not None else []
        # Not a group I am in (any more, or yet: the list is still loading): not listed.
        return [h for h in hits if not is_group_id(h.chat_id)
                or self.chats.row_for_chat(h.chat_id) is not None]

    # chats -------------------------------------------------------------------------------
    def open_chat(self, other_uid: str) -> ChatSession:
        return self.open_chat_id(direct_chat_id(self.uid, other_uid), other_uid)

    def open_chat_id(self, chat_id: str, other_uid: str = "") -> ChatSession:
        """Open a chat by id: a direct one (`other_uid` the other member) or a group ("")."""
        if self.current is not None:
            if self.current.chat_id == chat_id:
                return self.current
        self.close_chat()
        session = ChatSession(chat_id, other_uid, self.uid, self.db, self.hub, self.outbox,
                              unread_from=self.first_unread(chat_id),
                              read_at=self.read_at(chat_id), cache=self.cache,
                              uploads=self.uploads)
        self.current = session
        # A bound method, not a closure over the session: a slot that holds its own sender
        # keeps it alive through Qt's connection, out of the collector's sight (every chat
        # ever opened stayed in memory, with all its rows).
        session.access_lost.connect(self._access_lost)
        live = ChatLive(chat_id, self.uid, self.db, self.hub, self.clock, self.name_of,
                        lambda: self.read_receipts)
        session.incoming.connect(live.message_arrived)
        self.live = live
        self.live_changed.emit()
        asyncio.ensure_future(session.open())
        return session

    def _access_lost(self, chat_id: str) -> None:
        session = self.current
        if session is not None and session.chat_id == chat_id:  # not one closed meanwhile
            self.chat_access_lost.emit(session.chat_id)

    def name_of(self, uid: str) -> str:
        """A person's display name, else email (their uid when not in the people list)."""
        if uid == self.uid:
            return self.my_name or self.my_email or uid
        row = self.chats.row_for_uid(uid)
        return row.title if row is not None else uid

    def first_unread(self, chat_id: str) -> str:
        """The id of the oldest message of this chat that counts as unread, or ""."""
        tree = self._trees.get("chats")
        counted = counted_unread(tree.get(chat_id) if isinstance(tree, dict) else None)
        return min(counted.items(), key=lambda kv: (kv[1], kv[0]))[0] if counted else ""

    def read_at(self, chat_id: str) -> float | None:
        """When I last marked this chat read (server ms), or None."""
        tree = self._trees.get("chats")
        entry = tree.get(chat_id) if isinstance(tree, dict) else None
        value = entry.get("readAt") if isinstance(entry, dict) else None
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        return None

    def close_chat(self) -> None:
        if self.current is not None:
            self.current.close()
            self.current = None
        if self.live is not None:
            self.live.close()
            self.live.deleteLater()
            self.live = None
            self.live_changed.emit()

    async def mark_read(self, chat_id: str) -> None:
        row = self.chats.row_for_chat(chat_id)
        if row is None or row.unread <= 0:
            return
        # One multi-path update: the unread ids go, the read position moves, and (while my
        # read receipts are on) the receipt the others' ticks follow moves with it.
        update: dict[str, Any] = {
            f"userChats/{self.uid}/{chat_id}/unreadIds": None,
            f"userChats/{self.uid}/{chat_id}/readAt": SERVER_TIMESTAMP,
        }
        if self.read_receipts:
            update[f"receipts/{chat_id}/{self.uid}"] = SERVER_TIMESTAMP
        try:
            await self.db.patch("", update)
        except UserFacingError as exc:
            log.info("mark read failed: %s", exc)

    # privacy -----------------------------------------------------------------------------
    def _on_privacy(self, kind: str, path: str, data: Any) -> None:
        root, _changed = apply_event(self._trees.get("privacy"), kind, path, data)
        self._trees["privacy"] = root
        on = receipts_enabled(root)
        if on != self.read_receipts:
            self.read_receipts = on
            if self.live is not None:
                self.live.set_receipts_shown(on)
            self.privacy_changed.emit(on)

    async def set_read_receipts(self, on: bool) -> None:
        """Switch "Send read receipts". Off: my receipts are deleted from every chat I am in
        (others see no read state from me) and I am shown none; on: the next mark-read of a
        chat writes its receipt again. Raises UserFacingError."""
        await self.db.put(f"privacy/{self.uid}", {"readReceipts": on})
        self._on_privacy("put", "/", {"readReceipts": on})
        if not on:
            tree = self._trees.get("chats")
            chats = sorted(tree) if isinstance(tree, dict) else []
            if not chats:
                return
            try:
                await self.db.patch("", {f"receipts/{c}/{self.uid}": None for c in chats})
            except PermissionDenied:
                # One chat refused (no longer a member, say) refuses the whole update: the
                # others one by one, so the rest still go.
                for c in chats:
                    try:
                        await self.db.delete(f"receipts/{c}/{self.uid}")
                    except PermissionDenied:
                        log.info("could not delete my receipt in %s", c)
