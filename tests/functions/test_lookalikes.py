"""One account per mailbox, however it is typed (issue 12, item 9), over real HTTP."""

from __future__ import annotations

import hashlib
import uuid

import bcrypt
import pytest
import requests

from .stack import admin_get, exchange_custom_token


def _post(stack, route, **kwargs):
    return requests.post(f"{stack.api_url}{route}", timeout=60, **kwargs)


def _key(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()


def _tag() -> str:
    """Digits: they belong to no script, so they mix with any."""
    return str(uuid.uuid4().int)[:8]


def test_a_fullwidth_letter_is_the_same_account(stack):
    tag = _tag()
    plain, fullwidth = f"alice{tag}@example.com", f"alice{tag}@ｅxample.com"
    first = _post(stack, "/register", json={"email": plain, "password": "alice's password"})
    assert first.status_code == 200, first.text
    second = _post(stack, "/register", json={"email": fullwidth, "password": "mallory's pass"})
    assert second.status_code == 409, second.text
    signed_in = _post(stack, "/login", json={"email": fullwidth, "password": "alice's password"})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user_id"] == first.json()["user_id"]
    # the key of a plain-ASCII address is what it always was: sha256 of trim + lowercase
    assert admin_get(stack, f"emails/{_key(plain)}") == first.json()["user_id"]


def test_an_international_domain_is_keyed_by_its_ascii_form(stack):
    tag = _tag()
    unicode, ascii_form = f"bob{tag}@bücher.de", f"bob{tag}@xn--bcher-kva.de"
    made = _post(stack, "/register", json={"email": unicode, "password": "bob's password"})
    assert made.status_code == 200, made.text
    uid = made.json()["user_id"]
    assert admin_get(stack, f"emails/{_key(ascii_form)}") == uid
    assert admin_get(stack, f"users/{uid}/email") == unicode  # shown as typed
    for twin in (ascii_form, f"BOB{tag}@BÜCHER.DE", f"bob{tag}@bu\u0308cher.de"):
        again = _post(stack, "/register", json={"email": twin, "password": "another pass"})
        assert again.status_code == 409, (twin, again.text)
    signed_in = _post(stack, "/login", json={"email": ascii_form, "password": "bob's password"})
    assert signed_in.status_code == 200 and signed_in.json()["user_id"] == uid


@pytest.mark.parametrize(
    "local,domain,fragment",
    [
        ("p\u0430ypal", "example.com", "Cyrillic and Latin"),  # Cyrillic а in a Latin name
        ("alice", "\u0435xample.com", "Cyrillic and Latin"),  # Cyrillic е in the domain
        ("alice", "xn--xample-2of.com", "Cyrillic and Latin"),  # the same, sent as punycode
        ("\u0430\u0440\u0440\u04cf\u0435", "example.com", "Cyrillic and Latin"),  # all-Cyrillic
        ("ali\u03bfe", "example.com", "Greek and Latin"),  # Greek omicron
        ("\u1d00lice", "example.com", "pass for others"),  # Latin small capital A
        ("ali\u200bce", "example.com", "invisible"),  # zero-width space
        ("ali\u00adce", "example.com", "invisible"),  # soft hyphen
    ],
)
def test_addresses_that_imitate_another_are_refused(stack, local, domain, fragment):
    reply = _post(stack, "/register",
                  json={"email": f"{local}{_tag()}@{domain}", "password": "long enough"})
    assert reply.status_code == 400, reply.text
    assert fragment in reply.json()["detail"]


@pytest.mark.parametrize("local,domain", [
    ("иван", "пример.рф"),  # one script: Cyrillic, also in the domain
    ("太郎", "例え.jp"),  # Han with Hiragana, which UTS #39 allows together
    ("ılgın", "example.com"),  # Turkish dotless i is a letter of its own
    ("оксана", "mail.ru"),  # Cyrillic, not made only of Latin look-alikes
])
def test_single_script_addresses_are_welcome(stack, local, domain):
    email = f"{local}{_tag()}@{domain}"
    reply = _post(stack, "/register", json={"email": email, "password": "long enough"})
    assert reply.status_code == 200, reply.text
    assert _post(stack, "/login", json={"email": email,
                                        "password": "long enough"}).status_code == 200


def _store_old_account(stack, key_of: str, shown: str, password: str) -> str:
    """An account as the code before canonical keys wrote it (emails/{sha256(trim+lower)})."""
    uid = f"legacy{_tag()}"
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=10)).decode()
    body = {
        f"credentials/{uid}": {"passwordHash": hashed, "email": shown, "createdAt": 1},
        f"emails/{_key(key_of)}": uid,
        f"users/{uid}": {"email": shown, "displayName": shown.split("@")[0], "createdAt": 1},
    }
    reply = requests.patch(f"{stack.database_url}/.json", params={"ns": stack.ns}, json=body,
                           headers={"Authorization": "Bearer owner"}, timeout=30)
    reply.raise_for_status()
    return uid


def test_accounts_keyed_the_old_way_still_sign_in_and_move_to_their_canonical_key(stack):
    tag = _tag()
    old = f"carol{tag}@bücher.de"  # keyed by trim + lowercase of the Unicode form
    uid = _store_old_account(stack, old, old, "carol's password")
    # nobody can register the same mailbox under its new key meanwhile
    taken = _post(stack, "/register",
                  json={"email": f"carol{tag}@xn--bcher-kva.de", "password": "mallory's"})
    assert taken.status_code == 409, taken.text
    signed_in = _post(stack, "/login", json={"email": f"Carol{tag}@Bücher.de",
                                             "password": "carol's password"})
    assert signed_in.status_code == 200, signed_in.text
    assert signed_in.json()["user_id"] == uid
    assert exchange_custom_token(stack, signed_in.json()["custom_token"])
    assert admin_get(stack, f"emails/{_key(f'carol{tag}@xn--bcher-kva.de')}") == uid
    assert admin_get(stack, f"emails/{_key(old)}") == uid  # the old key keeps refusing twins


def test_plain_ascii_accounts_keyed_the_old_way_are_untouched(stack):
    email = f"dave{_tag()}@example.com"
    uid = _store_old_account(stack, email, email, "dave's password")
    signed_in = _post(stack, "/login", json={"email": f"  {email.upper()} ",
                                             "password": "dave's password"})
    assert signed_in.status_code == 200 and signed_in.json()["user_id"] == uid
    assert set(admin_get(stack, "emails") or {}) >= {_key(email)}
