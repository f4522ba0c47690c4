"""Registration and sign-in: validation, one account per email under concurrency, throttling."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from .stack import admin_get, exchange_custom_token


def _post(stack, route, **kwargs):
    return requests.post(f"{stack.api_url}{route}", timeout=60, **kwargs)


def test_twenty_simultaneous_registrations_make_one_account(stack):
    email = "race@example.com"
    with ThreadPoolExecutor(max_workers=20) as pool:
        replies = list(pool.map(
            lambda i: _post(stack, "/register", json={"email": email, "password": f"password-{i}"}),
            range(20),
        ))
    statuses = sorted(reply.status_code for reply in replies)
    unexpected = [r.text for r in replies if r.status_code not in (200, 409)]
    assert statuses == [200] + [409] * 19, unexpected
    winner = next(reply.json() for reply in replies if reply.status_code == 200)
    key = hashlib.sha256(email.encode()).hexdigest()
    assert admin_get(stack, f"emails/{key}") == winner["user_id"]
    credentials = admin_get(stack, "credentials") or {}
    assert [uid for uid, c in credentials.items() if c.get("email") == email] == [winner["user_id"]]
    profiles = admin_get(stack, "users") or {}
    assert [uid for uid, u in profiles.items() if u.get("email") == email] == [winner["user_id"]]


@pytest.mark.parametrize(
    "body,fragment",
    [
        ({"email": "not-an-email", "password": "long enough"}, "valid email"),
        ({"email": "a@example.com", "password": "short"}, "at least 8"),
        ({"email": "a@example.com", "password": "        "}, "only of spaces"),
        ({"email": "a@example.com", "password": "é" * 37}, "at most 72 bytes"),
        ({"email": "a@example.com"}, "password"),
        ({"password": "long enough"}, "email"),
        ({"email": 5, "password": "long enough"}, "email"),
    ],
)
def test_registration_validates(stack, body, fragment):
    reply = _post(stack, "/register", json=body)
    assert reply.status_code == 400, reply.text
    assert fragment in reply.json()["detail"]


def test_policy_sentences_come_alone_so_the_client_can_translate_them(stack):
    short = _post(stack, "/register", json={"email": "a@example.com", "password": "short"})
    assert short.json() == {"detail": "The password must be at least 8 characters long."}
    both = _post(stack, "/register", json={"email": "nope", "password": "short"})
    assert both.json() == {"detail": "Enter a valid email address. "
                                     "The password must be at least 8 characters long."}


def test_password_of_exactly_72_bytes_works_and_longer_never_matches(stack):
    password = "p" * 72
    assert _post(stack, "/register", json={"email": "seventy2@example.com",
                                           "password": password}).status_code == 200
    assert _post(stack, "/login", json={"email": "seventy2@example.com",
                                        "password": password}).status_code == 200
    longer = _post(stack, "/login", json={"email": "seventy2@example.com",
                                          "password": password + "extra"})
    assert longer.status_code == 401


def test_login_says_the_same_for_unknown_email_and_wrong_password(stack, new_user):
    user = new_user("login")
    wrong = _post(stack, "/login", json={"email": user.email, "password": "not the password"})
    unknown = _post(stack, "/login", json={"email": "nobody@example.com", "password": "whatever1"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Wrong email or password."}
    ok = _post(stack, "/login", json={"email": user.email.upper(), "password": user.password})
    assert ok.status_code == 200
    assert exchange_custom_token(stack, ok.json()["custom_token"])


def test_repeated_failures_are_throttled_per_email(stack, new_user):
    user = new_user("throttled")
    for _ in range(5):
        reply = _post(stack, "/login", json={"email": user.email, "password": "wrong-password"})
        assert reply.status_code == 401
    locked = _post(stack, "/login", json={"email": user.email, "password": "wrong-password"})
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Too many" in locked.json()["detail"]
    # even the right password waits: a guesser cannot tell the lock from a wrong guess
    right = _post(stack, "/login", json={"email": user.email, "password": user.password})
    assert right.status_code == 429
    # the lock is in the database (shared by all instances), not in this process
    key = hashlib.sha256(user.email.encode()).hexdigest()
    record = admin_get(stack, f"loginThrottle/email/{key}")
    assert record["failures"] >= 6 and record["lockedUntil"] > 0
    # other accounts are not affected
    other = new_user("unaffected")
    assert _post(stack, "/login", json={"email": other.email,
                                        "password": other.password}).status_code == 200


def test_success_resets_the_email_counter(stack, new_user):
    user = new_user("reset")
    for _ in range(4):
        assert _post(stack, "/login", json={"email": user.email,
                                            "password": "nope-nope"}).status_code == 401
    assert _post(stack, "/login", json={"email": user.email,
                                        "password": user.password}).status_code == 200
    for _ in range(5):
        assert _post(stack, "/login", json={"email": user.email,
                                            "password": "nope-nope"}).status_code == 401


def test_registrations_are_throttled_per_address(monkeypatch):
    from .stack import running_stack

    with running_stack(env={"REGISTER_MAX_PER_ADDRESS": "3"}) as small:
        if small.in_process:  # settings were read when this process imported them
            from messenger_functions import throttle

            monkeypatch.setattr(throttle, "REGISTRATION", throttle.Limit("register", 3))
        for i in range(3):
            reply = _post(small, "/register", json={"email": f"many-{i}@example.com",
                                                    "password": "long enough"})
            assert reply.status_code == 200, reply.text
        refused = _post(small, "/register", json={"email": "many-4@example.com",
                                                  "password": "long enough"})
        assert refused.status_code == 429, refused.text
        assert int(refused.headers["Retry-After"]) >= 1
        assert "Too many new accounts" in refused.json()["detail"]
        assert admin_get(small, "credentials") and len(admin_get(small, "credentials")) == 3
