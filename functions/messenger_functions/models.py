"""Pydantic models of every request and response: they validate input and generate OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from . import emails, settings
from .errors import (
    CHAT_OR_PEOPLE,
    CONTENT_BLANK,
    CONTENT_TOO_LONG,
    EMAIL_INVALID,
    NOT_BOOLEAN,
    PASSWORD_BLANK,
    PASSWORD_TOO_LONG,
    PASSWORD_TOO_SHORT,
    TEXT_INVALID,
)


def _boolean(value: object) -> object:
    """true/false, also as form text; never 0/1/"yes" (a typo must not flip presence)."""
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, bool):
        return value
    raise ValueError(NOT_BOOLEAN)


Boolean = Annotated[bool, BeforeValidator(_boolean)]

Uid = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9-]+$", description="A user id.")


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    @field_validator("*", mode="before")
    @classmethod
    def _valid_text(cls, value: object) -> object:
        # JSON can carry lone surrogates ("\ud800"): no database stores them, refuse early.
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(TEXT_INVALID) from None
        return value


class Credentials(_Model):
    # Limits that have a sentence of their own live in the validators (so the user reads that
    # sentence, not Pydantic's); json_schema_extra still documents them for OpenAPI.
    email: str = Field(
        json_schema_extra={"format": "email", "maxLength": settings.EMAIL_MAX_CHARS + 64},
        description=(
            "Trimmed, NFKC-normalised and lowercased, the domain in IDNA (ASCII) form; "
            "addresses that mix alphabets so as to imitate another one are refused."
        ),
    )
    password: str = Field(
        json_schema_extra={
            "minLength": settings.PASSWORD_MIN_CHARS,
            "maxLength": settings.PASSWORD_MAX_BYTES,
        },
        description=(
            f"At least {settings.PASSWORD_MIN_CHARS} characters, at most "
            f"{settings.PASSWORD_MAX_BYTES} bytes in UTF-8, not only spaces."
        ),
    )

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        normalized = emails.canonical(value)  # ValueError(EMAIL_INVALID) when it has none
        problem = emails.lookalike_problem(normalized)  # first: it explains more
        if problem:
            raise ValueError(problem)
        if len(normalized) > settings.EMAIL_MAX_CHARS:
            raise ValueError(EMAIL_INVALID)
        try:
            validate_email(normalized, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError(EMAIL_INVALID) from None
        return normalized

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        if len(value) < settings.PASSWORD_MIN_CHARS:
            raise ValueError(PASSWORD_TOO_SHORT.format(min=settings.PASSWORD_MIN_CHARS))
        if len(value.encode("utf-8", "surrogatepass")) > settings.PASSWORD_MAX_BYTES:
            raise ValueError(PASSWORD_TOO_LONG.format(max=settings.PASSWORD_MAX_BYTES))
        if not value.strip(" "):
            raise ValueError(PASSWORD_BLANK)
        return value


class RegisterRequest(Credentials):
    pass


class LoginRequest(_Model):
    # No policy here: sign-in never tells which rule a guess broke.
    email: str = Field(min_length=1, max_length=settings.LOGIN_FIELD_MAX_CHARS)
    password: str = Field(min_length=1, max_length=settings.LOGIN_FIELD_MAX_CHARS)


ChatId = Field(
    default=None, min_length=1, max_length=128,
    description="A chat's id (a direct chat's `uidA_uidB`, or a group's `g-...`): instead of "
    "sender and receiver.",
)
OptionalUid = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9-]+$",
                    description="A user id.")


class _InChat(_Model):
    """A chat named by `chat_id`, or (one-to-one, as the original API) by sender and receiver."""

    chat_id: str | None = ChatId
    sender: str | None = OptionalUid
    receiver: str | None = OptionalUid

    @model_validator(mode="after")
    def _chat_named(self) -> _InChat:
        if self.chat_id is None and (self.sender is None or self.receiver is None):
            raise ValueError(CHAT_OR_PEOPLE.format(fields="sender and receiver"))
        return self


class SendMessageRequest(_InChat):
    content: str = Field(
        json_schema_extra={"minLength": 1, "maxLength": settings.MESSAGE_MAX_CHARS}
    )
    timestamp: int | float | str | None = Field(
        default=None, description="Accepted for compatibility and ignored: the server's clock wins."
    )
    reply_to: str | None = Field(
        default=None, min_length=1, max_length=128,
        description="The id of a message of the same chat this one replies to.")

    @field_validator("content")
    @classmethod
    def _content(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(CONTENT_BLANK)
        if len(value) > settings.MESSAGE_MAX_CHARS:
            raise ValueError(CONTENT_TOO_LONG.format(max=settings.MESSAGE_MAX_CHARS))
        return value


class ChatQuery(_InChat):
    limit: int = Field(default=settings.PAGE_DEFAULT, ge=1, le=settings.PAGE_MAX)
    before: int | None = Field(
        default=None, ge=0, le=2**53,
        description="Only messages with timestamp_ms < before (milliseconds: pass the oldest "
        "message's timestamp_ms to page back).",
    )


class ReceiverQuery(_Model):
    receiver: str = Uid


class MarkReadRequest(_InChat):
    pass


class ActivityRequest(_Model):
    user_id: str = Uid
    online: Boolean = Field(default=True, description="false when the client signs out.")


# --- responses ---
class ErrorBody(_Model):
    detail: str


class RegisterResponse(_Model):
    message: str
    user_id: str
    custom_token: str


class LoginResponse(_Model):
    user_id: str
    custom_token: str


class UserOut(_Model):
    user_id: str
    email: str
    display_name: str
    last_seen: int | None = Field(
        description="Last heartbeat, whole seconds since the epoch (the original API's unit)."
    )
    last_seen_ms: int | None = Field(description="The same, in milliseconds.")
    online: bool


class StatusOk(_Model):
    status: Literal["ok"]


class SentMessage(_Model):
    status: Literal["ok"]
    message_id: str
    chat_id: str = Field(description="For DELETE /delete_message/{chat_id}/{message_id}.")


class ForwardedFrom(_Model):
    sender: str
    chat_id: str
    message_id: str


class MessageOut(_Model):
    id: str
    sender: str
    receiver: str
    content: str
    timestamp: int = Field(
        description="When the server stored it, whole seconds since the epoch (the original "
        "API's unit)."
    )
    timestamp_ms: int = Field(description="The same, in milliseconds (for `before`).")
    # message actions (issue 16): null / empty when not set
    edited_at: int | None = Field(default=None, description="Last edit, whole seconds.")
    edited_at_ms: int | None = Field(default=None, description="The same, in milliseconds.")
    reply_to: str | None = Field(default=None, description="The id of the message it quotes.")
    forwarded_from: ForwardedFrom | None = Field(default=None, description="The original.")
    reactions: dict[str, list[str]] = Field(
        default_factory=dict, description="{emoji: [uid, ...]}: who reacted how.")
    chat_id: str = Field(default="", description="The chat it belongs to.")
    read_by: list[str] = Field(
        default_factory=list,
        description="Members other than the sender whose read position covers it (empty when "
        "your read receipts are off; members whose receipts are off never appear).")
    system: dict[str, Any] | None = Field(
        default=None, description="A group event (created, added, removed, left, renamed, "
        "owner, role): `{kind, actor, users, name}` (`role` for a role change); `content` is "
        "its English wording.")


class Deleted(_Model):
    status: Literal["deleted"]


class Updated(_Model):
    status: Literal["updated"]
