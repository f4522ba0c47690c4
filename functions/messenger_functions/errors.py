"""Every error text the functions answer with, and the exception that carries one.

One place for the wording, so the API, its OpenAPI document and the tests agree.
"""

from __future__ import annotations

# --- request shape ---
NOT_FOUND = "Not found."
METHOD_NOT_ALLOWED = "Method {method} is not allowed here; use {allowed}."
BODY_TOO_LARGE = "The request body is larger than {limit} bytes."
BODY_NOT_JSON = "The body is not valid JSON."
BODY_NOT_OBJECT = "The body must be a JSON object or a form."
BODY_NOT_UTF8 = "The body is not valid UTF-8."
UNSUPPORTED_BODY = "Send the body as application/json or as a form."
INVALID_PARAMETER = "Invalid request: {problems}"
NOT_BOOLEAN = "Use true or false."
PARAMETER_TWICE = "Invalid request: {names} given twice, with different values (URL and body)."
PARAMETER_REPEATED = "Invalid request: {names} given more than once in the URL."
NOT_WHOLE_NUMBER = "Invalid request: {name} must be a whole number (digits only)."
PARAMETERS_IN_URL = "Send {names} in the body, not in the URL: URLs end up in request logs."
TEXT_INVALID = "Text must be valid Unicode (no lone surrogates)."

# --- identity ---
AUTH_MISSING = "Sign in first: send Authorization: Bearer ID_TOKEN."
AUTH_INVALID = "The ID token is not valid; sign in again."
AUTH_EXPIRED = "The ID token has expired; refresh it and try again."
NOT_YOURSELF = "You can only act as yourself: {field} must be your own user id."
NOT_A_MEMBER = "You are not a member of this chat."
NOT_THE_SENDER = "Only the sender may delete a message."

# --- accounts ---
EMAIL_INVALID = "Enter a valid email address."
EMAIL_LOOKALIKE = (
    "This email address mixes alphabets ({scripts}) so that it looks like another address; "
    "type every letter in one alphabet."
)
EMAIL_IMITATION = (
    "This email address contains letters that pass for others ({chars}); "
    "type it with ordinary letters."
)
EMAIL_INVISIBLE = "This email address contains invisible or control characters."
EMAIL_TAKEN = "An account with this email already exists."
PASSWORD_TOO_SHORT = "The password must be at least {min} characters long."
PASSWORD_TOO_LONG = "The password must be at most {max} bytes long (UTF-8)."
PASSWORD_BLANK = "The password must not consist only of spaces."
WRONG_CREDENTIALS = "Wrong email or password."
TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Try again in {seconds} seconds."
TOO_MANY_REGISTRATIONS = "Too many new accounts from your address. Try again in {seconds} seconds."
REGISTERED = "User registered successfully."

# --- messages ---
SAME_USER = "sender and receiver must be two different users."
NO_SUCH_USER = "No user with id {uid}."
NO_SUCH_MESSAGE = "No such message."
CONTENT_BLANK = "The message must not be empty."
CONTENT_TOO_LONG = "The message must be at most {max} characters long."

# --- message actions and search (issue 16) ---
NO_SUCH_CHAT = "No such chat."
NOT_THE_EDITOR = "Only the sender may edit a message."
REPLY_NOT_IN_CHAT = "reply_to must be the id of a message of the same chat."
CANNOT_FORWARD_SYSTEM = "Group events cannot be forwarded."
FILE_GONE = "The file of this message is no longer available."
FILE_NOT_OF_CHAT = "The file of this message is not stored in its chat; it cannot be forwarded."
STORAGE_UNAVAILABLE = "File storage is unavailable right now; try again."
EMOJI_TOO_LONG = "A reaction must be at most {max} characters long (UTF-16 units)."
EMOJI_INVALID = "A reaction must be an emoji or a short text, not spaces or control characters."
QUERY_BLANK = "Search for something: q must not be empty."

# --- chats and groups ---
CHAT_OR_PEOPLE = "Give chat_id, or {fields}."
NOT_AN_ADMIN = "Only the group's owner and admins may do this."
GROUP_AVATAR_PATH = ("A group's picture must be a file you uploaded to that group "
                     "(groups/{groupId}/{cap}/{your uid}/{file}).")
GROUP_AVATAR_MISSING = "No such picture: upload it to the group first."
NOT_THE_OWNER = "Only the group's owner may remove an admin."
NOT_AN_OWNER = "Only the group's owner may change roles (and an owner's role stays)."
OWN_ROLE = "You cannot change your own role; to hand ownership on, leave the group."
NOT_IN_GROUP = "{uid} is not a member of this group."
REMOVE_YOURSELF = "To leave a group, use leave_group."
GROUP_TOO_LARGE = "A group has at most {max} members."
GROUP_NAME_BLANK = "The group's name must not be empty."
GROUP_NAME_TOO_LONG = "The group's name must be at most {max} characters long."
MEMBERS_TWICE = "A member is listed twice."
MEMBERS_NOT_UIDS = "members must be user ids (letters, digits and -, at most 128 characters)."

# --- server side ---
INTERNAL = "Internal error"
UNAVAILABLE = "The database is unavailable right now; try again shortly."
BUSY = "The server is busy; try again."


class ApiError(Exception):
    """An answer other than success: the status, the sentence for the user, extra headers."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}
