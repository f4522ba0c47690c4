"""The app's one seam with pyrebase4: a transport on its session (public API only)."""

from __future__ import annotations

import pyrebase
import pytest
import requests
from messenger_desktop.firebase.pyrebase_app import app_transport, emulator_url, firebase_app

from tests.unit.fakes import FakeTransport


@pytest.mark.parametrize("url, expected", [
    ("https://www.googleapis.com/identitytoolkit/v3/relyingparty/verifyCustomToken?key=k",
     "http://127.0.0.1:9099/www.googleapis.com/identitytoolkit/v3/relyingparty/"
     "verifyCustomToken?key=k"),
    ("https://securetoken.googleapis.com/v1/token?key=k",
     "http://127.0.0.1:9099/securetoken.googleapis.com/v1/token?key=k"),
    ("https://identitytoolkit.googleapis.com/v1/accounts:lookup",
     "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:lookup"),
    ("http://127.0.0.1:9000/users/a.json?auth=x", "http://127.0.0.1:9000/users/a.json?auth=x"),
    ("https://demo.firebaseio.com/a.json", "https://demo.firebaseio.com/a.json"),
])
def test_emulator_url(url, expected) -> None:
    assert emulator_url(url, "127.0.0.1:9099") == expected


@pytest.mark.parametrize("host", ["http://127.0.0.1:9099", ""])
def test_bad_emulator_host_is_refused(host) -> None:
    with pytest.raises(ValueError):
        app_transport(host)


def test_sign_in_and_refresh_go_through_the_session() -> None:
    fake = FakeTransport()
    fake.on("POST", "/identitytoolkit/v3/relyingparty/verifyCustomToken",
            {"idToken": "id1", "refreshToken": "r1", "expiresIn": "3600"})
    fake.on("POST", "/v1/token",
            {"user_id": "u", "id_token": "id2", "refresh_token": "r2"})
    app = firebase_app("key", "http://db.invalid", transport=fake)
    assert app.auth().sign_in_with_custom_token("ct")["idToken"] == "id1"
    assert app.auth().refresh("r1") == {"userId": "u", "idToken": "id2", "refreshToken": "r2"}
    assert [r.json for r in fake.requests] == [
        {"returnSecureToken": True, "token": "ct"},
        {"grantType": "refresh_token", "refreshToken": "r1"},
    ]


def test_refusals_raise_pyrebase_errors_with_the_body() -> None:
    fake = FakeTransport()
    fake.on("POST", "/v1/token", {"error": {"message": "TOKEN_EXPIRED"}}, status=400)
    app = firebase_app("key", "http://db.invalid", transport=fake)
    with pytest.raises(requests.HTTPError) as err:
        app.auth().refresh("r")
    assert "TOKEN_EXPIRED" in err.value.args[1]


def test_the_seam_is_per_app_and_patches_nothing() -> None:
    config = {"apiKey": "k", "authDomain": "d", "databaseURL": "http://127.0.0.1:1",
              "storageBucket": ""}
    ours = firebase_app("k", "http://127.0.0.1:1", auth_emulator_host="127.0.0.1:9099")
    plain = pyrebase.initialize_app(config)
    assert type(plain.auth()) is pyrebase.pyrebase.Auth
    assert isinstance(ours.auth(), pyrebase.pyrebase.Auth)
    assert pyrebase.pyrebase.requests is requests  # the module is untouched
    assert ours.requests.get_adapter("https://securetoken.googleapis.com/v1/token") \
        is not plain.requests.get_adapter("https://securetoken.googleapis.com/v1/token")
