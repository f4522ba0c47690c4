"""Email/password and anonymous accounts, out-of-band codes and the admin calls around them,
through the real clients: pyrebase4's own Auth methods, unchanged (they call the module-level
`requests.post`; the fixture points that name at a session whose transport sends Google's Auth
hosts to the emulator, as FIREBASE_AUTH_EMULATOR_HOST would), and firebase-admin's auth module.
Error codes are the official Auth emulator's (firebase-tools src/emulator/auth/operations.ts)."""

from __future__ import annotations

import base64
import json

import pytest
import requests
from firebase_admin import auth as admin_auth

from .conftest import PROJECT

IDT = "identitytoolkit.googleapis.com/v1"


def claims_of(id_token: str) -> dict:
    payload = id_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def google_error(exc: BaseException) -> str:
    """The `message` of Google's error body that pyrebase4 raised (HTTPError with the text)."""
    text = exc.args[1] if len(exc.args) > 1 else str(exc)
    return json.loads(text)["error"]["message"]


@pytest.fixture
def host(auth_emulator) -> str:
    return f"127.0.0.1:{auth_emulator.port}"


@pytest.fixture
def auth(host, monkeypatch):
    import pyrebase.pyrebase as pyrebase_module
    from messenger_desktop.firebase.pyrebase_app import app_transport

    session = requests.Session()
    for scheme in ("http://", "https://"):
        session.mount(scheme, app_transport(host))
    app = pyrebase_module.initialize_app({"apiKey": "fake-api-key", "authDomain": "x",
                                          "databaseURL": "http://127.0.0.1:1",
                                          "storageBucket": ""})
    monkeypatch.setattr(pyrebase_module, "requests", session)
    yield app.auth()
    session.close()


def oob_codes(host: str) -> list[dict]:
    r = requests.get(f"http://{host}/emulator/v1/projects/{PROJECT}/oobCodes", timeout=5)
    r.raise_for_status()
    return r.json()["oobCodes"]


def test_pyrebase_sign_up_then_sign_in_with_email_and_password(auth):
    created = auth.create_user_with_email_and_password("Ann@Example.com", "secret1")
    assert created["email"] == "ann@example.com" and created["idToken"] and created["refreshToken"]
    claims = claims_of(created["idToken"])
    assert claims["sub"] == created["localId"] and claims["email"] == "ann@example.com"
    assert claims["email_verified"] is False
    assert claims["firebase"] == {"identities": {"email": ["ann@example.com"]},
                                  "sign_in_provider": "password"}
    user = auth.sign_in_with_email_and_password("ann@example.com", "secret1")
    assert user["localId"] == created["localId"] and user["registered"] is True
    # a refreshed token keeps the provider and the email
    refreshed = auth.refresh(user["refreshToken"])
    again = claims_of(refreshed["idToken"])
    assert again["firebase"]["sign_in_provider"] == "password"
    assert again["email"] == "ann@example.com"
    info = auth.get_account_info(user["idToken"])["users"][0]
    assert info["email"] == "ann@example.com"
    assert info["passwordHash"] == "UkVEQUNURUQ=" and "salt" not in info  # as Google redacts
    assert info["providerUserInfo"][0]["providerId"] == "password"


@pytest.mark.parametrize("email, password, code", [
    ("ann@example.com", "secret1", "EMAIL_EXISTS"),
    ("not-an-email", "secret1", "INVALID_EMAIL"),
    ("bob@example.com", "12345", "WEAK_PASSWORD : Password should be at least 6 characters"),
])
def test_sign_up_errors_are_googles(auth, email, password, code):
    auth.create_user_with_email_and_password("ann@example.com", "secret1")
    with pytest.raises(requests.HTTPError) as info:
        auth.create_user_with_email_and_password(email, password)
    assert google_error(info.value) == code


def test_sign_in_errors_and_the_email_privacy_setting(auth, host):
    auth.create_user_with_email_and_password("ann@example.com", "secret1")
    for email, password, code in (("nobody@example.com", "secret1", "EMAIL_NOT_FOUND"),
                                  ("ann@example.com", "wrong-one", "INVALID_PASSWORD")):
        with pytest.raises(requests.HTTPError) as info:
            auth.sign_in_with_email_and_password(email, password)
        assert google_error(info.value) == code
    config = f"http://{host}/emulator/v1/projects/{PROJECT}/config"
    r = requests.patch(config, json={"emailPrivacyConfig": {"enableImprovedEmailPrivacy": True}},
                       timeout=5)
    assert r.json()["emailPrivacyConfig"] == {"enableImprovedEmailPrivacy": True}
    for email, password in (("nobody@example.com", "secret1"), ("ann@example.com", "wrong-1")):
        with pytest.raises(requests.HTTPError) as info:
            auth.sign_in_with_email_and_password(email, password)
        assert google_error(info.value) == "INVALID_LOGIN_CREDENTIALS"


def test_anonymous_sign_in(auth, host):
    user = auth.sign_in_anonymous()
    claims = claims_of(user["idToken"])
    assert claims["firebase"] == {"identities": {}, "sign_in_provider": "anonymous"}
    assert "email" not in claims
    # v1 accounts:signUp with an empty body is the same thing (what the JS SDK sends)
    r = requests.post(f"http://{host}/{IDT}/accounts:signUp?key=any", json={}, timeout=5)
    assert r.status_code == 200 and r.json()["localId"] != user["localId"]


def test_password_reset_code_from_the_emulator_endpoint(auth, host):
    auth.create_user_with_email_and_password("ann@example.com", "secret1")
    auth.send_password_reset_email("ann@example.com")
    (code,) = [c for c in oob_codes(host) if c["requestType"] == "PASSWORD_RESET"]
    assert code["email"] == "ann@example.com"
    assert code["oobLink"].startswith(f"http://{host}/emulator/action?mode=resetPassword")
    auth.verify_password_reset_code(code["oobCode"], "newsecret")
    with pytest.raises(requests.HTTPError):
        auth.sign_in_with_email_and_password("ann@example.com", "secret1")
    assert auth.sign_in_with_email_and_password("ann@example.com", "newsecret")["idToken"]
    with pytest.raises(requests.HTTPError) as info:  # a code works once
        auth.verify_password_reset_code(code["oobCode"], "another1")
    assert google_error(info.value) == "INVALID_OOB_CODE"
    with pytest.raises(requests.HTTPError) as info:
        auth.send_password_reset_email("nobody@example.com")
    assert google_error(info.value) == "EMAIL_NOT_FOUND"


def test_email_verification_by_code_and_by_link(auth, host):
    user = auth.create_user_with_email_and_password("ann@example.com", "secret1")
    auth.send_email_verification(user["idToken"])
    (code,) = oob_codes(host)
    assert code["requestType"] == "VERIFY_EMAIL"
    r = requests.post(f"http://{host}/{IDT}/accounts:update?key=any",
                      json={"oobCode": code["oobCode"]}, timeout=5)
    assert r.status_code == 200 and r.json()["emailVerified"] is True
    fresh = auth.sign_in_with_email_and_password("ann@example.com", "secret1")
    assert claims_of(fresh["idToken"])["email_verified"] is True
    # the link a mail would carry applies the code too
    other = auth.create_user_with_email_and_password("bob@example.com", "secret1")
    auth.send_email_verification(other["idToken"])
    link = next(c["oobLink"] for c in oob_codes(host) if c["email"] == "bob@example.com")
    assert requests.get(link, timeout=5).status_code == 200
    assert auth.get_account_info(other["idToken"])["users"][0]["emailVerified"] is True


def test_change_password_and_profile_with_the_id_token(auth):
    user = auth.create_user_with_email_and_password("ann@example.com", "secret1")
    changed = auth.change_password(user["idToken"], "secret2")
    assert changed["idToken"]  # a new token for the new password, as Google answers
    auth.update_profile(changed["idToken"], display_name="Ann")
    signed_in = auth.sign_in_with_email_and_password("ann@example.com", "secret2")
    assert signed_in["displayName"] == "Ann"
    assert claims_of(signed_in["idToken"])["name"] == "Ann"


def test_firebase_admin_user_management(admin_app, auth):
    created = admin_auth.create_user(email="Carl@Example.com", password="secret1",
                                     display_name="Carl", app=admin_app)
    assert created.email == "carl@example.com" and created.display_name == "Carl"
    assert created.provider_data[0].provider_id == "password"
    found = admin_auth.get_user_by_email("carl@example.com", app=admin_app)
    assert found.uid == created.uid
    with pytest.raises(admin_auth.UserNotFoundError):
        admin_auth.get_user_by_email("nobody@example.com", app=admin_app)
    with pytest.raises(admin_auth.EmailAlreadyExistsError):
        admin_auth.create_user(email="carl@example.com", password="secret1", app=admin_app)
    admin_auth.create_user(uid="fixed-uid", app=admin_app)
    with pytest.raises(admin_auth.UidAlreadyExistsError):
        admin_auth.create_user(uid="fixed-uid", app=admin_app)
    # the password set by the admin signs in through the client
    assert auth.sign_in_with_email_and_password("carl@example.com", "secret1")["idToken"]
    updated = admin_auth.update_user(created.uid, email="carl2@example.com", password="secret9",
                                     email_verified=True,
                                     display_name=admin_auth.DELETE_ATTRIBUTE, app=admin_app)
    assert updated.email == "carl2@example.com" and updated.email_verified is True
    assert updated.display_name is None
    assert auth.sign_in_with_email_and_password("carl2@example.com", "secret9")["idToken"]
    for i in range(5):
        admin_auth.create_user(email=f"u{i}@example.com", password="secret1", app=admin_app)
    page = admin_auth.list_users(max_results=3, app=admin_app)
    assert len(page.users) == 3 and page.has_next_page
    everyone = [u.uid for u in admin_auth.list_users(max_results=3, app=admin_app)
                .iterate_all()]
    assert len(everyone) == len(set(everyone)) == 7
    admin_auth.delete_user(created.uid, app=admin_app)
    with pytest.raises(admin_auth.UserNotFoundError):
        admin_auth.get_user(created.uid, app=admin_app)
    with pytest.raises(requests.HTTPError):
        auth.sign_in_with_email_and_password("carl2@example.com", "secret9")


def test_firebase_admin_reset_and_verification_links(admin_app, auth, host):
    auth.create_user_with_email_and_password("ann@example.com", "secret1")
    link = admin_auth.generate_password_reset_link("ann@example.com", app=admin_app)
    assert link.startswith(f"http://{host}/emulator/action?mode=resetPassword")
    assert requests.get(link + "&newPassword=fromlink", timeout=5).status_code == 200
    assert auth.sign_in_with_email_and_password("ann@example.com", "fromlink")["idToken"]
    verify = admin_auth.generate_email_verification_link("ann@example.com", app=admin_app)
    assert requests.get(verify, timeout=5).status_code == 200
    assert admin_auth.get_user_by_email("ann@example.com", app=admin_app).email_verified


def test_what_only_the_admin_may_do_is_refused_to_others(auth, host):
    base = f"http://{host}/{IDT}/projects/{PROJECT}"
    for method, url, body in (
            ("GET", f"{base}/accounts:batchGet", None),
            ("POST", f"{base}/accounts", {"email": "x@example.com", "password": "secret1"}),
            ("POST", f"{base}/accounts:batchCreate", {"users": [{"localId": "x"}]}),
            ("POST", f"{base}/accounts:lookup", {"email": ["x@example.com"]})):
        r = requests.request(method, url, json=body, timeout=5)
        assert r.status_code == 403, (url, r.text)
    r = requests.post(f"http://{host}/{IDT}/accounts:sendOobCode",
                      json={"requestType": "PASSWORD_RESET", "email": "x@example.com",
                            "returnOobLink": True}, timeout=5)
    assert r.json()["error"]["message"] == "INSUFFICIENT_PERMISSION"


def test_auth_export_and_import_in_googles_layout(tmp_path):
    """--export-on-exit writes auth_export/accounts.json and config.json as firebase-tools
    does; --import reads them back, and reads an export the official emulator wrote."""
    from tests.support.suite import running_suite

    folder = tmp_path / "export"
    with running_suite(only=("auth", "database"),
                       extra_args=["--export-on-exit", str(folder)]) as s:
        base = f"http://{s.auth_host}/{IDT}"
        r = requests.post(f"{base}/accounts:signUp?key=k", timeout=5,
                          json={"email": "ann@example.com", "password": "secret1"})
        uid = r.json()["localId"]
        requests.patch(f"http://{s.auth_host}/emulator/v1/projects/{s.project_id}/config",
                       json={"emailPrivacyConfig": {"enableImprovedEmailPrivacy": True}},
                       timeout=5).raise_for_status()
    metadata = json.loads((folder / "firebase-export-metadata.json").read_text())
    assert metadata["auth"] == {"version": metadata["version"], "path": "auth_export"}
    accounts = json.loads((folder / "auth_export" / "accounts.json").read_text())
    assert accounts["kind"] == "identitytoolkit#DownloadAccountResponse"
    (account,) = accounts["users"]
    assert account["localId"] == uid and account["email"] == "ann@example.com"
    assert account["passwordHash"].startswith("fakeHash:salt=")
    config = json.loads((folder / "auth_export" / "config.json").read_text())
    assert config == {"signIn": {"allowDuplicateEmails": False},
                      "emailPrivacyConfig": {"enableImprovedEmailPrivacy": True}}

    # an account as the official emulator exports it (its fake hash format)
    accounts["users"].append({
        "localId": "official1", "email": "old@example.com", "emailVerified": True,
        "passwordHash": "fakeHash:salt=fakeSaltAbc:password=oldsecret", "salt": "fakeSaltAbc",
        "createdAt": "1700000000000", "lastLoginAt": "1700000000000", "disabled": False,
        "providerUserInfo": [{"providerId": "password", "email": "old@example.com",
                              "federatedId": "old@example.com", "rawId": "old@example.com"}]})
    (folder / "auth_export" / "accounts.json").write_text(json.dumps(accounts))
    with running_suite(only=("auth", "database"), extra_args=["--import", str(folder)]) as s:
        base = f"http://{s.auth_host}/{IDT}"
        for email, password, expected in (("ann@example.com", "secret1", uid),
                                          ("old@example.com", "oldsecret", "official1")):
            r = requests.post(f"{base}/accounts:signInWithPassword?key=k", timeout=5,
                              json={"email": email, "password": password})
            assert r.status_code == 200 and r.json()["localId"] == expected, r.text
        r = requests.post(f"{base}/accounts:signInWithPassword?key=k", timeout=5,
                          json={"email": "nobody@example.com", "password": "secret1"})
        assert r.json()["error"]["message"] == "INVALID_LOGIN_CREDENTIALS"  # config imported
