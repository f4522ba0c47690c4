"""The worker builds each CloudEvent without the SDK's generic `from_http` (event_decode.py):
for every kind of event the host sends, the result must be what `from_http` gives."""

from __future__ import annotations

import json

import pytest
from cloudevents.http import from_http
from messenger_emulators.functions_host import event_decode
from messenger_emulators.functions_host.manifest import DatabaseTrigger, parse_ref
from messenger_emulators.functions_host.storage_events import build_storage_event
from messenger_emulators.functions_host.triggers import build_event

WRITTEN = "google.firebase.database.ref.v1.written"
TIME = "2026-01-01T00:00:00.000000Z"


def _database_event(before, after, event_type=WRITTEN):
    trigger = DatabaseTrigger(event_type, "/messages/{c}/{m}", "*",
                              parse_ref("/messages/{c}/{m}"))
    return build_event(trigger, "demo-ns", ("messages", "c1", "m-ü"), before, after,
                       1_765_000_000_123, "127.0.0.1:9000")


EVENTS = [
    _database_event(None, {"sender": "a", "text": "héllo \u2028 \"q\"", "ts": 1}),
    _database_event({"text": "v1", "draft": True}, {"text": "v2"}),
    _database_event({"text": "v1"}, None, "google.firebase.database.ref.v1.deleted"),
    _database_event(None, 7),
    _database_event(None, [1, None, {"a": 1.5}]),
    build_storage_event("google.cloud.storage.object.v1.finalized",
                        {"bucket": "b", "name": "a/b.jpg", "size": "3", "metadata": {}}),
]


@pytest.mark.parametrize("event", EVENTS, ids=range(len(EVENTS)))
def test_the_fast_event_is_what_from_http_gives(event):
    # the headers as the worker gets them: through the channel's encoding, not the dict
    headers = json.loads(event.headers_json or json.dumps(event.headers))
    fast = event_decode.cloud_event(headers, event.body)
    slow = from_http(headers, event.body)
    assert fast == slow
    assert fast.get_attributes() == slow.get_attributes() and fast.data == slow.data
    assert type(fast) is type(slow)


@pytest.mark.parametrize("headers, body", [
    ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "s", "ce-type": "t",
      "ce-time": TIME, "content-type": "text/plain"}, b"plain text"),
    ({"ce-specversion": "1.0", "ce-id": "1", "ce-source": "s", "ce-type": "t",
      "ce-time": TIME, "content-type": "application/json", "x-other": "1"}, b'{"a": 1}'),
    ({"content-type": "application/cloudevents+json"},
     b'{"specversion": "1.0", "id": "1", "source": "s", "type": "t", "time": "' +
     TIME.encode() + b'", "data": {"a": 1}}'),
])
def test_other_shapes_go_through_from_http(headers, body):
    assert event_decode.cloud_event(headers, body) == from_http(headers, body)
