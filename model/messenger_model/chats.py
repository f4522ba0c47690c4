"""Chat ids. A direct chat's: the two members' uids, sorted (plain string order), joined by
`_`. A group's: `g-` and 20 random letters and digits (its members live in chats/{groupId})."""

from __future__ import annotations

import re
import secrets
import string

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


# Group chat ids (docs/data-model.md, "the agreed layout"): `g-` + 20 letters and digits,
# minted by the api function's POST /create_group. No `_`, so a group id is never taken for a
# direct chat id, nor a direct id for a group's; the rules test membership of a group in
# chats/{groupId}/members instead of in the id.
GROUP_ID_PATTERN = r"^g-[A-Za-z0-9]{20}$"  # as in database.rules.json
_GROUP_ID = re.compile(GROUP_ID_PATTERN)
_GROUP_ALPHABET = string.ascii_letters + string.digits


def is_group_id(chat_id: str) -> bool:
    return isinstance(chat_id, str) and _GROUP_ID.fullmatch(chat_id) is not None


def new_group_id() -> str:
    """A fresh group id (62**20, ~119 bits: unguessable and never colliding in practice)."""
    return "g-" + "".join(secrets.choice(_GROUP_ALPHABET) for _ in range(20))


def is_chat_id(chat_id: str) -> bool:
    """A canonical direct chat id or a group id: the only chat ids the rules let be written."""
    return chat_members(chat_id) is not None or is_group_id(chat_id)
