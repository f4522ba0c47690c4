"""Property tests over real HTTP: any request gets a JSON answer and never a 500, and a
stream's events rebuild exactly the data a GET returns, whatever the writes were."""

from __future__ import annotations

import copy
import json
import queue

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .sse import SseReader

_segment = st.sampled_from(["a", "b", "c", "0", "1", "x y", "%24", "é", "a.b", "[", ""])
_param = st.sampled_from([
    {}, {"print": "pretty"}, {"print": "silent"}, {"shallow": "true"}, {"format": "export"},
    {"orderBy": '"$key"'}, {"orderBy": '"$value"'}, {"orderBy": "$key"}, {"limitToFirst": "2"},
    {"orderBy": '"$key"', "startAt": "1"}, {"orderBy": '"$priority"', "endAt": '"b"'},
    {"timeout": "5s"}, {"timeout": "9h"}, {"writeSizeLimit": "tiny"}, {"auth": "x.y.z"},
    {"callback": "cb"}, {"download": "f.json"}, {"auth_variable_override": "{}"}, {"zz": "1"},
])
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False,
                                                              allow_infinity=False)
    | st.text(max_size=4),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(
        st.sampled_from(["a", "b", "0", "2", ".sv", ".priority", ".value", "a/b", "$x", ""]),
        kids, max_size=3),
    max_leaves=8)
_body = st.one_of(_json.map(lambda v: json.dumps(v).encode()),
                  st.binary(max_size=20),
                  st.sampled_from([b'{"a": {".sv": "timestamp"}}',
                                   b'{".sv": {"increment": 2}}', b'{"a/b": 1, "a": 2}']))


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(method=st.sampled_from(["GET", "PUT", "POST", "PATCH", "DELETE"]),
       segments=st.lists(_segment, max_size=3), params=_param, body=_body,
       etag=st.sampled_from([None, "null_etag", "abc"]))
def test_no_request_gets_a_500_or_a_non_json_answer(rest, method, segments, params, body,
                                                     etag):
    headers = {"if-match": etag} if etag else {}
    url = f"{rest.base}/{'/'.join(segments)}.json"
    r = rest.session.request(method, url, params={"ns": rest.ns, **params}, data=body,
                             headers=headers, timeout=10)
    assert r.status_code < 500, r.text
    if r.status_code in (204, 304):
        return
    if params.get("callback") and r.status_code == 200:
        assert r.text.startswith("cb(")
        return
    answer = r.json()
    if r.status_code >= 400 and r.status_code != 412:
        assert isinstance(answer["error"], str) and answer["error"]


_write = st.tuples(
    st.sampled_from(["PUT", "PATCH", "DELETE", "POST"]),
    st.lists(st.sampled_from(["a", "b", "c"]), max_size=3),
    st.one_of(st.integers(0, 3), st.text("xy", max_size=2),
              st.dictionaries(st.sampled_from(["a", "b", "c/d"]),
                              st.none() | st.integers(0, 3) | st.just({"z": 1}), max_size=3)))


def _apply(model: dict, path: list[str], data) -> dict:
    """Apply a `put` at `path` to a plain JSON model (what an SSE client does)."""
    root = {"": model}
    node, key = root, ""
    for part in path:
        child = node.get(key)
        if not isinstance(child, dict):
            child = {}
            node[key] = child
        node, key = child, part
    if data is None:
        node.pop(key, None)
    else:
        node[key] = copy.deepcopy(data)
    return _prune(root.get(""))


def _prune(value):
    if isinstance(value, dict):
        out = {k: _prune(v) for k, v in value.items()}
        out = {k: v for k, v in out.items() if v is not None}
        return out or None
    return value


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(_write, min_size=1, max_size=12),
       listen=st.sampled_from([[], ["a"], ["a", "b"]]))
def test_stream_events_rebuild_what_get_returns(rest, writes, listen):
    rest.delete("")
    stream = SseReader(rest.url("/".join(listen)), params={"ns": rest.ns})
    try:
        event, first = stream.next()
        assert event == "put" and first["path"] == "/"
        model = first["data"]
        for method, path, value in writes:
            body = value
            if method == "PATCH" and not isinstance(value, dict):
                body = {"k": value}
            elif method != "PATCH" and isinstance(value, dict):
                body = {k.replace("/", "_"): v for k, v in value.items()}   # PATCH-only keys
            r = rest.request(method, "/".join(path), json=body)
            assert r.status_code == 200, r.text
        expected = rest.get("/".join(listen)).json()
        while True:     # every write was acknowledged: its events come within moments
            try:
                event, data = stream.next(timeout=0.2)
            except queue.Empty:
                break
            if event == "put":
                model = _apply(model, [p for p in data["path"].split("/") if p], data["data"])
            elif event == "patch":
                base = [p for p in data["path"].split("/") if p]
                for key, child in data["data"].items():
                    model = _apply(model, base + key.split("/"), child)
            else:
                raise AssertionError(f"unexpected {event} event: {data!r}")
        assert model == expected
    finally:
        stream.close()


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(writes=st.lists(st.tuples(st.sampled_from(["PUT", "DELETE", "PATCH"]),
                                 st.sampled_from(["a", "b", "c", "d", "e"]),
                                 st.integers(0, 4)), min_size=1, max_size=12),
       query=st.sampled_from([{"orderBy": '"$key"', "limitToLast": "2"},
                              {"orderBy": '"$value"', "limitToFirst": "3"},
                              {"orderBy": '"$value"', "startAt": "2", "endAt": "3"}]))
def test_query_stream_events_rebuild_the_query_result(rest, writes, query):
    rest.set_rules({"rules": {".read": True, ".write": True, "q": {".indexOn": ".value"}}})
    rest.delete("q")
    stream = SseReader(rest.url("q"), params={"ns": rest.ns, **query})
    try:
        event, first = stream.next()
        model = first["data"]
        for method, key, value in writes:
            if method == "PATCH":
                r = rest.patch("q", {key: value or None})
            else:
                r = rest.request(method, f"q/{key}", json=value)
            assert r.status_code == 200, r.text
        expected = rest.get("q", params=query).json()
        while True:
            try:
                event, data = stream.next(timeout=0.2)
            except queue.Empty:
                break
            base = [p for p in data["path"].split("/") if p]
            if event == "put":
                model = _apply(model, base, data["data"])
            else:
                for key, child in data["data"].items():
                    model = _apply(model, base + [key], child)
        assert (model or {}) == (expected or {})
    finally:
        stream.close()
