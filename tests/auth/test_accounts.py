"""Account lookup, revocation (firebase-admin), expiry, clearing and persistence."""

from __future__ import annotations

import time

import requests
from firebase_admin import auth as admin_auth

from .conftest import PROJECT, make_custom_token, pyrebase_app, running_auth


def _sign_in(base: str, token: str) -> dict:
    r = requests.post(f"{base}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken",
                      json={"token": token}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()


def _refresh(base: str, refresh_token: str) -> requests.Response:
    return requests.post(f"{base}/securetoken.googleapis.com/v1/token",
                         json={"grantType": "refresh_token", "refreshToken": refresh_token},
                         timeout=5)


def test_lookup_v1_and_v3(auth_emulator, admin_app) -> None:
    firebase = pyrebase_app(f"127.0.0.1:{auth_emulator.port}")
    user = firebase.auth().sign_in_with_custom_token(make_custom_token(admin_app, "erin"))
    # v3 getAccountInfo, as pyrebase4's get_account_info sends it (through the app's session:
    # pyrebase4's own method posts with the module-level requests, which no adapter reaches).
    r = firebase.requests.post(
        "https://www.googleapis.com/identitytoolkit/v3/relyingparty/getAccountInfo?key=k",
        json={"idToken": user["idToken"]})
    assert r.json()["users"][0]["localId"] == "erin"
    r = requests.post(f"{auth_emulator.url}/identitytoolkit.googleapis.com/v1/accounts:lookup",
                      json={"idToken": "garbage"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"]["message"].startswith("INVALID_ID_TOKEN")


def test_firebase_admin_get_user_and_revoke(auth_emulator, admin_app) -> None:
    signed = _sign_in(auth_emulator.url, make_custom_token(admin_app, "frank"))
    assert admin_auth.get_user("frank", app=admin_app).uid == "frank"
    assert _refresh(auth_emulator.url, signed["refreshToken"]).status_code == 200
    admin_auth.revoke_refresh_tokens("frank", app=admin_app)
    time.sleep(1.1)  # validSince has a one-second resolution (Google's too)
    r = _refresh(auth_emulator.url, signed["refreshToken"])
    assert r.status_code == 400 and r.json()["error"]["message"] == "INVALID_REFRESH_TOKEN"
    # A new sign-in after the revocation works again (validSince has one-second resolution).
    time.sleep(1.05)
    fresh = _sign_in(auth_emulator.url, make_custom_token(admin_app, "frank"))
    assert _refresh(auth_emulator.url, fresh["refreshToken"]).status_code == 200


def test_custom_claims_set_by_admin_appear_after_refresh(auth_emulator, admin_app) -> None:
    signed = _sign_in(auth_emulator.url, make_custom_token(admin_app, "gina"))
    admin_auth.set_custom_user_claims("gina", {"admin": True}, app=admin_app)
    refreshed = _refresh(auth_emulator.url, signed["refreshToken"]).json()
    from .test_sign_in import claims_of
    assert claims_of(refreshed["id_token"])["admin"] is True


def test_clear_endpoint_forgets_users(auth_emulator, admin_app) -> None:
    signed = _sign_in(auth_emulator.url, make_custom_token(admin_app, "hal"))
    r = requests.delete(f"{auth_emulator.url}/emulator/v1/projects/{PROJECT}/accounts", timeout=5)
    assert r.status_code == 200
    assert _refresh(auth_emulator.url, signed["refreshToken"]).status_code == 400
    assert _sign_in(auth_emulator.url, make_custom_token(admin_app, "hal"))["isNewUser"] is True


def test_id_token_ttl_option(admin_app, monkeypatch) -> None:
    with running_auth(id_token_ttl=5.0) as emulator:
        signed = _sign_in(emulator.url, make_custom_token(admin_app, "ivy"))
        assert signed["expiresIn"] == "5"
        claims = emulator.service.id_tokens.verify(signed["idToken"])
        assert claims["exp"] - claims["iat"] == 5


def test_accounts_persist_in_data_dir(admin_app, tmp_data) -> None:
    with running_auth(data_dir=tmp_data) as emulator:
        signed = _sign_in(emulator.url, make_custom_token(admin_app, "jack"))
    assert (tmp_data / "auth" / "accounts.json").exists()
    with running_auth(data_dir=tmp_data) as emulator:
        r = _refresh(emulator.url, signed["refreshToken"])
        assert r.status_code == 200 and r.json()["user_id"] == "jack"
        assert _sign_in(emulator.url, make_custom_token(admin_app, "jack"))["isNewUser"] is False


def test_damaged_state_file_is_moved_aside(admin_app, tmp_data) -> None:
    (tmp_data / "auth").mkdir(parents=True)
    (tmp_data / "auth" / "accounts.json").write_text("{not json")
    with running_auth(data_dir=tmp_data) as emulator:
        assert _sign_in(emulator.url, make_custom_token(admin_app, "kim"))["isNewUser"] is True
    assert (tmp_data / "auth" / "accounts.damaged").read_text() == "{not json"
