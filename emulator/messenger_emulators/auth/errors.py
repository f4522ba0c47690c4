"""Every error the Auth emulator returns, in Google's shape, and every text it logs (one place).

Google's Identity Toolkit and Secure Token APIs answer failures with
``{"error": {"code": 400, "message": "CODE", "errors": [{"message": "CODE", "domain": "global",
"reason": "invalid"}], "status": "INVALID_ARGUMENT"}}``. Clients (firebase-admin, pyrebase4,
the JS SDK) key on ``message``, and on the part before `` : `` when a detail follows, so the
codes below are Google's verbatim.
"""

from __future__ import annotations

from typing import Any

# Identity Toolkit / Secure Token error codes (Google's, verbatim).
INVALID_CUSTOM_TOKEN = "INVALID_CUSTOM_TOKEN"
MISSING_CUSTOM_TOKEN = "MISSING_CUSTOM_TOKEN"
CREDENTIAL_MISMATCH = "CREDENTIAL_MISMATCH"
INVALID_REFRESH_TOKEN = "INVALID_REFRESH_TOKEN"
MISSING_REFRESH_TOKEN = "MISSING_REFRESH_TOKEN"
INVALID_GRANT_TYPE = "INVALID_GRANT_TYPE"
MISSING_GRANT_TYPE = "MISSING_GRANT_TYPE"
TOKEN_EXPIRED = "TOKEN_EXPIRED"
INVALID_ID_TOKEN = "INVALID_ID_TOKEN"
MISSING_ID_TOKEN = "MISSING_ID_TOKEN"
USER_NOT_FOUND = "USER_NOT_FOUND"
USER_DISABLED = "USER_DISABLED"
INVALID_JSON = "INVALID_JSON_PAYLOAD"
INVALID_PROJECT_ID = "INVALID_PROJECT_ID"
NOT_FOUND = "NOT_FOUND"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
# email/password, anonymous and out-of-band codes (passwords.py; the official emulator's)
INVALID_EMAIL = "INVALID_EMAIL"
EMAIL_EXISTS = "EMAIL_EXISTS"
WEAK_PASSWORD = "WEAK_PASSWORD"
MISSING_EMAIL = "MISSING_EMAIL"
MISSING_PASSWORD = "MISSING_PASSWORD"
EMAIL_NOT_FOUND = "EMAIL_NOT_FOUND"
INVALID_PASSWORD = "INVALID_PASSWORD"
INVALID_LOGIN_CREDENTIALS = "INVALID_LOGIN_CREDENTIALS"
MISSING_REQ_TYPE = "MISSING_REQ_TYPE"
INSUFFICIENT_PERMISSION = "INSUFFICIENT_PERMISSION"
OPERATION_NOT_ALLOWED = "OPERATION_NOT_ALLOWED"
MISSING_OOB_CODE = "MISSING_OOB_CODE"
INVALID_OOB_CODE = "INVALID_OOB_CODE"
DUPLICATE_LOCAL_ID = "DUPLICATE_LOCAL_ID"
UNEXPECTED_PARAMETER = "UNEXPECTED_PARAMETER"
MISSING_USER_ACCOUNT = "MISSING_USER_ACCOUNT"

# Details appended after " : " (the official emulator does the same; clients ignore them).
DETAIL_NOT_JWT = "The custom token is not a JWT (three base64url parts separated by dots)."
DETAIL_BAD_JSON = "The custom token's header or payload is not valid base64url JSON."
DETAIL_BAD_AUDIENCE = "The custom token's aud claim is not the Identity Toolkit audience."
DETAIL_NO_UID = "The custom token has no uid claim (a string of 1 to 128 characters)."
DETAIL_BAD_CLAIMS = "The custom token's claims must be a JSON object."
DETAIL_EXPIRED = "The custom token has expired."
DETAIL_UNSIGNED_SECURE = (
    "This emulator runs in secure mode: custom tokens must be signed (RS256) by the suite's "
    "service-account key; unsigned tokens are refused."
)
DETAIL_BAD_SIGNATURE = (
    "The custom token's signature does not verify against the suite's service-account key."
)
DETAIL_BROWSER_UNSIGNED = (
    "This request comes from a web page (it carries an Origin header) and this emulator does "
    "not check custom-token signatures outside secure mode; start the suite with --secure."
)
DETAIL_BROWSER_UNSIGNED_ID = (
    "This request comes from a web page (it carries an Origin header) and this emulator's ID "
    "tokens are unsigned outside secure mode; start the suite with --secure."
)
DETAIL_ADMIN_PLACE = (
    "The emulator's admin endpoints answer only requests from this machine, never from a web "
    "page (Origin header)."
)
DETAIL_UNKNOWN_ALG = "The custom token uses an unsupported algorithm {alg!r} (none or RS256)."

# Log texts.
LOG_LISTENING = "Auth emulator listening on http://{host}:{port}"
LOG_SECURE = "Auth emulator in secure mode: ID tokens signed with RS256 key {kid}"
LOG_STATE_UNREADABLE = (
    "Auth emulator: the state file {path} is unreadable ({detail}); moved it to {aside} and "
    "started with no accounts."
)


class AuthError(Exception):
    """A failure answered with Google's error body; raised inside handlers."""

    def __init__(self, message: str, detail: str = "", code: int = 400,
                 status: str = "INVALID_ARGUMENT") -> None:
        self.message = f"{message} : {detail}" if detail else message
        self.code = code
        self.status = status
        super().__init__(self.message)

    def body(self) -> dict[str, Any]:
        return google_error(self.message, self.code, self.status)


def google_error(message: str, code: int = 400, status: str = "INVALID_ARGUMENT") -> dict:
    return {
        "error": {
            "code": code,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": "invalid"}],
            "status": status,
        }
    }
