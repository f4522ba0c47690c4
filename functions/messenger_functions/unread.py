"""The `on_message_written` trigger: unread ids and last-message previews in userChats.

A member's entry `userChats/{uid}/{chatId}` is `{unreadIds, readAt, previews}`
(docs/data-model.md). Nothing derived is stored: readers derive the unread count
(`messenger_model.unread`) and the preview to show (`messenger_model.previews`). Both are sets
of keys, so the trigger keeps them with plain public firebase-admin and no transaction: for a
message, ONE multi-path `update()` sets the receiver's `unreadIds/{id}` and both members'
`previews/{id}`. Setting a key is idempotent (a redelivery sets what is there) and order-free
(the count and the newest preview are derived from the set, whatever order keys arrived in),
and concurrent writers never conflict (distinct keys). A mark-read (`unreadIds: null, readAt:
now`) needs no coordination either: an id added just after it has ts <= readAt, so it is read.

Bounded: on one message in PRUNE_EVERY (by a hash of its id, so a redelivery decides the same)
the trigger reads both entries and deletes the unread ids outside the newest UNREAD_IDS_CAP
and the previews outside the newest PREVIEWS_KEPT (and a legacy `lastMessage`): in the
message's own update as far as it stays within 60 paths, the rest in writes of at most that
(backend.trigger_update_then_delete: the gap between two pruning messages of a chat is
random, and one prune could delete 500 keys, a write the database spent 10 ms on while
answering nobody else). Pruning is safe on a stale copy: a key outside the newest N of a
subset of a set is outside the newest N of the whole set.

Delivery order is not assumed: a creation handled after its message was deleted (a late
redelivery) must not resurrect its id or preview. The trigger writes as its own identity
(backend.TRIGGER_AUTH), and database.rules.json accepts an unread id or a preview only for a
message that exists when the write commits: the late creation's update is refused, the
trigger confirms the message is gone (a read, only then) and handles it as its deletion.
docs/functions.md ("The trigger") argues each case. Group chats (`g-...` ids) go to
group_unread.py: the same entry for every member, one update a message. A message changed in
place (an edit, a reaction) is not a new message: edits.py.
"""

from __future__ import annotations

import logging
from typing import Any

from messenger_model import paths
from messenger_model.chats import chat_members, is_group_id
from messenger_model.groups import members_of
from messenger_model.limits import PREVIEWS_KEPT, UNREAD_IDS_CAP
from messenger_model.previews import preview_of, previews_to_prune, prunes_on
from messenger_model.unread import ids_to_prune

from . import backend, edits

log = logging.getLogger(__name__)


def parse_subject(subject: str) -> tuple[str, str] | None:
    """ "refs/messages/CHAT/MSG" -> (CHAT, MSG)."""
    parts = subject.strip("/").split("/")
    if parts and parts[0] == "refs":
        parts = parts[1:]
    if len(parts) != 3 or parts[0] != paths.MESSAGES:
        return None
    return parts[1], parts[2]


def apply_delta(before: Any, delta: Any) -> Any:
    """The value after a write, from the value before and the event's delta (None deletes)."""
    if delta is None:
        return None
    if not isinstance(before, dict) or not isinstance(delta, dict):
        return delta
    merged = dict(before)
    for key, value in delta.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = apply_delta(merged.get(key), value)
    return merged or None


def _number(value: Any) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    return None


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("sender"), str)
        and _number(value.get("ts")) is not None
    )


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):  # keys that all look like indexes come back as a list
        return {str(i): v for i, v in enumerate(value) if v is not None}
    return {}


def _prune(uid: str, chat: str, changes: dict[str, Any], deletions: dict[str, Any]) -> None:
    """Adds to `deletions` the deletions that bound `uid`'s entry, ranking the keys `changes`
    is about to add along with those the entry holds (so an old one may go at once)."""
    base = paths.user_chat(uid, chat)
    entry = _as_dict(backend.ref(base).get())
    ids = _as_dict(entry.get("unreadIds"))
    previews = _as_dict(entry.get("previews"))
    for path, value in changes.items():
        if value is not None and path.startswith(f"{base}/unreadIds/"):
            ids[path.rsplit("/", 1)[1]] = value
        elif value is not None and path.startswith(f"{base}/previews/"):
            previews[path.rsplit("/", 1)[1]] = value
    for key in ids_to_prune(ids, UNREAD_IDS_CAP):
        deletions[f"{base}/unreadIds/{key}"] = None
    for key in previews_to_prune(previews, PREVIEWS_KEPT):
        deletions[f"{base}/previews/{key}"] = None
    for legacy in ("lastMessage", "unread", "updatedAt"):  # the earlier layouts' fields
        if legacy in entry:
            deletions[f"{base}/{legacy}"] = None


def _on_created(chat: str, members: tuple[str, str], message_id: str, message: dict) -> None:
    receiver = members[1] if message["sender"] == members[0] else members[0]
    preview = preview_of(message)
    changes: dict[str, Any] = {f"{paths.unread_ids(receiver, chat)}/{message_id}": message["ts"]}
    for uid in members:
        changes[f"{paths.previews(uid, chat)}/{message_id}"] = preview
    deletions: dict[str, Any] = {}
    if prunes_on(message_id):
        for uid in members:
            _prune(uid, chat, changes, deletions)
    backend.trigger_update_then_delete(changes, deletions)


def _latest(chat: str, count: int) -> dict[str, dict[str, Any]]:
    """Previews of the newest `count` remaining messages of a chat, by id."""
    found = backend.ref(f"{paths.MESSAGES}/{chat}").order_by_child("ts").limit_to_last(count) \
        .get() or {}
    return {key: preview_of(value) for key, value in found.items() if _is_message(value)}


def _on_deleted(chat: str, members: tuple[str, str], message_id: str) -> None:
    # Only the receiver has the id; a null elsewhere changes nothing. One update for both.
    changes: dict[str, Any] = {}
    for uid in members:
        changes[f"{paths.unread_ids(uid, chat)}/{message_id}"] = None
        changes[f"{paths.previews(uid, chat)}/{message_id}"] = None
    backend.trigger_update(changes)
    # The next newest preview shows by itself, unless the deleted one was the last kept:
    # then the newest remaining messages fill the set again (idempotent keys).
    empty = [uid for uid in members if not backend.ref(paths.previews(uid, chat)).get()]
    if empty:
        latest = _latest(chat, PREVIEWS_KEPT)
        if latest:
            backend.trigger_update({f"{paths.previews(uid, chat)}/{key}": value
                                             for uid in empty for key, value in latest.items()})


def handle(subject: str, before: Any, delta: Any) -> str:
    """Apply one written event; returns what was done (for logs and tests)."""
    location = parse_subject(subject)
    if location is None:
        log.warning("ignoring event for unexpected subject %r", subject)
        return "ignored: subject"
    chat, message_id = location
    if is_group_id(chat):
        return _group_event(chat, message_id, before, delta)
    members = chat_members(chat)
    if members is None:
        log.warning("ignoring message in a chat id that is not a direct chat: %r", chat)
        return "ignored: chat id"
    after = apply_delta(before, delta)
    if _is_message(before) and _is_message(after):
        # An edit or a reaction (issue 16): not a new message, no unread id.
        if not edits.changes_preview(before, after):
            return "ignored: not new"
        return edits.on_edited(chat, members, message_id)
    if _is_message(after) and after["sender"] in members:
        try:
            _on_created(chat, members, message_id, after)
        except edits.refused_errors():
            # The rules refuse ids and previews of messages that do not exist (a redelivered
            # or late creation of a message deleted since), and previews of an older text
            # than the message's (one edited since). Anything else (rules not deployed, say)
            # is an error, retried and logged, never a silent deletion.
            current = backend.ref(paths.message(chat, message_id)).get()
            if current is None:
                _on_deleted(chat, members, message_id)
                return "deleted (stale creation)"
            if not _is_message(current) or current.get("editedAt") == after.get("editedAt"):
                raise
            _on_created(chat, members, message_id, current)
            return "created (edited since)"
        return "created"
    if after is None and before is not None:
        _on_deleted(chat, members, message_id)
        return "deleted"
    return "ignored: not a message"


def _group_event(chat: str, message_id: str, before: Any, delta: Any) -> str:
    """Group chats (group_unread.py): every member's entry, in one update a message."""
    from . import group_unread

    after = apply_delta(before, delta)
    if _is_message(before) and _is_message(after):
        # An edit or a reaction (issue 16): not a new message, no unread id.
        if not edits.changes_preview(before, after):
            return "ignored: not new"
        return edits.on_edited(chat, sorted(members_of(backend.ref(paths.chat(chat)).get())),
                               message_id)
    if _is_message(after):
        return group_unread.on_created(chat, message_id, after)
    if after is None and before is not None:
        return group_unread.on_deleted(chat, message_id, before)
    return "ignored: not a message"
