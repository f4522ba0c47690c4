"""Custom-token sign-in and refresh with real clients: firebase-admin mints, pyrebase4 signs in."""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests
from requests.exceptions import HTTPError

from .conftest import PROJECT, make_custom_token, pyrebase_app


def claims_of(id_token: str) -> dict:
    header, payload, signature = id_token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "none"
    assert signature == ""
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_firebase_admin_custom_token_is_unsigned(admin_app) -> None:
    token = make_custom_token(admin_app, "alice")
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "none"


def test_pyrebase_signs_in_and_gets_google_claims(auth_emulator, admin_app) -> None:
    token = make_custom_token(admin_app, "alice", {"role": "tester", "premium": True})
    user = pyrebase_app(f"127.0.0.1:{auth_emulator.port}").auth().sign_in_with_custom_token(token)
    assert user["kind"] == "identitytoolkit#VerifyCustomTokenResponse"
    assert user["isNewUser"] is True and user["expiresIn"] == "3600" and user["refreshToken"]
    claims = claims_of(user["idToken"])
    assert claims["iss"] == f"https://securetoken.google.com/{PROJECT}"
    assert claims["aud"] == PROJECT
    assert claims["sub"] == claims["user_id"] == "alice"
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["auth_time"] - time.time()) < 5
    assert claims["firebase"] == {"identities": {}, "sign_in_provider": "custom"}
    assert claims["role"] == "tester" and claims["premium"] is True


def test_second_sign_in_is_not_new_user(auth_emulator, admin_app) -> None:
    url = (f"http://127.0.0.1:{auth_emulator.port}/identitytoolkit.googleapis.com/v1/"
           "accounts:signInWithCustomToken?key=anything")
    first = requests.post(url, json={"token": make_custom_token(admin_app, "bob")}, timeout=5)
    second = requests.post(url, json={"token": make_custom_token(admin_app, "bob")}, timeout=5)
    assert first.json()["isNewUser"] is True and second.json()["isNewUser"] is False
    assert "kind" not in first.json()


def test_refresh_with_pyrebase_gives_new_id_token(auth_emulator, admin_app) -> None:
    firebase = pyrebase_app(f"127.0.0.1:{auth_emulator.port}")
    user = firebase.auth().sign_in_with_custom_token(make_custom_token(admin_app, "carol",
                                                                       {"tier": 2}))
    refreshed = firebase.auth().refresh(user["refreshToken"])
    assert refreshed["userId"] == "carol"
    assert claims_of(refreshed["idToken"])["tier"] == 2


def test_refresh_form_body_shape(auth_emulator, admin_app) -> None:
    base = f"http://127.0.0.1:{auth_emulator.port}"
    signed = requests.post(f"{base}/identitytoolkit.googleapis.com/v1/"
                           "accounts:signInWithCustomToken",
                           json={"token": make_custom_token(admin_app, "dave")}, timeout=5).json()
    r = requests.post(f"{base}/securetoken.googleapis.com/v1/token?key=k",
                      data={"grant_type": "refresh_token",
                            "refresh_token": signed["refreshToken"]}, timeout=5)
    body = r.json()
    assert r.status_code == 200
    assert set(body) >= {"id_token", "refresh_token", "expires_in", "user_id", "project_id",
                         "token_type", "access_token"}
    assert body["user_id"] == "dave" and body["project_id"] == PROJECT
    assert body["token_type"] == "Bearer" and body["expires_in"] == "3600"


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "e30.e30.", 42])
def test_garbled_custom_token_is_refused_in_google_shape(auth_emulator, token) -> None:
    r = requests.post(f"http://127.0.0.1:{auth_emulator.port}/identitytoolkit.googleapis.com/v1/"
                      "accounts:signInWithCustomToken", json={"token": token}, timeout=5)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["code"] == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"].split(" : ")[0] in ("INVALID_CUSTOM_TOKEN", "MISSING_CUSTOM_TOKEN")
    assert error["errors"][0]["message"] == error["message"]


def test_pyrebase_raises_on_garbled_token(auth_emulator) -> None:
    with pytest.raises(HTTPError) as info:
        pyrebase_app(f"127.0.0.1:{auth_emulator.port}").auth().sign_in_with_custom_token("x.y")
    assert "INVALID_CUSTOM_TOKEN" in str(info.value)


def test_unknown_refresh_token_refused_exactly(auth_emulator) -> None:
    r = requests.post(f"http://127.0.0.1:{auth_emulator.port}/securetoken.googleapis.com/v1/token",
                      json={"grant_type": "refresh_token", "refresh_token": "nope"}, timeout=5)
    assert r.status_code == 400
    assert r.json() == {"error": {"code": 400, "message": "INVALID_REFRESH_TOKEN",
                                  "errors": [{"message": "INVALID_REFRESH_TOKEN",
                                              "domain": "global", "reason": "invalid"}],
                                  "status": "INVALID_ARGUMENT"}}


def test_bad_json_and_unknown_path_are_google_errors(auth_emulator) -> None:
    base = f"http://127.0.0.1:{auth_emulator.port}"
    r = requests.post(f"{base}/securetoken.googleapis.com/v1/token", data=b"{nope",
                      headers={"Content-Type": "application/json"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("INVALID_JSON")
    r = requests.post(f"{base}/identitytoolkit.googleapis.com/v1/accounts:nothing", json={},
                      timeout=5)
    assert r.status_code == 404 and r.json()["error"]["status"] == "NOT_FOUND"
    r = requests.post(f"{base}/securetoken.googleapis.com/v1/token",
                      json={"grant_type": "password"}, timeout=5)
    assert r.json()["error"]["message"] == "INVALID_GRANT_TYPE"
