"""A stream the rules refuse from its first attempt is not a connection problem: the hub
counts it out at once (it had kept the "Connecting…" banner up until another stream changed
state)."""

from __future__ import annotations

from messenger_desktop.firebase.streams import StreamHub

from tests.unit.conftest import run, signed_in, until


def test_a_stream_refused_from_the_start_does_not_hold_the_banner(firebase) -> None:
    firebase.database.refused.add("secret")

    async def body():
        session = await signed_in(firebase)
        hub = StreamHub(firebase.config.database_url, session.id_token,
                        transport=firebase.database.streams)
        states: list[bool] = []
        hub.connection_changed.connect(states.append)
        ok = hub.listen("open", lambda *_: None)
        await until(lambda: ok.connected, what="the readable stream")
        refused = hub.listen("secret/x", lambda *_: None)  # opened last, refused at once
        await until(lambda: refused.denied, what="refused")
        connected = hub.connected
        await hub.aclose()
        return states, connected

    states, connected = run(body())
    assert connected and states[-1] is True
