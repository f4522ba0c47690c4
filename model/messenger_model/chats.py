"""Direct chat ids: the two members' uids, sorted (plain string order), joined by `_`."""

from __future__ import annotations

import re

# The rules accept these uids ([A-Za-z0-9-]+; minted uids never contain `_`), so an id splits
# unambiguously into its two members.
CHAT_ID_PATTERN = r"^[A-Za-z0-9-]+_[A-Za-z0-9-]+$"  # as in database.rules.json
_CHAT_ID = re.compile(CHAT_ID_PATTERN)


def direct_chat_id(uid_a: str, uid_b: str) -> str:
    low, high = sorted((uid_a, uid_b))
    return f"{low}_{high}"


def chat_members(chat_id: str) -> tuple[str, str] | None:
    """The two members of a canonical direct chat id (sorted, distinct), or None."""
    if not _CHAT_ID.fullmatch(chat_id):  # fullmatch: no trailing newline either
        return None
    low, high = chat_id.split("_")
    if not low < high:
        return None
    return low, high


def other_member(chat_id: str, uid: str) -> str | None:
    """The member of a direct chat who is not `uid` (None when `uid` is not a member)."""
    members = chat_members(chat_id)
    if members is None or uid not in members:
        return None
    return members[1] if members[0] == uid else members[0]
