"""Secure mode across parts: the function signs custom tokens with the suite's service account,
the Auth emulator signs ID tokens, and the database accepts only those."""

from __future__ import annotations

import jwt
import pytest
import requests
from messenger_emulators.auth.tokens import IdTokens

from .conftest import PROJECT, running_host

SIGN_IN = "/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken"


@pytest.fixture
def secure(tmp_path, monkeypatch):
    monkeypatch.delenv("FIREBASE_AUTH_EMULATOR_HOST", raising=False)
    with running_host("basic", tmp_path, monkeypatch, with_auth=True, secure=True) as host:
        host.wait_ready()
        yield host


def test_function_signs_custom_tokens_and_database_refuses_unsigned(secure) -> None:
    env = requests.get(f"{secure.url}/api", timeout=30).json()["env"]
    assert env["FIREBASE_AUTH_EMULATOR_HOST"] is None
    assert env["GOOGLE_APPLICATION_CREDENTIALS"] == str(secure.auth.service_account.path)
    custom = requests.get(f"{secure.url}/api/token?uid=alice", timeout=30).text
    assert jwt.get_unverified_header(custom)["alg"] == "RS256"
    signed = requests.post(secure.auth.url + SIGN_IN, json={"token": custom}, timeout=10)
    assert signed.status_code == 200, signed.text
    id_token = signed.json()["idToken"]
    claims = jwt.decode(id_token, options={"verify_signature": False})
    assert claims["sub"] == "alice" and claims["via"] == "function"
    # The database (open rules) accepts the signed ID token ...
    r = requests.put(secure.db_url("notes/a") + f"&auth={id_token}", json=1, timeout=10)
    assert r.status_code == 200, r.text
    # ... and refuses an unsigned one with the same claims.
    unsigned = IdTokens(PROJECT, 3600, None).mint("alice", {}, 0)
    r = requests.put(secure.db_url("notes/b") + f"&auth={unsigned}", json=1, timeout=10)
    assert r.status_code == 401
