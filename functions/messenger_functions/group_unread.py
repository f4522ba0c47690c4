"""The unread trigger for group chats: one multi-path update per message for every member.

The same entry and the same derivation as a direct chat's (unread.py, docs/data-model.md): a
group message's id goes to `userChats/{uid}/{groupId}/unreadIds` of every member but the sender,
its preview to `previews` of every member, sender included, in ONE `update()`. A system message
(`system`, written by the api function for joins, removals and renames) makes a preview but no
unread id. Members are those of `chats/{groupId}` now, who had joined by the message's time
(`joinedAt <= ts`: someone added later does not get what was said before they came).

Concurrency, without a transaction:
- redelivery sets the same keys again (idempotent);
- a member removed between our read of the group and our write: the rules refuse trigger
  writes into the entry of someone who is not a member (so a late trigger cannot re-create a
  removed member's entry), which refuses the whole update; we read the group again and retry
  with the members it has then;
- a creation handled after the message was deleted: refused too (ids and previews only for
  existing messages), handled as the deletion, as for direct chats.

Bounded: each member's entry is pruned (ids beyond UNREAD_IDS_CAP, previews beyond
PREVIEWS_KEPT) when a hash of (member, message id) falls in one of GROUP_PRUNE_EVERY buckets,
so a message reads ~members/GROUP_PRUNE_EVERY entries, not all of them, and a redelivery
prunes the same way.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from messenger_model import paths
from messenger_model.groups import members_of
from messenger_model.limits import GROUP_PRUNE_EVERY, PREVIEWS_KEPT
from messenger_model.previews import preview_of

from . import backend

log = logging.getLogger(__name__)

# How often to read the group again and retry after the rules refused an update because its
# membership changed meanwhile; each retry needs a membership change between a read and a
# write, so a handful covers any realistic burst of removals.
MEMBERSHIP_RETRIES = 5


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def recipients(chat: Any, ts: Any) -> list[str]:
    """The members of a group record who had joined by `ts` (all members when unknown)."""
    stamp = _number(ts)
    joined = chat.get("joinedAt") if isinstance(chat, dict) else None
    joined = joined if isinstance(joined, dict) else {}
    found = []
    for uid in members_of(chat):
        since = _number(joined.get(uid))
        if stamp is None or since is None or since <= stamp:
            found.append(uid)
    return sorted(found)


def prunes_for(uid: str, message_id: str) -> bool:
    """Whether this message's event prunes `uid`'s entry (one in GROUP_PRUNE_EVERY).

    Not CRC-32: it is linear, so for uids of one length (Firebase's are all 28 characters)
    crc(a/m) XOR crc(b/m) is the same for every m, and one pair of members in 16 was pruned
    on exactly the same messages, always. BLAKE2b decides for each member independently."""
    key = f"{uid}/{message_id}".encode("utf-8", "surrogatepass")
    digest = hashlib.blake2b(key, digest_size=4).digest()
    return int.from_bytes(digest, "big") % GROUP_PRUNE_EVERY == 0


def _changes(chat_id: str, message_id: str, message: dict, members: list[str]
             ) -> tuple[dict[str, Any], dict[str, Any]]:
    """The message's fan-out (one update), and the deletions that prune the members' entries
    whose turn it is (written after it, in bounded writes)."""
    from .unread import _prune  # one pruning rule for direct and group entries

    preview = preview_of(message)
    system = "system" in message
    changes: dict[str, Any] = {}
    for uid in members:
        if uid != message["sender"] and not system:
            changes[f"{paths.unread_ids(uid, chat_id)}/{message_id}"] = message["ts"]
        changes[f"{paths.previews(uid, chat_id)}/{message_id}"] = preview
    deletions: dict[str, Any] = {}
    for uid in members:
        if prunes_for(uid, message_id):
            _prune(uid, chat_id, changes, deletions)
    return changes, deletions


def _group(chat_id: str) -> Any:
    return backend.ref(paths.chat(chat_id)).get()


def on_created(chat_id: str, message_id: str, message: dict) -> str:
    """Fan a new message out; returns what was done."""
    from firebase_admin import exceptions

    group = _group(chat_id)
    for _attempt in range(MEMBERSHIP_RETRIES + 1):
        members = recipients(group, message.get("ts"))
        if not members:
            return "ignored: no members"
        try:
            changes, deletions = _changes(chat_id, message_id, message, members)
            backend.trigger_update_then_delete(changes, deletions)
            return "created"
        except (exceptions.UnauthenticatedError, exceptions.PermissionDeniedError):
            current = backend.ref(paths.message(chat_id, message_id)).get()
            if current is None:
                on_deleted(chat_id, message_id, message)
                return "deleted (stale creation)"
            if isinstance(current, dict) and current.get("editedAt") != message.get("editedAt"):
                message = current  # edited since: a preview must carry its current text
                continue
            fresh = _group(chat_id)
            if members_of(fresh) == members_of(group):
                raise  # not a membership race: an error to retry and log, never to drop
            log.info("group %s changed while fanning out %s; retrying", chat_id, message_id)
            group = fresh
    raise RuntimeError(f"group {chat_id} kept changing while fanning out {message_id}")


def _latest(chat_id: str, count: int) -> dict[str, dict[str, Any]]:
    found = backend.ref(f"{paths.MESSAGES}/{chat_id}").order_by_child("ts") \
        .limit_to_last(count).get() or {}
    return {key: value for key, value in found.items()
            if isinstance(value, dict) and isinstance(value.get("sender"), str)
            and _number(value.get("ts")) is not None}


def on_deleted(chat_id: str, message_id: str, before: Any) -> str:
    """Remove a deleted message's id and preview from every member's entry; when it was one
    of the newest PREVIEWS_KEPT, write the newest remaining previews again (idempotent keys),
    so no member is left without a preview while messages remain. One read of the group,
    one query, one update: never a read per member."""
    group = _group(chat_id)
    members = sorted(members_of(group))
    changes: dict[str, Any] = {}
    for uid in members:
        changes[f"{paths.unread_ids(uid, chat_id)}/{message_id}"] = None
        changes[f"{paths.previews(uid, chat_id)}/{message_id}"] = None
    latest = _latest(chat_id, PREVIEWS_KEPT)
    deleted_ts = _number(before.get("ts")) if isinstance(before, dict) else None
    oldest_kept = min((_number(v.get("ts")) or 0.0 for v in latest.values()), default=None)
    if latest and (len(latest) < PREVIEWS_KEPT or deleted_ts is None
                   or oldest_kept is None or deleted_ts >= oldest_kept):
        for key, value in latest.items():
            for uid in recipients(group, value.get("ts")):
                changes[f"{paths.previews(uid, chat_id)}/{key}"] = preview_of(value)
    if changes:
        from firebase_admin import exceptions

        try:
            backend.trigger_update(changes)
        except (exceptions.UnauthenticatedError, exceptions.PermissionDeniedError):
            # a member removed meanwhile, or a refilled message deleted meanwhile: the
            # deletions alone are always accepted (they never re-create an entry)
            backend.trigger_update({k: v for k, v in changes.items() if v is None})
    return "deleted"
