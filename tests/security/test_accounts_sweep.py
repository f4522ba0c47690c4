"""An attacker against accounts (issue 12, items 9 and 10), through the suite's functions host.

- Look-alikes: every single-character substitution of a victim's address by a character that
  looks like it (other scripts, compatibility forms NFKC folds, Latin imitations, invisible
  characters, in the local part and in the domain, also as punycode). None may become a second
  account: each is either the victim's own account (409 on registration, and the victim's
  password signs in with it) or refused with a 400 that says why.
- The lockout as a clock: hammering one account from many addresses for a few seconds gets
  only the allowed guesses checked, and the owner still signs in after the announced wait.
"""

from __future__ import annotations

import itertools
import time
import unicodedata
import uuid
from concurrent.futures import ThreadPoolExecutor

import idna
import pytest
import requests

from tests.functions.clients import post_from
from tests.functions.stack import register, running_stack

# Characters that look like a Latin letter: other scripts, Latin imitations, and compatibility
# forms. The sweep puts each in place of the letter it imitates.
CONFUSABLES = {
    "a": "\u0430\u03b1\u0251\u1d00\uff41\U0001d41a\u24d0",  # Cyrillic, Greek, Latin alpha,
    "c": "\u0441\u03f2\u1d04\uff43\U0001d41c",  # small capital, fullwidth, math bold, circled
    "e": "\u0435\u04bd\u1d07\uff45\U0001d41e\u24d4",
    "i": "\u0456\u03b9\u0269\u026a\uff49\u2170",
    "l": "\u04cf\u217c\u029f\uff4c\U0001d425",
    "m": "\u217f\uff4d",
    "o": "\u043e\u03bf\u0585\u1d0f\uff4f\U0001d428\u2092",
    "p": "\u0440\u03c1\u1d18\uff50",
    "x": "\u0445\u03c7\uff58\u2179",
}
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u00ad", "\u2060", "\ufeff"]
PASSWORD = "the victim's password"


def lookalikes(address: str):
    """(description, look-alike) for every substitution and insertion the sweep tries."""
    for index, char in enumerate(address):
        for fake in CONFUSABLES.get(char, ""):
            name = unicodedata.name(fake, hex(ord(fake)))
            yield f"{char}@{index} -> {name}", address[:index] + fake + address[index + 1:]
    at = address.index("@")
    for fake in INVISIBLE:
        yield f"{unicodedata.name(fake, hex(ord(fake)))} in the local part", \
            address[:2] + fake + address[2:]
        yield f"{unicodedata.name(fake, hex(ord(fake)))} in the domain", \
            address[:at + 3] + fake + address[at + 3:]
    # the domain's look-alikes once more, sent as the punycode a mail client would show
    local, domain = address.split("@")
    for index, char in enumerate(domain):
        for fake in CONFUSABLES.get(char, "")[:2]:
            try:
                encoded = idna.encode(domain[:index] + fake + domain[index + 1:], uts46=False)
            except idna.IDNAError:
                continue  # not a domain at all (IDNA itself refuses it)
            yield f"punycode {char}@{index} -> {unicodedata.name(fake)}", \
                f"{local}@{encoded.decode()}"


@pytest.fixture(scope="module")
def hosted():
    limits = {"LOGIN_LOCK_MS": "1000", "LOGIN_LOCK_MAX_MS": "2000"}
    with running_stack(with_functions_host=True, env=limits) as running:
        yield running


def test_no_lookalike_of_an_address_becomes_a_second_account(hosted):
    victim = register(hosted, "alice@example.com", PASSWORD)
    tried = list(lookalikes(victim.email))
    assert len(tried) > 80, "the sweep is not sweeping"

    def attempt(case):
        what, email = case
        reply = requests.post(f"{hosted.api_url}/register",
                              json={"email": email, "password": "mallory's password"},
                              timeout=60)
        return what, email, reply

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(attempt, tried))
    made = [(what, email) for what, email, reply in outcomes if reply.status_code == 200]
    assert not made, f"look-alike accounts were created: {made}"
    odd = [(what, reply.status_code, reply.text) for what, _, reply in outcomes
           if reply.status_code not in (400, 409)]
    assert not odd, odd
    for what, _, reply in outcomes:
        if reply.status_code == 400:
            assert reply.json()["detail"], what  # refused with a sentence

    def sign_in(case):
        what, email, _ = case
        return what, requests.post(f"{hosted.api_url}/login",
                                   json={"email": email, "password": PASSWORD}, timeout=60)

    folded = [case for case in outcomes if case[2].status_code == 409]
    with ThreadPoolExecutor(max_workers=4) as pool:  # the same mailbox: the victim's account
        for what, signed_in in pool.map(sign_in, folded):
            assert signed_in.status_code == 200, (what, signed_in.text)
            assert signed_in.json()["user_id"] == victim.uid, what
    counts = {status: sum(1 for *_, r in outcomes if r.status_code == status)
              for status in (400, 409)}
    print(f"look-alike sweep: {len(outcomes)} tried, {counts[409]} folded into the victim's "
          f"account, {counts[400]} refused, 0 created")


def test_hammering_an_account_gets_few_guesses_and_the_owner_still_signs_in(hosted):
    owner = register(hosted, f"target-{uuid.uuid4().hex[:6]}@example.com", PASSWORD)
    sources = (f"127.2.{a}.{b}" for a, b in itertools.product(range(256), range(1, 255)))
    checked = refused = 0
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        while time.monotonic() - began < 4.0:
            batch = [next(sources) for _ in range(4)]
            for reply in pool.map(lambda s: post_from(s, f"{hosted.api_url}/login", {
                    "email": owner.email, "password": "a guess"}), batch):
                assert reply.status_code in (401, 429), reply.text
                checked += reply.status_code == 401
                refused += reply.status_code == 429
    # 5 before the first lock (1 s), then one try after each wait (2 s, capped): at most 2
    # more within 4 s, however many requests were sent
    assert refused > 20, "the attack did not hammer"
    assert 5 <= checked <= 7, (checked, refused)
    print(f"lockout: {checked + refused} guesses in 4 s, {checked} checked, {refused} refused")
    for _ in range(3):  # the owner: wait as told (a cap of 2 s), then sign in
        reply = post_from("127.0.0.9", f"{hosted.api_url}/login",
                          {"email": owner.email, "password": PASSWORD})
        if reply.status_code != 429:
            break
        assert int(reply.headers["retry-after"]) <= 2, reply.headers
        time.sleep(int(reply.headers["retry-after"]))
    assert reply.status_code == 200, reply.text
