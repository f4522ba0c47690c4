"""Secure mode as a LAN peer sees it: the suite listens on 10.200.0.1 inside a network
namespace of ours, the attacker connects from 10.200.0.2 in another (a veth pair between
them; no traffic leaves these namespaces).

The admin credential (`owner`, `auth_variable_override`) and unsigned tokens are refused
from the LAN peer whatever headers claim (X-Forwarded-For, Forwarded, X-Real-IP, Host), and
the refusal reveals nothing about the data (the same sweep as test_database_sweep.py). From
this machine the admin still works, also through the LAN address (the functions worker of a
suite bound to a LAN address), and signed tokens work from the LAN.

Skipped, with the reason, where network namespaces cannot be made (not root, no `ip`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.database.tokens import unsigned_token

from .db_support import (
    PROJECT,
    RULES_PATH,
    Client,
    InProcessSuite,
    ThreadedService,
    as_admin,
    enter_netns,
    netns_pair,
    netns_unavailable,
)
from .db_sweep import Caller, Target, run_sweep

OWNER_AS_ALICE = {"auth": "owner", "auth_variable_override": json.dumps({"uid": "alice"})}
LOOPBACK_CLAIMS = {"X-Forwarded-For": "127.0.0.1", "Forwarded": "for=127.0.0.1",
                   "X-Real-IP": "127.0.0.1", "Host": "localhost"}


def lan_callers(target: Target | None) -> list[Caller]:
    """(None: only the names, for test ids.)"""
    mallory = target.suite.token("mallory") if target is not None else "-"
    return [
        Caller("LAN, ?auth=owner", {"auth": "owner"}),
        Caller("LAN, Bearer owner", headers={"Authorization": "Bearer owner"}),
        Caller("LAN, access_token=owner", {"access_token": "owner"}),
        Caller("LAN, auth_variable_override", OWNER_AS_ALICE),
        Caller("LAN, owner claiming loopback", {"auth": "owner"}, LOOPBACK_CLAIMS),
        Caller("LAN, unsigned token", {"auth": unsigned_token("alice")}),
        Caller("LAN, nobody", expect="denied", anonymous_paths=True),
        Caller("LAN, another user (signed)", {"auth": mallory}, expect="denied"),
    ]


CALLER_NAMES = [c.name for c in lan_callers(None)]


@dataclass
class Lan:
    target: Target
    on_server: ThreadPoolExecutor     # a thread inside the server's namespace (this machine)
    on_lan: ThreadPoolExecutor        # a thread inside the LAN peer's namespace
    server_ip: str
    port: int


@pytest.fixture(scope="module")
def lan(tmp_path_factory) -> Iterator[Lan]:
    reason = netns_unavailable()
    if reason:
        pytest.skip(f"no LAN peer to test with: {reason}")
    with netns_pair() as pair:
        suite = InProcessSuite(tmp_path_factory.mktemp("lan"), secure=False,
                               host=pair.server_ip, netns=pair.server)
        assert suite.options.secure, "a non-loopback host must force secure mode"
        suite.start()
        on_server = ThreadPoolExecutor(1, initializer=enter_netns, initargs=(pair.server,))
        on_lan = ThreadPoolExecutor(1, initializer=enter_netns, initargs=(pair.client,))
        try:
            # seeded as the admin from this machine: through the LAN address itself
            target = on_server.submit(Target, suite, True, pair.server_ip).result(60)
            yield Lan(target, on_server, on_lan, pair.server_ip, suite.db_port)
            on_server.submit(target.client.close).result(10)
        finally:
            on_server.shutdown()
            on_lan.shutdown()
            suite.stop()


def _on_lan(lan: Lan, fn):
    def run():
        client = Client(lan.server_ip, lan.port)
        try:
            return fn(client)
        finally:
            client.close()
    return lan.on_lan.submit(run).result(120)


def test_the_peer_really_is_on_the_lan(lan):
    """The sweep below means something only if the server sees 10.200.0.2."""
    def peer(client: Client) -> str:
        import socket
        with socket.create_connection((lan.server_ip, lan.port), timeout=5) as sock:
            return sock.getsockname()[0]
    assert _on_lan(lan, peer) == "10.200.0.2"


def test_admin_works_from_this_machine_through_the_lan_address(lan):
    def read():
        client = Client(lan.server_ip, lan.port)
        try:
            return as_admin(client, "GET", "/credentials/alice.json", params={"ns": PROJECT})
        finally:
            client.close()
    answer = lan.on_server.submit(read).result(30)
    assert answer.status == 200 and json.loads(answer.body)["hash"].endswith("alicehash")


def test_signed_tokens_work_from_the_lan(lan):
    alice = lan.target.suite.token("alice")
    answer = _on_lan(lan, lambda c: c.request("GET", "/userChats/alice.json",
                                              {"ns": PROJECT, "auth": alice}))
    assert answer.status == 200 and "alice_bob" in json.loads(answer.body), answer.short()


def test_rules_endpoint_refuses_the_lan_admin(lan):
    answer = _on_lan(lan, lambda c: c.request("GET", "/.settings/rules.json",
                                              {"ns": PROJECT, "auth": "owner"}))
    assert answer.status == 401 and "rules" not in answer.body.decode()


@pytest.mark.parametrize("name", CALLER_NAMES)
def test_lan_callers_learn_nothing(lan, name):
    caller = {c.name: c for c in lan_callers(lan.target)}[name]
    result = _on_lan(lan, lambda client: run_sweep(client, lan.target, caller))
    assert not result.failures, result.report()
    assert result.requests > 500


def test_the_database_alone_beyond_loopback_is_secure(lan):
    """`python -m messenger_emulators.database --host ADDR` (no suite, so no SuiteOptions to
    force secure mode): listening beyond loopback must still refuse the LAN admin and
    unchecked tokens."""
    from messenger_emulators.database.component import DatabaseEmulator

    alone = DatabaseEmulator(project_id=PROJECT, host=lan.server_ip, port=0,
                             rules_text=RULES_PATH.read_text())
    service = ThreadedService(alone, lan.target.suite.netns).start()
    try:
        def attack(client: Client):
            client.port = alone.port
            return [client.request("GET", "/.json", {"ns": PROJECT, **who})
                    for who in ({"auth": "owner"}, {"auth": unsigned_token("alice")})]
        for answer in _on_lan(lan, attack):
            assert answer.status == 401, answer.short()
    finally:
        service.stop()
