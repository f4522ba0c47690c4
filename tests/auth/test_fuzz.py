"""Whatever the body, every endpoint answers with a success or Google's error shape, never 5xx."""

from __future__ import annotations

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import running_auth

ENDPOINTS = [
    "/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken",
    "/www.googleapis.com/identitytoolkit/v3/relyingparty/verifyCustomToken",
    "/securetoken.googleapis.com/v1/token",
    "/identitytoolkit.googleapis.com/v1/accounts:lookup",
    "/identitytoolkit.googleapis.com/v1/accounts:update",
    "/identitytoolkit.googleapis.com/v1/accounts:delete",
    "/www.googleapis.com/identitytoolkit/v3/relyingparty/getAccountInfo",
]
FIELDS = ["token", "grant_type", "grantType", "refresh_token", "refreshToken", "idToken",
          "localId", "validSince", "disableUser", "customAttributes"]
json_value = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(),
              st.floats(allow_nan=False, allow_infinity=False),
              st.text(max_size=20), st.sampled_from(["refresh_token", "e30.e30.", "a.b.c"])),
    lambda kids: st.one_of(st.lists(kids, max_size=3),
                           st.dictionaries(st.text(max_size=5), kids, max_size=3)),
    max_leaves=6)
bodies = st.one_of(st.dictionaries(st.sampled_from(FIELDS), json_value, max_size=4), json_value)

EMULATOR = {}


def _url(path: str) -> str:
    if "emulator" not in EMULATOR:
        EMULATOR["cm"] = running_auth()
        EMULATOR["emulator"] = EMULATOR["cm"].__enter__()
    return EMULATOR["emulator"].url + path


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies, admin=st.booleans())
def test_no_body_makes_a_server_error(endpoint, body, admin) -> None:
    headers = {"Authorization": "Bearer owner"} if admin else {}
    r = requests.post(_url(endpoint), json=body, headers=headers, timeout=10)
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        error = r.json()["error"]
        assert error["code"] == r.status_code and error["message"] and error["status"]


def test_raw_garbage_and_huge_bodies() -> None:
    for data in (b"\xff\xfe\x00", b"[1,2", b"x" * (2 << 20)):
        r = requests.post(_url(ENDPOINTS[0]), data=data,
                          headers={"Content-Type": "application/json"}, timeout=10)
        assert 400 <= r.status_code < 500 and "error" in r.json()


def teardown_module() -> None:
    if "cm" in EMULATOR:
        EMULATOR["cm"].__exit__(None, None, None)
