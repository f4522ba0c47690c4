"""Email/password and anonymous accounts, out-of-band codes, and the admin calls around them,
as the official Auth emulator answers them (firebase-tools src/emulator/auth/operations.ts):

    accounts:signUp                email + password, or nobody (anonymous); the admin's
                                   `POST /v1/projects/P/accounts` (firebase-admin create_user)
    accounts:signInWithPassword    EMAIL_NOT_FOUND / INVALID_PASSWORD, or
                                   INVALID_LOGIN_CREDENTIALS with enableImprovedEmailPrivacy
    accounts:sendOobCode           PASSWORD_RESET, VERIFY_EMAIL (returnOobLink for the admin)
    accounts:resetPassword         a PASSWORD_RESET code and newPassword
    accounts:update                profile, email, password, emailVerified, oobCode, and the
                                   admin fields firebase-admin's update_user sends
    accounts:lookup                idToken, or (admin) localId / email lists
    accounts:batchGet              firebase-admin list_users (maxResults, nextPageToken)
    accounts:batchCreate           the admin's import (what auth_export/accounts.json holds)
    /emulator/v1/projects/P/oobCodes, /config    the emulator's own routes
    /emulator/action               the link a code mail would carry (verifyEmail,
                                   resetPassword with &newPassword=)
and pyrebase4's v3 names (verifyPassword, signupNewUser, getOobConfirmationCode,
resetPassword). Passwords are kept as the official emulator keeps them
("fakeHash:salt=S:password=P": no real secret belongs in an emulator), so exports move both
ways between the two.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from . import errors
from .errors import AuthError
from .store import User

if TYPE_CHECKING:
    from .policy import Caller
    from .server import AuthService

log = logging.getLogger("messenger_emulators.auth")

PASSWORD_MIN_LENGTH = 6
PROVIDER_PASSWORD = "password"
PROVIDER_ANONYMOUS = "anonymous"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")  # the official emulator's check is as loose
_RESET_TYPES = ("PASSWORD_RESET", "VERIFY_EMAIL")


def hash_password(password: str, salt: str) -> str:
    return f"fakeHash:salt={salt}:password={password}"


def new_salt() -> str:
    return "fakeSalt" + secrets.token_urlsafe(15)[:20]


def canonical_email(email: str) -> str:
    return email.lower()


def token_claims(user: User) -> dict[str, Any]:
    """The profile claims Google puts in an ID token (email, email_verified, name, picture)."""
    claims: dict[str, Any] = {}
    if user.email is not None:
        claims["email"] = user.email
        claims["email_verified"] = user.email_verified
    if user.display_name is not None:
        claims["name"] = user.display_name
    if user.photo_url is not None:
        claims["picture"] = user.photo_url
    return claims


def identities(user: User) -> dict[str, Any]:
    return {"email": [user.email]} if user.email is not None else {}


@dataclass
class OobRecord:
    email: str
    request_type: str
    oob_code: str
    oob_link: str

    def to_google(self) -> dict[str, Any]:
        return {"email": self.email, "requestType": self.request_type,
                "oobCode": self.oob_code, "oobLink": self.oob_link}


@dataclass
class ProjectConfig:
    """What /emulator/v1/projects/P/config holds (and auth_export/config.json)."""
    enable_improved_email_privacy: bool = False
    allow_duplicate_emails: bool = False

    def to_google(self) -> dict[str, Any]:
        return {"signIn": {"allowDuplicateEmails": self.allow_duplicate_emails},
                "emailPrivacyConfig": {
                    "enableImprovedEmailPrivacy": self.enable_improved_email_privacy}}

    def update(self, body: dict[str, Any]) -> None:
        privacy = body.get("emailPrivacyConfig")
        if isinstance(privacy, dict) and "enableImprovedEmailPrivacy" in privacy:
            self.enable_improved_email_privacy = bool(privacy["enableImprovedEmailPrivacy"])
        sign_in = body.get("signIn")
        if isinstance(sign_in, dict) and "allowDuplicateEmails" in sign_in:
            self.allow_duplicate_emails = bool(sign_in["allowDuplicateEmails"])


@dataclass
class Passwords:
    """The password, anonymous and out-of-band-code operations over an AuthService."""
    service: AuthService
    oobs: dict[str, OobRecord] = field(default_factory=dict)
    config: ProjectConfig = field(default_factory=ProjectConfig)

    @property
    def store(self):
        return self.service.store

    # ---- tokens -------------------------------------------------------------------------
    def issue_tokens(self, user: User, provider: str) -> dict[str, Any]:
        now = time.time()
        claims = {**token_claims(user), **user.custom_attributes}
        id_token = self.service.id_tokens.mint(user.uid, claims, int(now), now,
                                               provider=provider, identities=identities(user))
        refresh = self.store.issue_refresh_token(user.uid, {}, int(now), provider)
        return {"idToken": id_token, "refreshToken": refresh,
                "expiresIn": str(self.service.id_tokens.ttl)}

    def _user_of(self, id_token: object, caller: Caller) -> User:
        uid = self.service.uid_of_id_token(id_token, caller)
        user = self.store.users.get(uid)
        if user is None:
            raise AuthError(errors.USER_NOT_FOUND)
        return user

    # ---- sign-up and sign-in ------------------------------------------------------------
    def _checked_email(self, email: object, exclude: User | None = None) -> str:
        if not isinstance(email, str) or not _EMAIL.match(email):
            raise AuthError(errors.INVALID_EMAIL)
        email = canonical_email(email)
        other = self.store.by_email(email)
        if other is not None and other is not exclude and not self.config.allow_duplicate_emails:
            raise AuthError(errors.EMAIL_EXISTS)
        return email

    @staticmethod
    def _checked_password(password: object) -> str:
        if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
            raise AuthError(errors.WEAK_PASSWORD,
                            f"Password should be at least {PASSWORD_MIN_LENGTH} characters")
        return password

    def _set_password(self, user: User, password: str) -> None:
        user.salt = new_salt()
        user.password_hash = hash_password(password, user.salt)
        now = time.time()
        user.password_updated_at_ms = int(now * 1000)
        user.valid_since, user.tokens_valid_after = int(now), now

    def sign_up(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """accounts:signUp; the admin (firebase-admin create_user) may set more fields and
        gets no tokens."""
        now_ms = int(time.time() * 1000)
        email, password = body.get("email"), body.get("password")
        provider: str | None = None
        if caller.admin:
            if body.get("localId") is not None:
                uid = body["localId"]
                if not isinstance(uid, str) or not 0 < len(uid) <= 128:
                    raise AuthError(errors.INVALID_JSON, "localId must be a string of 1 to "
                                    "128 characters")
                if uid in self.store.users:
                    raise AuthError(errors.DUPLICATE_LOCAL_ID)
        else:
            if body.get("localId") is not None:
                raise AuthError(errors.UNEXPECTED_PARAMETER, "User ID")
            if body.get("idToken") or password or email:
                if not email:
                    raise AuthError(errors.MISSING_EMAIL)
                if not password:
                    raise AuthError(errors.MISSING_PASSWORD)
                provider = PROVIDER_PASSWORD
            else:
                provider = PROVIDER_ANONYMOUS
        existing = self._user_of(body["idToken"], caller) if body.get("idToken") else None
        user = existing or User(body.get("localId") or self.store.new_uid(), now_ms, now_ms)
        if email or (email == "" and provider):
            user.email = self._checked_email(email, exclude=existing)
        if password:
            self._set_password(user, self._checked_password(password))
        if body.get("displayName") is not None:
            user.display_name = str(body["displayName"])
        if caller.admin:
            if body.get("photoUrl") is not None:
                user.photo_url = str(body["photoUrl"])
            user.email_verified = bool(body.get("emailVerified", False))
            user.disabled = bool(body.get("disabled", False))
        user.last_login_at_ms = now_ms
        self.store.add(user)
        answer: dict[str, Any] = {"kind": "identitytoolkit#SignupNewUserResponse",
                                  "localId": user.uid}
        if user.email is not None:
            answer["email"] = user.email
        if user.display_name is not None:
            answer["displayName"] = user.display_name
        if provider is not None:
            answer.update(self.issue_tokens(user, provider))
        return answer

    def sign_in_with_password(self, body: dict[str, Any]) -> dict[str, Any]:
        email, password = body.get("email"), body.get("password")
        if email is None:
            raise AuthError(errors.MISSING_EMAIL)
        if not isinstance(email, str) or not _EMAIL.match(email):
            raise AuthError(errors.INVALID_EMAIL)
        if not password:
            raise AuthError(errors.MISSING_PASSWORD)
        email = canonical_email(email)
        user = self.store.by_email(email)
        private = self.config.enable_improved_email_privacy
        if user is None:
            raise AuthError(errors.INVALID_LOGIN_CREDENTIALS if private else
                            errors.EMAIL_NOT_FOUND)
        if user.disabled:
            raise AuthError(errors.USER_DISABLED)
        if user.password_hash is None or user.salt is None or \
                user.password_hash != hash_password(str(password), user.salt):
            raise AuthError(errors.INVALID_LOGIN_CREDENTIALS if private else
                            errors.INVALID_PASSWORD)
        user.last_login_at_ms = int(time.time() * 1000)
        answer = {"kind": "identitytoolkit#VerifyPasswordResponse", "registered": True,
                  "localId": user.uid, "email": email,
                  "displayName": user.display_name or ""}
        answer.update(self.issue_tokens(user, PROVIDER_PASSWORD))
        return answer

    # ---- out-of-band codes --------------------------------------------------------------
    def _oob(self, email: str, request_type: str, mode: str, base_url: str,
             continue_url: object = None) -> OobRecord:
        code = secrets.token_urlsafe(40)
        query = {"mode": mode, "lang": "en", "oobCode": code, "apiKey": "fake-api-key"}
        if isinstance(continue_url, str) and continue_url:
            query["continueUrl"] = continue_url
        record = OobRecord(email, request_type, code,
                           f"{base_url}/emulator/action?{urlencode(query)}")
        self.oobs[code] = record
        return record

    def send_oob_code(self, body: dict[str, Any], caller: Caller,
                      base_url: str) -> dict[str, Any]:
        request_type = body.get("requestType")
        if not request_type or request_type == "OOB_REQ_TYPE_UNSPECIFIED":
            raise AuthError(errors.MISSING_REQ_TYPE)
        if body.get("returnOobLink") and not caller.admin:
            raise AuthError(errors.INSUFFICIENT_PERMISSION)
        if request_type == "PASSWORD_RESET":
            if not body.get("email"):
                raise AuthError(errors.MISSING_EMAIL)
            email = canonical_email(str(body["email"]))
            user = self.store.by_email(email)
            if user is None and self.config.enable_improved_email_privacy:
                return {"kind": "identitytoolkit#GetOobConfirmationCodeResponse",
                        "email": email}
            if user is None:
                raise AuthError(errors.EMAIL_NOT_FOUND)
            mode = "resetPassword"
        elif request_type == "VERIFY_EMAIL":
            if body.get("returnOobLink") and not body.get("idToken"):
                if not body.get("email"):
                    raise AuthError(errors.MISSING_EMAIL)
                email = canonical_email(str(body["email"]))
                if self.store.by_email(email) is None:
                    raise AuthError(errors.USER_NOT_FOUND)
            else:
                user = self._user_of(body.get("idToken"), caller)
                if user.email is None:
                    raise AuthError(errors.MISSING_EMAIL)
                email = user.email
            mode = "verifyEmail"
        else:
            raise AuthError(errors.OPERATION_NOT_ALLOWED,
                            f"{request_type} is not supported by this emulator")
        record = self._oob(email, request_type, mode, base_url, body.get("continueUrl"))
        answer = {"kind": "identitytoolkit#GetOobConfirmationCodeResponse", "email": email}
        if body.get("returnOobLink"):
            answer.update(oobCode=record.oob_code, oobLink=record.oob_link)
        else:
            # Instead of a mail: the line the official emulator logs.
            if request_type == "PASSWORD_RESET":
                log.info("To reset the password for %s, follow this link: "
                         "%s&newPassword=NEW_PASSWORD_HERE", email, record.oob_link)
            else:
                log.info("To verify the email address %s, follow this link: %s",
                         email, record.oob_link)
        return answer

    def reset_password(self, body: dict[str, Any]) -> dict[str, Any]:
        code = body.get("oobCode")
        if not code:
            raise AuthError(errors.MISSING_OOB_CODE)
        record = self.oobs.get(code) if isinstance(code, str) else None
        if record is None:
            raise AuthError(errors.INVALID_OOB_CODE)
        new_password = body.get("newPassword")
        if new_password:
            if record.request_type != "PASSWORD_RESET":
                raise AuthError(errors.INVALID_OOB_CODE)
            password = self._checked_password(new_password)
            del self.oobs[code]
            user = self.store.by_email(record.email)
            if user is None:
                raise AuthError(errors.INVALID_OOB_CODE)
            self._set_password(user, password)
            user.email_verified = True
            self.store.save()
        return {"kind": "identitytoolkit#ResetPasswordResponse",
                "requestType": record.request_type, "email": record.email}

    def apply_oob_code(self, code: object) -> User:
        """accounts:update with an oobCode: a VERIFY_EMAIL code verifies its address."""
        if not isinstance(code, str):
            raise AuthError(errors.INVALID_OOB_CODE)
        record = self.oobs.get(code)
        if record is None or record.request_type != "VERIFY_EMAIL":
            raise AuthError(errors.INVALID_OOB_CODE)
        del self.oobs[code]
        user = self.store.by_email(record.email)
        if user is None:
            raise AuthError(errors.INVALID_OOB_CODE)
        user.email_verified = True
        self.store.save()
        return user

    # ---- update, lookup, list, import -----------------------------------------------------
    def update(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """accounts:update: what the user may change with its ID token, what the admin may
        change with localId (firebase-admin update_user), and oobCode."""
        if body.get("oobCode"):
            user = self.apply_oob_code(body["oobCode"])
            return {"kind": "identitytoolkit#SetAccountInfoResponse", "localId": user.uid,
                    "email": user.email, "emailVerified": True}
        if "idToken" in body:
            user = self._user_of(body["idToken"], caller)
        else:
            user = self.store.users.get(self.service.target_uids(body, caller)[0])
            if user is None:
                raise AuthError(errors.USER_NOT_FOUND)
        admin_fields = {"validSince", "disableUser", "customAttributes", "emailVerified",
                        "phoneNumber", "createdAt", "lastLoginAt"} & body.keys()
        if admin_fields and not caller.admin:
            raise AuthError("PERMISSION_DENIED", "Only an admin may change these fields.", 403,
                            "PERMISSION_DENIED")
        provider: str | None = None
        changed_email = False
        if body.get("email"):
            email = self._checked_email(body["email"], exclude=user)
            if email != user.email:
                user.email, user.email_verified, changed_email = email, False, True
        if body.get("password"):
            self._set_password(user, self._checked_password(body["password"]))
            provider = PROVIDER_PASSWORD
        for key, attr in (("displayName", "display_name"), ("photoUrl", "photo_url")):
            if body.get(key) is not None:
                setattr(user, attr, str(body[key]))
        if caller.admin and body.get("emailVerified") is not None:
            user.email_verified = bool(body["emailVerified"])
        for attribute in body.get("deleteAttribute") or []:
            if attribute == "DISPLAY_NAME":
                user.display_name = None
            elif attribute == "PHOTO_URL":
                user.photo_url = None
            elif attribute == "PASSWORD":
                user.password_hash = user.salt = None
            elif attribute == "EMAIL":
                user.email, user.email_verified = None, False
        if PROVIDER_PASSWORD in (body.get("deleteProvider") or []):
            user.email = user.password_hash = user.salt = None
            user.email_verified = False
        if changed_email:
            now = time.time()
            user.valid_since, user.tokens_valid_after = int(now), now
        kept = {k: body[k] for k in ("validSince", "disableUser", "customAttributes")
                if k in body}
        if kept:
            self.store.update(user.uid, kept)
        self.store.save()
        answer: dict[str, Any] = {"kind": "identitytoolkit#SetAccountInfoResponse",
                                  "localId": user.uid, "emailVerified": user.email_verified,
                                  "providerUserInfo": user.to_google()["providerUserInfo"]}
        for key, value in (("email", user.email), ("displayName", user.display_name),
                           ("photoUrl", user.photo_url)):
            if value is not None:
                answer[key] = value
        if provider is not None or (changed_email and "idToken" in body):
            answer.update(self.issue_tokens(user, provider or PROVIDER_PASSWORD))
        return answer

    def lookup(self, body: dict[str, Any], caller: Caller) -> dict[str, Any] | None:
        """The admin's lookup by email (firebase-admin get_user_by_email); None: not such a
        lookup (the service's idToken / localId lookup answers)."""
        if "idToken" in body or not (body.get("email") or body.get("phoneNumber")):
            return None
        if not caller.admin:
            raise AuthError("PERMISSION_DENIED", "Looking up accounts by email needs admin "
                            "credentials.", 403, "PERMISSION_DENIED")
        found: dict[str, User] = {}
        for uid in body.get("localId") or []:
            if uid in self.store.users:
                found[uid] = self.store.users[uid]
        for email in body.get("email") or []:
            user = self.store.by_email(canonical_email(str(email)))
            if user is not None:
                found[user.uid] = user
        answer: dict[str, Any] = {"kind": "identitytoolkit#GetAccountInfoResponse"}
        if found:
            answer["users"] = [u.to_google() for u in found.values()]
        return answer

    def batch_get(self, max_results: str | None, page_token: str | None) -> dict[str, Any]:
        """firebase-admin list_users: by localId, `maxResults` (default 20, at most 1000;
        -1: all, as the emulator's export asks) after `nextPageToken` (the last localId)."""
        try:
            limit = int(max_results) if max_results else 20
        except ValueError:
            raise AuthError(errors.INVALID_JSON, "maxResults must be a number") from None
        limit = min(limit, 1000) if limit != -1 else -1
        users = sorted(self.store.users.values(), key=lambda u: u.uid)
        if page_token:
            users = [u for u in users if u.uid > page_token]
        answer: dict[str, Any] = {"kind": "identitytoolkit#DownloadAccountResponse"}
        if limit >= 0 and len(users) >= limit:
            users = users[:limit]
            if users:
                answer["nextPageToken"] = users[-1].uid
        answer["users"] = [u.to_google() for u in users]
        return answer

    def batch_create(self, body: dict[str, Any]) -> dict[str, Any]:
        """accounts:batchCreate (the admin): the users of an export's accounts.json."""
        users = body.get("users")
        if not users:
            raise AuthError(errors.MISSING_USER_ACCOUNT)
        if not isinstance(users, list):
            raise AuthError(errors.INVALID_JSON, "users must be a list")
        failed = []
        for index, doc in enumerate(users):
            try:
                self.store.users[doc["localId"]] = user_from_google(doc)
            except (KeyError, TypeError, ValueError) as exc:
                failed.append({"index": index, "message": f"{errors.INVALID_JSON} : {exc}"})
        self.store.save()
        answer: dict[str, Any] = {"kind": "identitytoolkit#UploadAccountResponse"}
        if failed:
            answer["error"] = failed
        return answer

    # ---- the link a mail would carry ----------------------------------------------------
    def action(self, mode: str | None, code: str | None, new_password: str | None) -> str:
        if mode == "verifyEmail":
            user = self.apply_oob_code(code)
            return f"The email address {user.email} is verified."
        if mode == "resetPassword":
            if not new_password:
                record = self.oobs.get(code or "")
                if record is None:
                    raise AuthError(errors.INVALID_OOB_CODE)
                return (f"To reset the password for {record.email}, add "
                        "&newPassword=NEW_PASSWORD to this link.")
            result = self.reset_password({"oobCode": code, "newPassword": new_password})
            return f"The password for {result['email']} is reset."
        raise AuthError(errors.INVALID_JSON, f"Unsupported mode {mode!r}")


def user_from_google(doc: dict[str, Any]) -> User:
    """An account in Google's download/upload shape (accounts:batchGet, accounts.json)."""
    uid = doc["localId"]
    if not isinstance(uid, str) or not uid:
        raise ValueError("localId must be a non-empty string")
    now_ms = int(time.time() * 1000)
    attrs = doc.get("customAttributes")
    user = User(
        uid=uid,
        created_at_ms=int(doc.get("createdAt") or now_ms),
        last_login_at_ms=int(doc.get("lastLoginAt") or doc.get("createdAt") or now_ms),
        valid_since=int(doc.get("validSince") or 0),
        disabled=bool(doc.get("disabled", False)),
        custom_attributes=json.loads(attrs) if isinstance(attrs, str) and attrs else {},
        email=canonical_email(doc["email"]) if doc.get("email") else None,
        email_verified=bool(doc.get("emailVerified", False)),
        display_name=doc.get("displayName"),
        photo_url=doc.get("photoUrl"),
        password_hash=doc.get("passwordHash"),
        salt=doc.get("salt"),
        password_updated_at_ms=doc.get("passwordUpdatedAt"),
    )
    if not isinstance(user.custom_attributes, dict):
        raise ValueError("customAttributes must be a JSON object")
    return user
