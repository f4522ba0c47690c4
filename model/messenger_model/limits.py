"""Limits of the data model. database.rules.json states the same numbers (a test compares)."""

from __future__ import annotations

MESSAGE_MAX_CHARS = 4000  # messages/{chatId}/{id}/text: 1..4000 characters
DISPLAY_NAME_MAX = 50  # users/{uid}/displayName: 1..50 characters
PREVIEW_CHARS = 200  # userChats/.../lastMessage/text: the first 200 characters of a message

# A user is online while status/{uid}.online is true and the heartbeat is at most this old.
ONLINE_WINDOW_MS = 60_000
HEARTBEAT_S = 20.0  # how often a signed-in client writes status/{uid}

# userChats/{uid}/{chatId}/unreadIds keeps at most the newest this many unread ids, so what
# one message writes and what one chat-list load reads stay bounded however long a chat stays
# unread. Counts up to UNREAD_IDS_CAP - 1 are exact; at the cap a chat shows "99+".
UNREAD_IDS_CAP = 100

# userChats/{uid}/{chatId}/previews keeps the newest few messages' previews: the chat list
# shows the newest, and deleting it falls back to the next one without a query.
PREVIEWS_KEPT = 4
# The trigger prunes an entry (unread ids beyond the cap, previews beyond PREVIEWS_KEPT) on one
# message in PRUNE_EVERY, chosen by a hash of the message id (a redelivery decides the same):
# the other messages cost one write and no read. Between prunes a set holds a few more.
PRUNE_EVERY = 32

# Groups (docs/data-model.md, "the agreed layout"): at most this many members, the creator
# included; a name of 1..GROUP_NAME_MAX characters.
GROUP_MAX_MEMBERS = 200
GROUP_NAME_MAX = 100
# The trigger prunes a group member's entry when a hash of (member, message id) falls in one of
# this many buckets: a message reads ~members/16 entries (12 of 200) instead of all of them.
GROUP_PRUNE_EVERY = 16

# Typing indicators: a typer writes typing/{chatId}/{uid} at most once per TYPING_WRITE_EVERY_S
# while typing; readers ignore an entry older than TYPING_FRESH_MS (so a crashed client's
# indicator dies by itself).
TYPING_WRITE_EVERY_S = 3.0
TYPING_FRESH_MS = 6_000

# A reaction (messages/{chatId}/{messageId}/reactions/{uid}): one emoji, or a short text, of at
# most this many UTF-16 code units (the rules' `length`: "👍" is 2, "❤️" 2, a flag 4).
REACTION_MAX_UNITS = 16
