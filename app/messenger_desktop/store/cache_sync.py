"""What a chat's live stream says, applied to the message cache.

The stream listens to `messages/{chat}` from `startAt` (the oldest row the session has
confirmed; "" for the whole chat). Its first event (and the first after every reconnection)
is a full `put` of that range: the truth for it, so cached messages in it that are missing
were deleted while nobody listened. Later events are single messages (new, deleted) or
changes below one (an edit's `text` and `editedAt`, reactions), applied as they come.
"""

from __future__ import annotations

from typing import Any

from ..firebase.tree import split_path
from .message_cache import MessageCache


def apply_stream_event(cache: MessageCache, chat_id: str, start: str, kind: str, path: str,
                       data: Any) -> None:
    parts = split_path(path)
    if kind == "put" and not parts:
        cache.replace_range(chat_id, start, None, data if isinstance(data, dict) else {})
        return
    if kind == "put":
        _write(cache, chat_id, parts, data)
        return
    if kind == "patch" and isinstance(data, dict):
        for key, value in data.items():  # keys are relative paths below `path`
            _write(cache, chat_id, parts + split_path(str(key)), value)


def _write(cache: MessageCache, chat_id: str, parts: list[str], value: Any) -> None:
    if not parts:
        return
    if len(parts) == 1:
        cache.put(chat_id, parts[0], value)
    else:
        cache.update(chat_id, parts[0], parts[1:], value)
