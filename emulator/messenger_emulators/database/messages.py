"""Every error text and protocol constant the database emulator sends, in one place.

Texts marked "verbatim" are Firebase's own answers as quoted in issue threads (see
shared/FIREBASE-NOTES.md); the others are our wording where Firebase's is not known.
"""

from __future__ import annotations

# --- verbatim Firebase texts ---
PERMISSION_DENIED = "Permission denied"
STREAM_PERMISSION_DENIED = "Permission denied."
INVALID_JSON = "Invalid data; couldn't parse JSON object, array, or value."
INVALID_KEY = (
    "Invalid data; couldn't parse key beginning at {where}. "
    "Key value can't be empty or contain $ # [ ] / or ."
)
INVALID_PATH = "Invalid path: Invalid token in path"
ORDER_BY_REQUIRED = "orderBy must be defined when other query parameters are defined"
ORDER_BY_INVALID = "orderBy must be a valid JSON encoded path"
INDEX_NOT_DEFINED = 'Index not defined, add ".indexOn": "{index}", for path "{path}", to the rules'
KEY_INDEX_TYPE = "Provided key index type is invalid, must be string"
CONSTRAINT_NOT_PRIMITIVE = "Constraint index field must be a JSON primitive"
WRITE_TOO_BIG = (
    "WRITE_TOO_BIG: Data to write exceeds the maximum size that can be modified "
    "with a single request."
)
COULD_NOT_PARSE_AUTH = "Could not parse auth token."

# --- our wording (Firebase's exact text unknown) ---
NO_DATA = "No data supplied."
AUTH_EXPIRED = "Auth token is expired."
AUTH_WRONG_AUDIENCE = "Auth token has the wrong audience: expected {expected!r}, got {got!r}."
AUTH_REVOKED = "The credential has expired; reconnect with a fresh ID token."
UNVERIFIED_REFUSED = (
    "ID tokens cannot be checked: the emulator listens beyond loopback (secure mode) and no "
    "Auth emulator verifies signatures. Start the Auth emulator too."
)
OVERRIDE_NOT_ADMIN = "auth_variable_override is only allowed with admin credentials."
OVERRIDE_INVALID = "auth_variable_override must be a JSON object or null."
PATH_TOO_DEEP = "Invalid path: the path is deeper than {limit} levels."
DATA_TOO_DEEP = "Invalid data; the data at {path} is nested deeper than {limit} levels."
KEY_TOO_LONG = "Invalid data; key {key!r} is longer than 768 bytes."
STRING_TOO_LONG = "Invalid data; a string value is longer than 10 MB."
INVALID_PRIORITY = "Invalid data; .priority must be a string, a number or null."
INVALID_VALUE_NODE = "Invalid data; .value may only be combined with .priority."
INVALID_SERVER_VALUE = "Invalid data; unrecognized server value {value}."
NOT_JSON_PATH = "Paths must end in .json: {path}"
SHALLOW_MIXED = "Mixing shallow=true with other query parameters is not supported."
BAD_SHALLOW = "shallow must be true or false."
BAD_PRINT = "print must be pretty or silent."
BAD_FORMAT = "format must be export."
BAD_TIMEOUT = (
    "Invalid timeout {value!r}: use a positive number followed by ms, s or min, at most 15min."
)
READ_TIMEOUT = "The read did not complete within the requested timeout."
BAD_WRITE_SIZE_LIMIT = (
    "Invalid writeSizeLimit {value!r}: use tiny, small, medium, large or unlimited."
)
BAD_LIMIT = "{name} must be a positive integer."
BOTH_LIMITS = "limitToFirst and limitToLast cannot both be defined."
EQUAL_WITH_RANGE = "equalTo cannot be combined with startAt or endAt."
BOUND_TWICE = "{a} and {b} cannot both be set."
UNKNOWN_PARAM = "Unsupported query parameter: {name}."
IF_MATCH_ON_GET = "if-match is not supported on GET requests."
IF_MATCH_ON_METHOD = "if-match is only supported on PUT and DELETE requests."
BAD_METHOD = "Method {method} is not supported."
BAD_METHOD_OVERRIDE = "X-HTTP-Method-Override must be GET, PUT, POST, PATCH or DELETE."
PATCH_NEEDS_OBJECT = "Invalid data; PATCH requires a JSON object."
PATCH_OVERLAP = "Invalid data; the update paths {a!r} and {b!r} overlap."
BAD_NAMESPACE = "Invalid namespace {name!r}: use letters, digits, '-' and '_'."
RULES_NEED_ADMIN = "Only the admin may read or change rules."
INTERNAL = "Internal error in the database emulator: {kind}. See the emulator log."
NOT_DURABLE = "The write could not be made durable: {reason}"
BAD_CALLBACK = "callback must be a JavaScript identifier."
BAD_DOWNLOAD = "download must be a file name."
GET_ONLY = "{name} is only supported on GET requests."

# --- protocol constants ---
NULL_ETAG = "null_etag"
ADMIN_TOKEN = "owner"
MAX_DEPTH = 32
MAX_KEY_BYTES = 768
MAX_STRING_BYTES = 10 * 1024 * 1024
MAX_TIMEOUT_MS = 15 * 60 * 1000
DEFAULT_KEEPALIVE_S = 30.0
MAX_TRACE_HEADER = 16 * 1024        # bytes of X-Rules-Trace (clients refuse longer headers)
STREAM_BUFFER_LIMIT = 4 * 1024 * 1024   # bytes waiting for one slow stream before it is dropped
# writeSizeLimit: Firebase estimates the time a write would take; we emulate it by the size of
# the data the write replaces or creates (bytes of JSON), documented in docs/database.md.
WRITE_SIZE_LIMITS = {
    "tiny": 10 * 1024,
    "small": 1024 * 1024,
    "medium": 10 * 1024 * 1024,
    "large": 64 * 1024 * 1024,
    "unlimited": 256 * 1024 * 1024,
}
