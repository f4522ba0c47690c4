"""Request and response models of the message-action and search routes (issue 16)."""

from __future__ import annotations

import unicodedata
from typing import Literal

from messenger_model.limits import REACTION_MAX_UNITS
from pydantic import Field, field_validator

from . import settings
from .errors import CONTENT_BLANK, CONTENT_TOO_LONG, EMOJI_INVALID, EMOJI_TOO_LONG, QUERY_BLANK
from .models import _Model

ChatId = Field(min_length=1, max_length=128, description="A chat's id: a direct chat's "
               "`uidA_uidB` (sorted) or a group's `g-...`.")
MessageId = Field(min_length=1, max_length=128, description="A message id.")
SEARCH_DEFAULT = 50
SEARCH_MAX = 200
QUERY_MAX_CHARS = 100
SEARCH_CURSOR = r"^[0-9]{1,16}:[A-Za-z0-9_-]{1,128}:[A-Za-z0-9_-]{1,128}$"


class EditRequest(_Model):
    content: str = Field(
        json_schema_extra={"minLength": 1, "maxLength": settings.MESSAGE_MAX_CHARS},
        description="The new text.")

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value.strip():  # as send_message's content
            raise ValueError(CONTENT_BLANK)
        if len(value) > settings.MESSAGE_MAX_CHARS:
            raise ValueError(CONTENT_TOO_LONG.format(max=settings.MESSAGE_MAX_CHARS))
        return value


class ForwardRequest(_Model):
    from_chat_id: str = ChatId
    message_id: str = MessageId
    to_chat_id: str = ChatId


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class ReactRequest(_Model):
    emoji: str = Field(
        json_schema_extra={"maxLength": REACTION_MAX_UNITS},
        description=f"Your reaction: an emoji or a short text, at most {REACTION_MAX_UNITS} "
        "UTF-16 units; empty removes yours.")

    @field_validator("emoji")
    @classmethod
    def _emoji(cls, value: str) -> str:
        if utf16_units(value) > REACTION_MAX_UNITS:
            raise ValueError(EMOJI_TOO_LONG.format(max=REACTION_MAX_UNITS))
        if value and (not value.strip() or any(
                unicodedata.category(ch) == "Cc" for ch in value)):
            raise ValueError(EMOJI_INVALID)
        return value


class SearchQuery(_Model):
    q: str = Field(json_schema_extra={"minLength": 1, "maxLength": QUERY_MAX_CHARS},
                   max_length=QUERY_MAX_CHARS,
                   description="Text to find (case-insensitive substring of a message).")
    chat_id: str | None = Field(default=None, min_length=1, max_length=128,
                                description="Only this chat (one of yours).")
    limit: int = Field(default=SEARCH_DEFAULT, ge=1, le=SEARCH_MAX)
    before: str | None = Field(
        default=None, max_length=300, pattern=SEARCH_CURSOR,
        description="The next page: the previous page's last hit as "
                    "`<timestamp_ms>:<chat_id>:<id>`; hits that come after it, newest first.")

    @field_validator("q")
    @classmethod
    def _query(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(QUERY_BLANK)
        return value


class Edited(_Model):
    status: Literal["edited"]


class Forwarded(_Model):
    message_id: str
    chat_id: str


class SearchHit(_Model):
    chat_id: str
    id: str
    sender: str
    content: str
    timestamp: int = Field(description="Whole seconds since the epoch (the original API's unit).")
    timestamp_ms: int
