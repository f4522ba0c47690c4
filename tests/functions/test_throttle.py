"""Sign-in throttling over real HTTP: per client address, per email, and the lockout's timing.

Short windows come from the environment the functions read at start (LOGIN_LOCK_MS=1000, so
a lock lasts a second, the cap two), through the suite's functions host: the same path a
client takes. Distinct clients are distinct loopback source addresses (clients.py).
"""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from .clients import post_from
from .stack import admin_get, register, running_stack

LIMITS = {
    "LOGIN_LOCK_MS": "1000",
    "LOGIN_LOCK_MAX_MS": "2000",
    "LOGIN_MAX_FAILURES_PER_ADDRESS": "3",
}
_addresses = (f"127.1.{high}.{low}" for high, low in itertools.product(range(256), range(1, 255)))


def fresh_address() -> str:
    """A client address no other test used: a stranger with many addresses."""
    return next(_addresses)


@pytest.fixture(scope="module")
def hosted():
    with running_stack(with_functions_host=True, env=LIMITS) as running:
        yield running


def login(stack, email, password, source=None, headers=None):
    return post_from(source or fresh_address(), f"{stack.api_url}/login",
                     {"email": email, "password": password}, headers)


def unknown() -> str:
    return f"nobody-{uuid.uuid4().hex[:10]}@example.com"


def wait_out(reply) -> None:
    """Sleep for the wait the 429 announced (Retry-After is whole seconds, rounded up)."""
    assert reply.status_code == 429, reply.text
    time.sleep(int(reply.headers["retry-after"]))


# --- per client address (issue 12, item 5) --------------------------------------------------
def test_two_client_addresses_do_not_lock_each_other_out(hosted):
    alice = register(hosted, f"alice-{uuid.uuid4().hex[:6]}@example.com")
    stranger, owner = "127.0.0.2", "127.0.0.3"
    for _ in range(3):
        assert login(hosted, unknown(), "guess-guess", stranger).status_code == 401
    refused = login(hosted, unknown(), "guess-guess", stranger)
    assert refused.status_code == 429, refused.text
    assert "Too many" in refused.json()["detail"]
    # Behind the functions host every request reaches the function from 127.0.0.1; the
    # stranger's lock must not be everyone's.
    ok = login(hosted, alice.email, alice.password, owner)
    assert ok.status_code == 200, ok.text


def test_a_client_cannot_escape_its_limit_with_its_own_forwarded_for(hosted):
    me = "127.0.0.4"
    spoofs = [
        [("X-Forwarded-For", "10.9.9.1")],
        [("x-forwarded-for", "10.9.9.2")],  # another spelling, which a proxy may keep apart
        [("X-Forwarded-For", "10.9.9.3"), ("X-Forwarded-For", "10.9.9.4")],
    ]
    for headers in spoofs:
        assert login(hosted, unknown(), "guess-guess", me, headers).status_code == 401
    refused = login(hosted, unknown(), "guess-guess", me, [("X-Forwarded-For", "10.9.9.5")])
    assert refused.status_code == 429, refused.text
    # and the spoofed addresses were never charged: they are someone else's
    fresh = login(hosted, unknown(), "guess-guess", "127.0.0.5", [("X-Forwarded-For", me)])
    assert fresh.status_code == 401, fresh.text


def test_a_client_its_own_limit_refuses_does_not_use_up_an_accounts_tries(hosted):
    owner = register(hosted, f"victim-{uuid.uuid4().hex[:6]}@example.com")
    attacker = "127.0.0.6"
    for _ in range(3):
        assert login(hosted, unknown(), "guess-guess", attacker).status_code == 401
    for _ in range(10):  # refused by its address's limit, before the account's is touched
        assert login(hosted, owner.email, "guess-guess", attacker).status_code == 429
    email_key = hashlib.sha256(owner.email.encode()).hexdigest()
    assert admin_get(hosted, f"loginThrottle/email/{email_key}") is None
    for _ in range(4):
        assert login(hosted, owner.email, "my own typo").status_code == 401
    assert login(hosted, owner.email, owner.password).status_code == 200


def test_the_function_keys_on_the_last_forwarded_entry_from_its_proxy(monkeypatch):
    """The function alone, on functions-framework: a loopback peer is the trusted proxy
    (the suite's host), and only the entry it appended counts."""
    from messenger_functions import settings, throttle

    monkeypatch.setattr(throttle, "ADDRESS", throttle.Limit("addr", 3))
    monkeypatch.setattr(settings, "THROTTLE_LOCK_MS", 1000)
    with running_stack(with_functions_host=False) as direct:
        attacker = "10.0.0.66"
        for claimed in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
            header = [("X-Forwarded-For", f"{claimed}, {attacker}")]
            assert login(direct, unknown(), "guess-guess", "127.0.0.1", header).status_code == 401
        refused = login(direct, unknown(), "guess-guess", "127.0.0.1",
                        [("X-Forwarded-For", f"4.4.4.4, {attacker}")])
        assert refused.status_code == 429, refused.text
        other = login(direct, unknown(), "guess-guess", "127.0.0.1",
                      [("X-Forwarded-For", f"{attacker}, 10.0.0.67")])
        assert other.status_code == 401, other.text


# --- the lockout (issue 12, item 10) ---------------------------------------------------------
def test_the_right_password_after_the_announced_wait_signs_in(hosted):
    user = register(hosted, f"owner-{uuid.uuid4().hex[:6]}@example.com")
    for _ in range(5):
        assert login(hosted, user.email, "wrong-password").status_code == 401
    announced = login(hosted, user.email, user.password)
    assert announced.status_code == 429 and announced.headers["retry-after"] == "1"
    wait_out(announced)
    signed_in = login(hosted, user.email, user.password)
    assert signed_in.status_code == 200, signed_in.text
    # and the owner starts afresh: five more mistakes are plain mistakes
    for _ in range(5):
        assert login(hosted, user.email, "wrong-password").status_code == 401


def test_tries_during_a_lock_do_not_extend_it_and_the_backoff_is_capped(hosted):
    user = register(hosted, f"capped-{uuid.uuid4().hex[:6]}@example.com")
    for _ in range(5):
        assert login(hosted, user.email, "wrong-password").status_code == 401
    first = login(hosted, user.email, "wrong-password")
    assert first.headers.get("retry-after") == "1", first.text
    wait_out(first)
    # the one try after the wait is a wrong guess: the next lock doubles (2 s)...
    assert login(hosted, user.email, "wrong-password").status_code == 401
    began = time.monotonic()
    waits = []
    for _ in range(8):  # ...and hammering it changes nothing
        reply = login(hosted, user.email, user.password)
        assert reply.status_code == 429, reply.text
        waits.append(int(reply.headers["retry-after"]))
    assert waits[0] == 2 and waits == sorted(waits, reverse=True), waits
    time.sleep(max(0.0, 2.05 - (time.monotonic() - began)))
    # another wrong try: the lock would double to 4 s, the cap keeps it at 2 s
    assert login(hosted, user.email, "wrong-password").status_code == 401
    capped = login(hosted, user.email, user.password)
    assert capped.headers.get("retry-after") == "2", capped.text
    wait_out(capped)
    assert login(hosted, user.email, user.password).status_code == 200


def test_parallel_guesses_after_a_wait_get_one_try_between_them(hosted):
    user = register(hosted, f"burst-{uuid.uuid4().hex[:6]}@example.com")
    for _ in range(5):
        assert login(hosted, user.email, "wrong-password").status_code == 401
    wait_out(login(hosted, user.email, "wrong-password"))
    addresses = [fresh_address() for _ in range(8)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(
            lambda source: login(hosted, user.email, "wrong-password", source), addresses))
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [401] + [429] * 7, [r.text for r in replies]
