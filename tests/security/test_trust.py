"""The shared trust rule (suite/trust.py): who may act as the admin or with an unsigned token."""

from __future__ import annotations

import pytest
from messenger_emulators.suite import trust
from multidict import CIMultiDict


@pytest.mark.parametrize("host, expected", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True),
    ("::ffff:127.0.0.1", True), ("10.200.0.2", False), ("192.168.1.5", False),
    ("::ffff:10.0.0.1", False), ("fe80::1%eth0", False), ("0.0.0.0", False),
    ("localhost", False), ("", False), (None, False), ("not an address", False),
])
def test_loopback_addresses(host, expected):
    assert trust.is_loopback_address(host) is expected


@pytest.mark.parametrize("peer, local, expected", [
    ("127.0.0.1", "127.0.0.1", True),
    ("127.0.0.1", None, True),
    ("10.200.0.1", "10.200.0.1", True),          # this machine to its own LAN address
    ("::ffff:10.200.0.1", "10.200.0.1", True),
    ("10.200.0.2", "10.200.0.1", False),         # a LAN peer
    ("10.200.0.2", None, False),
    (None, "10.200.0.1", False),
    ("0.0.0.0", "0.0.0.0", False),
    ("garbage", "garbage", False),
])
def test_local_peer(peer, local, expected):
    assert trust.is_local_peer(peer, local) is expected


def test_peer_host():
    assert trust.peer_host(("10.0.0.1", 5000)) == "10.0.0.1"
    assert trust.peer_host(("::1", 5000, 0, 0)) == "::1"
    assert trust.peer_host(None) is None
    assert trust.peer_host("/run/sock") is None


@pytest.mark.parametrize("headers, expected", [
    ({}, False),
    ({"Origin": "https://evil.example"}, True),
    ({"origin": "null"}, True),
    ({"Origin": ""}, True),
    ({"Sec-Fetch-Site": "cross-site"}, True),
    ({"Sec-Fetch-Site": "same-origin"}, True),    # DNS rebinding: same-origin, no Origin
    ({"Sec-Fetch-Site": "none"}, False),          # the user's own navigation
    ({"Referer": "https://evil.example/"}, False),
    ({"Host": "127.0.0.1:9000"}, False),
    ({"Host": "rebind.evil.example:9000"}, True),  # DNS rebinding in an older browser
])
def test_browser_requests(headers, expected):
    assert trust.is_browser_request(CIMultiDict(headers)) is expected


@pytest.mark.parametrize("secure, local_peer, browser, expected", [
    (False, True, False, True),     # Google's emulator behaviour on loopback
    (False, False, False, True),
    (False, True, True, False),     # a web page, any mode
    (True, True, True, False),
    (True, True, False, True),      # secure mode, this machine
    (True, False, False, False),    # secure mode, a LAN peer
])
def test_admin_rule(secure, local_peer, browser, expected):
    assert trust.may_act_as_admin(secure=secure, local_peer=local_peer,
                                  browser=browser) is expected


@pytest.mark.parametrize("secure, browser, expected", [
    (False, False, True), (False, True, False), (True, False, False), (True, True, False),
])
def test_unsigned_rule(secure, browser, expected):
    assert trust.may_use_unsigned_tokens(secure=secure, browser=browser) is expected


@pytest.mark.parametrize("host, own, expected", [
    (None, None, False), ("", None, False),
    ("127.0.0.1", None, False), ("127.0.0.1:9000", None, False), ("[::1]:9000", None, False),
    ("::1", None, False), ("10.200.0.1:9000", None, False),
    ("localhost:9000", None, False), ("LOCALHOST.", None, False),
    ("demo-messenger.localhost:9000", None, False),
    ("evil.example:9000", None, True), ("evil.example", None, True),
    ("localhost.evil.example:9000", None, True),
    ("mybox.lan:9000", "mybox.lan", False), ("mybox.lan:9000", None, True),
    ("other.lan:9000", "mybox.lan", True),
])
def test_foreign_hosts(host, own, expected):
    assert trust.is_foreign_host(host, own) is expected
