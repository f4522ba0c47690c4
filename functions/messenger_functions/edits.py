"""The trigger's part for a message that changed in place (issue 16): an edit or a reaction.

Neither is a new message: no unread id, no new preview. An edit changes the text a preview
shows, so the members whose entry still holds that message's preview get its new text (and
`editedAt`); members whose preview was pruned (or never made) get nothing back.

Exact under redelivery and any delivery order, with the rules' help: database.rules.json
accepts a preview only with the message's current `editedAt` (both absent for an unedited
message), and a partial preview (`text` + `editedAt` without `sender`, `ts`) only where the
preview exists. So the handler reads the message once and writes its CURRENT text: an edit
handled late, or twice, writes what is true now; a preview pruned meanwhile is not re-created
(the write is refused, the handler looks who still holds one and writes those); a creation
redelivered after an edit is refused and rewritten from the current message (unread.handle).
"""

from __future__ import annotations

from typing import Any

from messenger_model import paths
from messenger_model.previews import preview_of

from . import backend


def refused_errors() -> tuple[type[Exception], ...]:
    """What firebase-admin raises when the rules refuse the trigger's write."""
    from firebase_admin import exceptions

    return (exceptions.UnauthenticatedError, exceptions.PermissionDeniedError)


def changes_preview(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether a change of a message in place changes what its preview shows."""
    return before.get("text") != after.get("text") or (
        before.get("editedAt") != after.get("editedAt"))


def _fields(message: dict[str, Any]) -> dict[str, Any]:
    preview = preview_of(message)
    return {"text": preview["text"], "editedAt": preview.get("editedAt")}


def on_edited(chat: str, members: tuple[str, ...] | list[str], message_id: str) -> str:
    current = backend.ref(paths.message(chat, message_id)).get()
    if not isinstance(current, dict) or "ts" not in current:
        return "ignored: edited message gone"  # its deletion's event removes the previews
    fields = _fields(current)

    def update(holders: list[str]) -> None:
        backend.trigger_update({
            f"{paths.previews(uid, chat)}/{message_id}/{key}": value
            for uid in holders for key, value in fields.items()})

    try:
        update(list(members))
        return "edited"
    except refused_errors():
        pass  # someone's preview is gone (pruned, or the message was never previewed)
    holders = [uid for uid in members
               if backend.ref(f"{paths.previews(uid, chat)}/{message_id}/ts").get() is not None]
    if holders:
        # Refused again only by a change since the read (a newer edit, a prune, a deletion):
        # raised, so the event is retried and reads again.
        update(holders)
    return "edited"
