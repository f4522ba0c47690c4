"""The event channel (channel.py): triggers reach the worker without HTTP, same CloudEvent."""

from __future__ import annotations

import asyncio

import pytest
import requests
from messenger_emulators.functions_host.channel import EventChannel
from messenger_emulators.functions_host.secret import SECRET_HEADER
from messenger_emulators.functions_host.triggers import build_event

from .conftest import patch, put, wait_for


def _event(host, spec_name: str, path: tuple[str, ...], before, after):
    spec = next(f for f in host.functions.manifest.functions if f.name == spec_name)
    return build_event(spec.database, host.db.namespace, path, before, after, 1_700_000_000_000,
                       f"127.0.0.1:{host.db.port}")


def test_trigger_events_go_through_the_channel(basic) -> None:
    put(basic, "messages/c1/m1", {"text": "hello", "sender": "alice"})
    basic.drain()
    assert basic.functions.channel.calls == 1
    (event,) = basic.records("written-messages")
    assert event["data"] == {"@type": event["data"]["@type"], "data": None,
                             "delta": {"text": "hello", "sender": "alice"}}


def test_the_function_gets_the_same_event_as_over_http(basic) -> None:
    """The same CloudEvent, once over the channel and once POSTed as before: same object."""
    event = _event(basic, "onmessagewritten", ("messages", "c9", "m9"), {"text": "a"},
                   {"text": "b", "sender": "x"})
    status = basic.run(basic.functions.channel.call(basic.functions.worker.events_port,
                                                    "onmessagewritten", event.headers,
                                                    event.body))
    assert status == 200
    reply = requests.post(f"{basic.functions.worker.base_url}/onmessagewritten/",
                          data=event.body, timeout=10,
                          headers={**event.headers, SECRET_HEADER: basic.functions.secret})
    assert reply.status_code == 200
    via_channel, via_http = basic.wait_records("written-messages", 2)
    assert via_channel["attributes"] == via_http["attributes"]
    assert via_channel["attributes"]["id"] == event.id
    assert via_channel["data"] == via_http["data"]


def test_events_ready_together_leave_in_one_write(basic) -> None:
    patch(basic, "", {f"messages/c1/m{i}": {"n": i} for i in range(40)})
    basic.drain()
    assert len(basic.records("written-messages")) == 40
    channel = basic.functions.channel
    assert channel.calls == 40
    assert channel.batches < channel.calls


def test_function_output_is_prefixed_with_its_name(basic) -> None:
    lines: list[str] = []
    basic.functions.worker.output = lines.append
    put(basic, "messages/c1/m1", {"text": "hello"})
    basic.drain()
    wait_for(lambda: "[onmessagewritten] recording messages/c1/m1" in lines, 10,
             "the function's prefixed output")


def test_unknown_function_and_not_a_cloudevent_are_refused(basic) -> None:
    channel, port = basic.functions.channel, basic.functions.worker.events_port
    event = _event(basic, "onmessagewritten", ("messages", "c1", "m1"), None, {"t": 1})
    assert basic.run(channel.call(port, "nosuchfunction", event.headers, event.body)) == 404
    assert basic.run(channel.call(port, "onmessagewritten", {"content-type": "text/plain"},
                                  b"hi")) == 400


def test_a_raising_function_answers_500_then_succeeds_on_retry(basic) -> None:
    """flaky raises on its first two deliveries of an event: 500, 500, then 200."""
    channel, port = basic.functions.channel, basic.functions.worker.events_port
    event = _event(basic, "flaky", ("flaky", "x"), None, 1)
    statuses = [basic.run(channel.call(port, "flaky", event.headers, event.body))
                for _ in range(3)]
    assert statuses == [500, 500, 200]
    (recorded,) = basic.wait_records("flaky", 1)
    assert recorded["attributes"]["id"] == event.id


def test_a_worker_crash_fails_the_calls_in_flight_and_the_next_worker_serves(basic) -> None:
    channel, worker = basic.functions.channel, basic.functions.worker
    first_port = worker.events_port
    crash = _event(basic, "crashy", ("crashy", "a"), None, {"v": 1})
    with pytest.raises(ConnectionError):
        basic.run(channel.call(first_port, "crashy", crash.headers, crash.body))
    wait_for(lambda: worker.starts == 2 and worker.events_port not in (None, first_port), 30,
             "a new worker")
    # the same event again (crashy only dies on the first delivery): the new worker answers
    assert basic.run(channel.call(worker.events_port, "crashy", crash.headers,
                                  crash.body)) == 200
    (recorded,) = basic.wait_records("crashy", 1)
    assert recorded["pid"] == worker.pid


def test_calls_to_a_closed_port_fail_like_a_refused_connection() -> None:
    async def attempt() -> None:
        channel = EventChannel()
        try:
            await channel.call(1, "f", {}, b"")
        finally:
            await channel.close()

    with pytest.raises(OSError):
        asyncio.run(attempt())
