"""Secure mode: RS256 ID tokens with published keys; only the suite's service account signs."""

from __future__ import annotations

import json
import uuid

import firebase_admin
import jwt
import pytest
import requests
from firebase_admin import auth as admin_auth
from firebase_admin import credentials
from messenger_emulators.auth.server import JWK_PATH, X509_PATH
from messenger_emulators.auth.tokens import InvalidIdToken

from .conftest import PROJECT, make_custom_token, running_auth

SIGN_IN = "/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken"


@pytest.fixture
def secure_auth(tmp_data, monkeypatch):
    with running_auth(secure=True, data_dir=tmp_data) as emulator:
        yield emulator


def _signed_admin_app(service_account_path):
    cred = credentials.Certificate(str(service_account_path))
    return firebase_admin.initialize_app(cred, {"projectId": PROJECT}, name=uuid.uuid4().hex)


def test_secure_sign_in_with_suite_service_account(secure_auth, monkeypatch) -> None:
    # Without FIREBASE_AUTH_EMULATOR_HOST firebase-admin signs with the credential's key (RS256).
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    app = _signed_admin_app(secure_auth.service_account.path)
    try:
        token = make_custom_token(app, "alice", {"role": "x"})
    finally:
        firebase_admin.delete_app(app)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    r = requests.post(secure_auth.url + SIGN_IN, json={"token": token}, timeout=5)
    assert r.status_code == 200, r.text
    id_token = r.json()["idToken"]
    header = jwt.get_unverified_header(id_token)
    assert header["alg"] == "RS256" and header["kid"] == secure_auth.service.signing_key.kid
    # Anyone can verify it with the published certificate, as with Google's.
    certs = requests.get(secure_auth.url + X509_PATH, timeout=5).json()
    from cryptography.x509 import load_pem_x509_certificate
    public_key = load_pem_x509_certificate(certs[header["kid"]].encode()).public_key()
    claims = jwt.decode(id_token, public_key, algorithms=["RS256"], audience=PROJECT,
                        issuer=f"https://securetoken.google.com/{PROJECT}")
    assert claims["sub"] == "alice" and claims["role"] == "x"
    jwks = requests.get(secure_auth.url + JWK_PATH, timeout=5).json()
    key = jwt.PyJWK(jwks["keys"][0])
    assert jwt.decode(id_token, key, algorithms=["RS256"], audience=PROJECT)["sub"] == "alice"
    assert secure_auth.id_token_verifier(id_token)["sub"] == "alice"


def test_secure_refuses_unsigned_and_foreign_custom_tokens(secure_auth, tmp_path,
                                                          monkeypatch) -> None:
    monkeypatch.setenv("FIREBASE_AUTH_EMULATOR_HOST", f"127.0.0.1:{secure_auth.port}")
    app = firebase_admin.initialize_app(options={"projectId": PROJECT}, name=uuid.uuid4().hex)
    try:
        unsigned = make_custom_token(app, "mallory")
    finally:
        firebase_admin.delete_app(app)
    r = requests.post(secure_auth.url + SIGN_IN, json={"token": unsigned}, timeout=5)
    assert r.status_code == 400 and "secure mode" in r.json()["error"]["message"]
    # A token signed by some other service account is refused too.
    with running_auth(secure=True, data_dir=tmp_path / "other") as other:
        monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST")
        foreign_app = _signed_admin_app(other.service_account.path)
        try:
            foreign = make_custom_token(foreign_app, "mallory")
        finally:
            firebase_admin.delete_app(foreign_app)
    r = requests.post(secure_auth.url + SIGN_IN, json={"token": foreign}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"]["message"].startswith("INVALID_CUSTOM_TOKEN")


def test_secure_verifier_refuses_unsigned_id_tokens(secure_auth) -> None:
    from messenger_emulators.auth.tokens import IdTokens
    unsigned = IdTokens(PROJECT, 3600, None).mint("mallory", {}, 0)
    with pytest.raises(Exception) as info:
        secure_auth.id_token_verifier(unsigned)
    assert "unsigned" in str(info.value)
    with pytest.raises(InvalidIdToken):
        secure_auth.service.id_tokens.verify(unsigned)


def test_keys_survive_restart(tmp_data) -> None:
    with running_auth(secure=True, data_dir=tmp_data) as first:
        kid, email = first.service.signing_key.kid, first.service_account.client_email
    with running_auth(secure=True, data_dir=tmp_data) as second:
        assert second.service.signing_key.kid == kid
        assert second.service_account.client_email == email
    info = json.loads((tmp_data / "auth" / "service-account.json").read_text())
    assert info["type"] == "service_account" and info["project_id"] == PROJECT
    assert oct((tmp_data / "auth" / "service-account.json").stat().st_mode & 0o777) == "0o600"


def test_admin_over_http_only_from_this_machine_in_secure_mode(secure_auth) -> None:
    # From loopback without browser headers the admin acts (firebase-admin's calls); a LAN
    # stranger never does (tests/security/test_auth_sweep.py, in a network namespace).
    url = secure_auth.url + "/identitytoolkit.googleapis.com/v1/accounts:lookup"
    owner = {"Authorization": "Bearer owner"}
    r = requests.post(url, json={"localId": ["alice"]}, headers=owner, timeout=5)
    assert r.status_code == 200 and "users" not in r.json()
    r = requests.post(url, json={"localId": ["alice"]},
                      headers={**owner, "Origin": "http://localhost:8000"}, timeout=5)
    assert r.status_code == 403


def test_non_loopback_host_forces_secure() -> None:
    from messenger_emulators.suite.options import SuiteOptions
    assert SuiteOptions(host="0.0.0.0").secure is True
    _ = admin_auth  # firebase-admin's auth module is the client under test throughout
