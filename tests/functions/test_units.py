"""Pure pieces of the functions: throttle arithmetic, ids, client address, OpenAPI shape."""

from __future__ import annotations

import pytest

from . import stack  # noqa: F401 - puts functions/ on sys.path


def test_throttle_counts_locks_and_lets_one_try_through_after_a_wait(monkeypatch):
    from messenger_functions import settings, throttle

    limit = throttle.Limit("email", 3)
    record, now = None, 1_000_000
    for expected in (1, 2, 3):
        record, refused, probe = throttle._take(limit, record, now)
        assert record["failures"] == expected and refused == probe == 0
    record, refused, probe = throttle._take(limit, record, now)
    assert refused == now + settings.THROTTLE_LOCK_MS and probe == 0  # announced, refused
    with pytest.raises(throttle._Locked):
        throttle._take(limit, record, now + 1)
    later = refused + 1
    record, refused, probe = throttle._take(limit, record, later)
    # after the wait one try goes ahead; it locks the others for twice as long meanwhile
    assert refused == 0 and probe == later + 2 * settings.THROTTLE_LOCK_MS
    assert record["lockedUntil"] == probe
    # the doubling stops at the cap (a long window, so that the locks all fall in it)
    monkeypatch.setattr(settings, "THROTTLE_WINDOW_MS", 10**12)
    for _ in range(30):
        start = record["lockedUntil"]
        record, refused, probe = throttle._take(limit, record, start)
        assert refused == 0 and 0 < probe - start <= settings.THROTTLE_LOCK_MAX_MS
    assert probe - start == settings.THROTTLE_LOCK_MAX_MS
    assert throttle.lock_ms(31) == settings.THROTTLE_LOCK_MAX_MS
    # a quiet window starts afresh
    monkeypatch.undo()
    quiet = record["lockedUntil"] + settings.THROTTLE_WINDOW_MS + 10**7
    record, refused, probe = throttle._take(limit, record, quiet)
    assert record["failures"] == 1 and refused == probe == 0 and record["level"] == 0
    # registration has no password to prove: past the limit, a try after the wait waits again
    signups = throttle.Limit("register", 1, one_try_after_wait=False)
    record, refused, probe = throttle._take(signups, None, now)
    record, refused, probe = throttle._take(signups, record, now)
    assert refused == now + settings.THROTTLE_LOCK_MS
    record, refused, probe = throttle._take(signups, record, refused)
    assert refused and probe == 0
    # garbage in the database is not a crash
    record, refused, probe = throttle._take(limit, {"failures": "x", "lockedUntil": None}, now)
    assert record["failures"] == 1


def test_chat_ids():
    from messenger_functions import keys

    assert keys.chat_id("b", "a") == "a_b"
    assert keys.chat_members("a_b") == ("a", "b")
    for bad in ("b_a", "a_a", "a_b_c", "ab", "_a", "a_", "a.b_c"):
        assert keys.chat_members(bad) is None, bad
    uid = keys.new_uid()
    assert len(uid) == 28 and "_" not in uid and uid.isalnum()
    assert keys.is_valid_key("ok-key") and not keys.is_valid_key("a/b")
    assert not keys.is_valid_key("x" * 769) and not keys.is_valid_key("")


def test_client_address(monkeypatch):
    from messenger_functions import accounts, settings

    # a peer that is not on this machine is its own address, whatever it claims
    assert accounts.client_address("10.0.0.1", "1.2.3.4") == "10.0.0.1"
    # a loopback peer is the suite's functions host: the last entry is the one it wrote
    assert accounts.client_address("127.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4"
    assert accounts.client_address("::1", "1.2.3.4") == "1.2.3.4"
    assert accounts.client_address("::ffff:127.0.0.1", "1.2.3.4") == "1.2.3.4"
    assert accounts.client_address("127.0.0.1", None) == "127.0.0.1"
    assert accounts.client_address("not an address", "1.2.3.4") == "not an address"
    monkeypatch.setattr(settings, "FORWARDED_HOPS", 1)
    assert accounts.client_address("10.0.0.1", "6.6.6.6, 1.2.3.4") == "1.2.3.4"
    assert accounts.client_address("10.0.0.1", " , ") == "10.0.0.1"


def test_on_cloud_run_the_front_ends_entry_is_the_client_by_default(monkeypatch):
    import importlib

    from messenger_functions import settings

    try:
        monkeypatch.delenv("FORWARDED_HOPS", raising=False)
        monkeypatch.setenv("K_SERVICE", "api")  # set by Cloud Functions (2nd gen) / Cloud Run
        assert importlib.reload(settings).FORWARDED_HOPS == 1
        monkeypatch.setenv("FORWARDED_HOPS", "0")
        assert importlib.reload(settings).FORWARDED_HOPS == 0
        monkeypatch.delenv("K_SERVICE")
        monkeypatch.delenv("FORWARDED_HOPS")
        assert importlib.reload(settings).FORWARDED_HOPS == 0
    finally:
        monkeypatch.undo()
        importlib.reload(settings)


def test_openapi_lists_every_route_with_its_statuses():
    from messenger_functions import openapi
    from messenger_functions.routes import ROUTES

    document = openapi.document(ROUTES)
    operations = {(path, method) for path, item in document["paths"].items() for method in item}
    assert {(r.path.replace("<", "{").replace(">", "}"), r.method.lower())
            for r in ROUTES} <= operations
    login = document["paths"]["/login"]["post"]
    assert set(login["responses"]) == {"200", "400", "401", "413", "429"}
    assert login["security"] == []
    users = document["paths"]["/users"]["get"]
    assert users["security"] == [{"bearerAuth": []}] and "401" in users["responses"]
    limit = next(p for p in document["paths"]["/get_messages"]["get"]["parameters"]
                 if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 500 and not limit["required"]


def test_unexpected_errors_become_a_logged_500_without_a_traceback(caplog):
    import flask
    from messenger_functions.http import Api, Route
    from messenger_functions.models import StatusOk

    def boom(call):
        raise RuntimeError("secret internals")

    api = Api([Route("GET", "/boom", boom, "explodes", StatusOk, auth=False)], {})
    app = flask.Flask(__name__)
    with app.test_request_context("/boom", method="GET"):
        response = api(flask.request)
    assert response.status_code == 500
    assert response.get_json() == {"detail": "Internal error"}
    assert "secret internals" not in response.get_data(as_text=True)
    assert "secret internals" in caplog.text  # but the log has it, for the operator
