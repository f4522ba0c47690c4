"""Accounts and refresh tokens, in memory, saved to a JSON file when a state folder is given.

A custom-token user is created at its first sign-in; email/password and anonymous users by
accounts:signUp (passwords.py). A refresh token is an opaque random string bound to a
uid and to the developer claims of the sign-in it came from; revoking (``validSince``), disabling
or deleting the user, or clearing the project, invalidates it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import errors

log = logging.getLogger("messenger_emulators.auth")

STATE_FILE = "accounts.json"


@dataclass
class User:
    uid: str
    created_at_ms: int
    last_login_at_ms: int
    valid_since: int = 0  # seconds; refresh tokens issued earlier are revoked
    disabled: bool = False
    custom_attributes: dict[str, Any] = field(default_factory=dict)
    # email/password and profile (passwords.py); the hash is the official emulator's
    # "fakeHash:salt=S:password=P", so accounts move both ways between the two emulators
    email: str | None = None
    email_verified: bool = False
    display_name: str | None = None
    photo_url: str | None = None
    password_hash: str | None = None
    salt: str | None = None
    password_updated_at_ms: int | None = None
    # when valid_since was set by a password change: the exact time, so that the tokens issued
    # right after it (same second) stay valid while every earlier one is revoked
    tokens_valid_after: float = 0.0

    def to_google(self, redact: bool = False) -> dict[str, Any]:
        """The account as accounts:lookup and accounts:batchGet return it. `redact`: as
        Google answers the account's own user (not the admin): no salt, the hash "REDACTED"."""
        info: dict[str, Any] = {
            "localId": self.uid,
            "createdAt": str(self.created_at_ms),
            "lastLoginAt": str(self.last_login_at_ms),
            "validSince": str(self.valid_since),
            "disabled": self.disabled,
            "emailVerified": self.email_verified,
            "providerUserInfo": [],
        }
        for key, value in (("email", self.email), ("displayName", self.display_name),
                           ("photoUrl", self.photo_url), ("passwordHash", self.password_hash),
                           ("salt", self.salt),
                           ("passwordUpdatedAt", self.password_updated_at_ms)):
            if value is not None:
                info[key] = value
        if redact and self.password_hash is not None:
            info["passwordHash"] = "UkVEQUNURUQ="  # base64 of REDACTED, Google's
            info.pop("salt", None)
        if self.password_hash is not None and self.email is not None:
            provider = {"providerId": "password", "email": self.email,
                        "federatedId": self.email, "rawId": self.email}
            if self.display_name is not None:
                provider["displayName"] = self.display_name
            if self.photo_url is not None:
                provider["photoUrl"] = self.photo_url
            info["providerUserInfo"] = [provider]
        if self.custom_attributes:
            info["customAttributes"] = json.dumps(self.custom_attributes)
        return info


@dataclass
class RefreshGrant:
    uid: str
    claims: dict[str, Any]
    issued_at: float
    auth_time: int
    provider: str = "custom"  # firebase.sign_in_provider of the tokens it refreshes to


class AccountStore:
    def __init__(self, state_dir: Path | None) -> None:
        self.users: dict[str, User] = {}
        self.refresh_tokens: dict[str, RefreshGrant] = {}
        self._path = state_dir / STATE_FILE if state_dir is not None else None
        self._load()

    # -- accounts -----------------------------------------------------------------------------
    def sign_in(self, uid: str) -> tuple[User, bool]:
        """The user (created if new) and whether it is new; refuses disabled users."""
        now_ms = int(time.time() * 1000)
        user = self.users.get(uid)
        is_new = user is None
        if user is None:
            user = self.users[uid] = User(uid, now_ms, now_ms)
        if user.disabled:
            raise errors.AuthError(errors.USER_DISABLED)
        user.last_login_at_ms = now_ms
        return user, is_new

    def issue_refresh_token(self, uid: str, claims: dict[str, Any], auth_time: int,
                            provider: str = "custom") -> str:
        token = secrets.token_urlsafe(48)
        self.refresh_tokens[token] = RefreshGrant(uid, dict(claims), time.time(), auth_time,
                                                  provider)
        self.save()
        return token

    def redeem(self, token: str) -> tuple[User, RefreshGrant]:
        """The user and grant behind a live refresh token, or AuthError(INVALID_REFRESH_TOKEN)."""
        grant = self.refresh_tokens.get(token)
        user = self.users.get(grant.uid) if grant else None
        if grant is None or user is None:
            raise errors.AuthError(errors.INVALID_REFRESH_TOKEN)
        # validSince has one-second resolution: a token issued in that very second is revoked
        # too, so a revocation can never miss a token issued just before it.
        revoked = user.valid_since and int(grant.issued_at) <= user.valid_since
        if revoked and int(user.tokens_valid_after) == user.valid_since:
            revoked = grant.issued_at < user.tokens_valid_after  # a password change: exact
        if revoked:
            raise errors.AuthError(errors.INVALID_REFRESH_TOKEN)
        if user.disabled:
            raise errors.AuthError(errors.USER_DISABLED)
        return user, grant

    def revoke(self, uid: str, valid_since: int | None = None) -> None:
        user = self.users.get(uid)
        if user is None:
            raise errors.AuthError(errors.USER_NOT_FOUND)
        user.valid_since = int(time.time()) if valid_since is None else valid_since
        self.save()

    def update(self, uid: str, body: dict[str, Any]) -> User:
        """accounts:update as firebase-admin uses it (validSince, disableUser, customAttributes)."""
        user = self.users.get(uid)
        if user is None:
            raise errors.AuthError(errors.USER_NOT_FOUND)
        if "validSince" in body:
            try:
                user.valid_since = int(body["validSince"])
            except (TypeError, ValueError):
                raise errors.AuthError(errors.INVALID_JSON, "validSince must be a number") from None
        if "disableUser" in body:
            user.disabled = bool(body["disableUser"])
        if "customAttributes" in body:
            try:
                attrs = json.loads(body["customAttributes"] or "{}")
            except (TypeError, ValueError):
                attrs = None
            if not isinstance(attrs, dict):
                raise errors.AuthError(errors.INVALID_JSON,
                                       "customAttributes must be a JSON object")
            user.custom_attributes = attrs
        self.save()
        return user

    def by_email(self, email: str) -> User | None:
        """The account with this (canonical, lower-case) email."""
        for user in self.users.values():
            if user.email == email:
                return user
        return None

    def new_uid(self) -> str:
        """A fresh localId, as the official emulator makes them (28 letters and digits)."""
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        while True:
            uid = "".join(secrets.choice(alphabet) for _ in range(28))
            if uid not in self.users:
                return uid

    def add(self, user: User) -> User:
        self.users[user.uid] = user
        self.save()
        return user

    def delete(self, uid: str) -> None:
        if self.users.pop(uid, None) is None:
            raise errors.AuthError(errors.USER_NOT_FOUND)
        self.refresh_tokens = {t: g for t, g in self.refresh_tokens.items() if g.uid != uid}
        self.save()

    def clear(self) -> None:
        self.users.clear()
        self.refresh_tokens.clear()
        self.save()

    # -- persistence --------------------------------------------------------------------------
    def save(self) -> None:
        if self._path is None:
            return
        doc = {"users": [asdict(u) for u in self.users.values()],
               "refreshTokens": {t: asdict(g) for t, g in self.refresh_tokens.items()}}
        self._path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self._path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(doc, f)
        os.replace(tmp, self._path)

    def _load(self) -> None:
        if self._path is None or not self._path.exists():
            return
        try:
            doc = json.loads(self._path.read_text())
            users = {u["uid"]: User(**u) for u in doc.get("users", [])}
            tokens = {t: RefreshGrant(**g) for t, g in doc.get("refreshTokens", {}).items()}
        except (OSError, ValueError, TypeError, KeyError) as e:
            # A damaged state file must not stop the suite, nor be overwritten by the next save:
            # move it aside for inspection and start empty.
            aside = self._path.with_suffix(".damaged")
            os.replace(self._path, aside)
            log.warning(errors.LOG_STATE_UNREADABLE.format(path=self._path, detail=e, aside=aside))
            return
        self.users, self.refresh_tokens = users, tokens
