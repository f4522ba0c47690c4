"""What the user does to messages of the open chat besides sending: edit, react, reply,
forward, delete for me, and finding a replied-to message (docs/data-model.md, the agreed
layout for message actions).

Every write goes straight to the Realtime Database under its rules:
- edit: PATCH `messages/{chat}/{id}` `{text, editedAt: now}` (sender only);
- reaction: PUT `messages/{chat}/{id}/reactions/{me}` an emoji, DELETE to take it back;
- reply and forward: a new message through the outbox, with `replyTo` / `forwardedFrom`;
- delete for me: PUT `hidden/{me}/{chat}/{id}` `true`, streamed so every device of mine hides it.

The model is updated at once where that is safe (a reaction, a hide); the stream confirms it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from .errors import Unreachable, UserFacingError
from .firebase.db import SERVER_TIMESTAMP
from .firebase.sse import Listener
from .firebase.tree import split_path
from .models.message_extras import REACTION_MAX_CHARS
from .models.messages import Message, message_from

if TYPE_CHECKING:
    from .chat_session import ChatSession
    from .firebase.db import Database
    from .firebase.streams import StreamHub
    from .outbox import Outbox

log = logging.getLogger(__name__)

HIDDEN_WAIT_S = 2.0  # opening waits this long at most for the hidden ids (then streams them)


class Quoted:
    """What a reply's quote shows: the original, or that it is gone or still being read."""

    LOADING = "loading"
    DELETED = "deleted"


class ChatActions(QObject):
    quote_ready = Signal(str)  # a replied-to message id whose original was just read

    def __init__(self, session: ChatSession, db: Database, hub: StreamHub,
                 outbox: Outbox) -> None:
        super().__init__()
        self.session = session
        self.uid = session.uid
        self.chat_id = session.chat_id
        self._db = db
        self._hub = hub
        self._outbox = outbox
        self._hidden: dict[str, Any] = {}
        self._listener: Listener | None = None
        self._closed = False
        # Originals of replies that are not loaded: id -> Message, or None when deleted.
        self._quoted: dict[str, Message | None] = {}
        self._fetching: set[str] = set()
        self._first_hidden = asyncio.ensure_future(self._read_hidden())

    @property
    def hidden_path(self) -> str:
        return f"hidden/{self.uid}/{self.chat_id}"

    def message_path(self, message_id: str) -> str:
        return f"messages/{self.chat_id}/{message_id}"

    # delete for me -----------------------------------------------------------------------
    async def _read_hidden(self) -> None:
        try:
            value = await self._db.get(self.hidden_path)
        except UserFacingError:
            return  # offline at open: the stream brings them
        if not self._closed and isinstance(value, dict):
            self._set_hidden(value)

    async def wait_hidden(self) -> None:
        """Opening: the ids deleted for me, read beside the first page (never shown)."""
        try:
            await asyncio.wait_for(asyncio.shield(self._first_hidden), HIDDEN_WAIT_S)
        except (TimeoutError, asyncio.CancelledError):
            pass

    def listen(self) -> None:
        if self._listener is None and not self._closed:
            self._listener = self._hub.listen(self.hidden_path, self._on_hidden)

    def _on_hidden(self, kind: str, path: str, data: Any) -> None:
        parts = split_path(path)
        hidden = dict(self._hidden)
        if kind == "put" and not parts:
            hidden = data if isinstance(data, dict) else {}
        elif kind == "put":
            hidden[parts[0]] = data
        elif kind == "patch" and isinstance(data, dict):
            for rel, value in data.items():
                sub = parts + split_path(str(rel))
                if sub:
                    hidden[sub[0]] = value
        self._set_hidden({k: v for k, v in hidden.items() if v is not None})

    def _set_hidden(self, hidden: dict[str, Any]) -> None:
        shown_again = [k for k in self._hidden if k not in hidden]
        self._hidden = dict(hidden)
        self.session.model.set_hidden(set(hidden))
        self.session.cache_hidden(set(hidden))
        for message_id in shown_again:  # taken back on another device: read it again
            asyncio.ensure_future(self._reload(message_id))

    async def _reload(self, message_id: str) -> None:
        try:
            value = await self._db.get(self.message_path(message_id))
        except UserFacingError:
            return
        if self._closed or message_id in self._hidden:
            return
        self.session.values.remember(message_id, value)
        self.session.model.apply_value(message_id, value)

    def is_hidden(self, message_id: str) -> bool:
        return message_id in self._hidden

    async def hide(self, message_id: str) -> None:
        """Delete for me: gone from this chat on all my devices, still there for the others.
        A message not sent yet is only taken out of the outbox. Raises UserFacingError."""
        msg = self.session.model.get(message_id)
        if msg is not None and msg.pending:
            self._outbox.discard(message_id)
            self.session.model.remove(message_id)
            return
        await self._db.put(f"{self.hidden_path}/{message_id}", True)
        if not self._closed and message_id not in self._hidden:
            self._set_hidden({**self._hidden, message_id: True})  # the stream says it too

    # edit --------------------------------------------------------------------------------
    def last_own(self) -> Message | None:
        """My newest confirmed message that can be edited (Up in an empty composer)."""
        model = self.session.model
        for row in range(model.rowCount() - 1, -1, -1):
            msg = model.message(row)
            if msg.sender == self.uid and not msg.pending and msg.text:
                return msg
        return None

    async def edit(self, message_id: str, text: str) -> None:
        """Change my message's text: `{text, editedAt: now}`, nothing else (the rules). Raises
        UserFacingError (refused, offline); an unchanged or blank text is not sent."""
        msg = self.session.model.get(message_id)
        if msg is None or msg.sender != self.uid or msg.pending:
            return
        if not text.strip() or text == msg.text:
            return
        answer = await self._db.patch(self.message_path(message_id),
                                      {"text": text, "editedAt": SERVER_TIMESTAMP})
        if self._closed:
            return
        # The answer holds the server's editedAt; the stream says the same a moment later.
        current = self.session.values.get(message_id)
        if current is not None and isinstance(answer, dict):
            value = {**current, **answer}
            self.session.values.remember(message_id, value)
            self.session.model.apply_value(message_id, value)

    # reactions ---------------------------------------------------------------------------
    def my_reaction(self, message_id: str) -> str:
        msg = self.session.model.get(message_id)
        return dict(msg.reactions).get(self.uid, "") if msg is not None else ""

    async def react(self, message_id: str, emoji: str) -> None:
        """Set my one reaction to `emoji`; the same emoji again (or "") takes it back.
        Raises UserFacingError."""
        msg = self.session.model.get(message_id)
        if msg is None or msg.pending or len(emoji) > REACTION_MAX_CHARS:
            return
        path = f"{self.message_path(message_id)}/reactions/{self.uid}"
        remove = not emoji or self.my_reaction(message_id) == emoji
        before = self.session.values.get(message_id)
        self._apply_reaction(message_id, None if remove else emoji)  # shown at once
        try:
            if remove:
                await self._db.delete(path)
            else:
                await self._db.put(path, emoji)
        except UserFacingError:
            if before is not None and not self._closed:  # put it back as it was
                self.session.values.remember(message_id, before)
                self.session.model.apply_value(message_id, before)
            raise

    def _apply_reaction(self, message_id: str, emoji: str | None) -> None:
        value = self.session.values.apply(message_id, ["reactions", self.uid], emoji)
        if value is not None:
            self.session.model.apply_value(message_id, value)

    # forward ---------------------------------------------------------------------
    def forward(self, message_id: str, chat_ids: list[str]) -> list[Message]:
        """Forward a confirmed message to each chat: a new message there marked with where
        it came from (the rules check that this message exists with that sender and text)."""
        msg = self.session.model.get(message_id)
        # A file is readable by its own chat's members only: its pointer cannot be copied
        # into another chat; it is uploaded again (attachments/forwarding.py).
        if msg is None or msg.pending or msg.attachment is not None:
            return []
        origin = {"sender": msg.sender, "chatId": self.chat_id, "messageId": msg.id}
        return [self._outbox.send(chat_id, msg.text, forwarded_from=dict(origin))
                for chat_id in dict.fromkeys(chat_ids)]

    # the original of a reply -------------------------------------------------------------
    def quoted(self, message_id: str) -> Message | str:
        """The original a reply quotes, `Quoted.DELETED`, or `Quoted.LOADING` (then it is read,
        and `quote_ready` says when)."""
        model = self.session.model
        msg = model.get(message_id)
        if msg is not None:
            return msg
        if message_id in self._quoted:
            return self._quoted[message_id] or Quoted.DELETED
        if model.is_hidden(message_id) or self.is_hidden(message_id):
            return Quoted.DELETED
        oldest = model.oldest_confirmed_id()
        if oldest is not None and message_id >= oldest and self.session.synced:
            return Quoted.DELETED  # within what is loaded and streamed, and not there
        if message_id not in self._fetching and not self._closed:
            self._fetching.add(message_id)
            asyncio.ensure_future(self._fetch_quoted(message_id))
        return Quoted.LOADING

    async def _fetch_quoted(self, message_id: str) -> None:
        try:
            value = await self._db.get(self.message_path(message_id))
        except Unreachable:
            self._fetching.discard(message_id)  # asked again at the next paint
            return
        except UserFacingError:
            value = None
        self._fetching.discard(message_id)
        if self._closed:
            return
        self._quoted[message_id] = message_from(message_id, value)
        self.quote_ready.emit(message_id)

    async def reveal(self, message_id: str) -> bool:
        """Load the chat back to `message_id` (to scroll to a reply's original): the session's
        reveal (the cache at once, then one range read). False when it is gone."""
        if self.is_hidden(message_id):
            return False
        return await self.session.reveal(message_id)

    def close(self) -> None:
        self._closed = True
        self._first_hidden.cancel()
        if self._listener is not None:
            self._hub.unlisten(self._listener)
            self._listener = None
