"""Registration and sign-in: bcrypt hashes under credentials/, one account per email.

Registration order matters for crash safety: the hash is stored under a fresh uid first (an
orphan there is harmless and unreachable), then a transaction claims emails/{key} (the single
point that decides who owns an address, even under concurrent registrations), then the public
profile is written. Sign-in repairs a missing profile, so a crash between the last two steps
never leaves a broken account.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from typing import Any

from . import backend, emails, keys, passwords, settings, throttle
from .errors import EMAIL_TAKEN, REGISTERED, WRONG_CREDENTIALS, ApiError

log = logging.getLogger(__name__)


class _Taken(Exception):
    pass


@dataclass(frozen=True)
class Session:
    user_id: str
    custom_token: str


def _custom_token(uid: str) -> str:
    from firebase_admin import auth

    token = auth.create_custom_token(uid, app=backend.app())
    return token.decode("ascii") if isinstance(token, bytes) else str(token)


def _profile(email: str, created_at: Any) -> dict[str, Any]:
    return {"email": email, "displayName": email.split("@", 1)[0], "createdAt": created_at}


def register(email: str, password: str, address: str) -> tuple[str, Session]:
    """email is already canonical (emails.canonical) and validated, password already meets
    the policy."""
    throttle.take_slot(throttle.REGISTRATION, keys.address_key(address))
    uid = keys.new_uid()
    claimed = backend.ref(f"{settings.EMAILS}/{emails.key(email)}")
    # The common duplicate costs no hash; the claim below decides races. An account keyed the
    # old way under this mailbox's Unicode form is this mailbox too.
    legacy = [backend.ref(f"{settings.EMAILS}/{old}") for old in emails.legacy_keys(email, email)]
    if claimed.get() is not None or any(ref.get() is not None for ref in legacy):
        raise ApiError(409, EMAIL_TAKEN)
    shown = emails.unicode_domain(email)  # what people read; the key is the ASCII form's
    credentials = backend.ref(f"{settings.CREDENTIALS}/{uid}")
    credentials.set(
        {
            "passwordHash": passwords.hash_password(password),
            "email": shown,
            "createdAt": settings.SERVER_TIMESTAMP,
        }
    )

    def claim(current: Any) -> str:
        if current is not None:
            raise _Taken()
        return uid

    try:
        claimed.transaction(claim)
    except _Taken:
        credentials.delete()
        raise ApiError(409, EMAIL_TAKEN) from None
    backend.ref(f"{settings.USERS}/{uid}").set(_profile(shown, settings.SERVER_TIMESTAMP))
    return REGISTERED, Session(uid, _custom_token(uid))


def client_address(remote_addr: str | None, forwarded_for: str | None) -> str:
    """The caller's address, the key of the per-address limits.

    A trusted front end appends the address it saw to X-Forwarded-For, so only the last
    `FORWARDED_HOPS` entries can be believed (anything before them is the client's own say).
    With FORWARDED_HOPS=0 the header is believed only from a loopback peer: the bundled
    functions host, which replaces it with the real peer (its last entry); a client talking
    to the function directly is its socket address, whatever it sends.
    """
    hops = settings.FORWARDED_HOPS or (1 if _is_loopback(remote_addr) else 0)
    if hops and forwarded_for:
        entries = [item.strip() for item in forwarded_for.split(",") if item.strip()]
        if entries:
            return entries[-min(hops, len(entries))]
    return remote_addr or "unknown"


def _is_loopback(address: str | None) -> bool:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:127.0.0.1 from a dual-stack socket
    return (mapped or ip).is_loopback


def login(email: str, password: str, address: str) -> Session:
    """Same work and the same answer whether or not the email exists."""
    mailbox = emails.lenient(email)
    key = emails.key(mailbox)
    addr_key = keys.address_key(address)
    # The address first: a client its own limit refuses must not use up the slots (and so
    # lock out the owner) of the accounts it tries.
    address_slot = throttle.take_slot(throttle.ADDRESS, addr_key)
    email_slot = throttle.take_slot(throttle.EMAIL, key)

    uid = _uid_at(key)
    # Accounts keyed before canonical forms (a non-ASCII address): read them whatever the
    # first read found, so the requests depend on what was typed, not on who exists.
    legacy = [_uid_at(old) for old in emails.legacy_keys(email, mailbox)]
    moved = uid is None and any(legacy)
    uid = uid or next((found for found in legacy if found), None)
    # Read a credentials node either way, so both paths make the same requests.
    record = backend.ref(f"{settings.CREDENTIALS}/{uid or '-'}").get()
    stored = record.get("passwordHash") if uid and isinstance(record, dict) else None
    if not passwords.check_password(password, stored if isinstance(stored, str) else None):
        raise ApiError(401, WRONG_CREDENTIALS)
    assert uid is not None and isinstance(stored, str)

    throttle.give_back(throttle.EMAIL, email_slot)
    throttle.give_back(throttle.ADDRESS, address_slot)
    if moved:
        _claim_canonical_key(key, uid)
    _repair_profile(uid, record)
    if passwords.needs_rehash(stored):
        backend.ref(f"{settings.CREDENTIALS}/{uid}/passwordHash").set(
            passwords.hash_password(password)
        )
    return Session(uid, _custom_token(uid))


def _uid_at(key: str) -> str | None:
    uid = backend.ref(f"{settings.EMAILS}/{key}").get()
    return uid if isinstance(uid, str) and keys.is_valid_key(uid) else None


def _claim_canonical_key(key: str, uid: str) -> None:
    """An account found under its old key also takes its canonical one (if still free), so
    that no look-alike registration can take it later. The old key stays: it keeps refusing
    the old spelling too."""

    def claim(current: Any) -> Any:
        return uid if current is None else current

    backend.ref(f"{settings.EMAILS}/{key}").transaction(claim)


def _repair_profile(uid: str, record: dict[str, Any]) -> None:
    profile = backend.ref(f"{settings.USERS}/{uid}")
    if profile.child("email").get() is None:
        email = record.get("email")
        if not isinstance(email, str):
            email = ""
        log.warning("user %s had no public profile; recreating it", uid)
        profile.set(_profile(email, record.get("createdAt") or settings.SERVER_TIMESTAMP))
