"""Every route × every caller who must be refused: each answer is a 401 or 403 that gives
nothing away, and the object is unchanged afterwards (suite/trust.py's rules for storage)."""

from __future__ import annotations

import pytest
import requests

from tests.database.tokens import unsigned_token

from .support import BUCKET

NAME = "chats/alice_bob/alice/secret.png"
ENC = "chats%2Falice_bob%2Falice%2Fsecret.png"
SECRET = b"SECRET-BYTES"
ORIGIN = {"Origin": "https://evil.example"}

CALLERS = {
    "nobody": {},
    "garbage Firebase": {"Authorization": "Firebase abc.def.ghi"},
    "garbage Bearer": {"Authorization": "Bearer nope"},
    "empty scheme": {"Authorization": "Firebase "},
    "expired member": {"Authorization": f"Firebase {unsigned_token('alice', ttl=-60)}"},
    "member of another project": {
        "Authorization": f"Firebase {unsigned_token('alice', project_id='other-project')}"},
    "another user": {"Authorization": f"Firebase {unsigned_token('eve')}"},
    "a uid that contains a member's": {"Authorization": f"Firebase {unsigned_token('alic')}"},
    "the admin from a web page": {"Authorization": "Bearer owner", **ORIGIN},
    "a member from a web page": {"Authorization": f"Firebase {unsigned_token('alice')}",
                                 **ORIGIN},
    "the admin from a rebinding page": {"Authorization": "Bearer owner",
                                        "Host": "evil.example:9199"},
}


def firebase_routes(base: str, token: str) -> list[tuple[str, str, dict]]:
    o = f"{base}/v0/b/{BUCKET}/o"
    return [
        ("GET", f"{o}/{ENC}", {}),
        ("GET", f"{o}/{ENC}?alt=media", {}),
        ("GET", f"{o}/{ENC}?alt=media&token=not-the-token", {}),
        ("GET", f"{o}?prefix=chats/alice_bob/", {}),
        ("GET", f"{o}?prefix=chats/alice_bob/alice/&delimiter=/", {}),
        ("POST", f"{o}?name={NAME}", {"data": b"overwritten"}),
        ("POST", f"{o}/{ENC}", {"data": b"overwritten"}),
        ("PATCH", f"{o}/{ENC}", {"json": {"contentType": "text/html"}}),
        ("PUT", f"{o}/{ENC}", {"json": {"contentType": "text/html"},
                              "headers": {"X-HTTP-Method-Override": "PATCH"}}),
        ("DELETE", f"{o}/{ENC}", {}),
        ("DELETE", f"{o}?name={NAME}", {}),
        ("POST", f"{o}/{ENC}?create_token=true", {}),
        ("POST", f"{o}/{ENC}?delete_token={token}", {}),
    ]


def gcs_routes(base: str) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"{base}/storage/v1/b/{BUCKET}/o/{ENC}", {}),
        ("GET", f"{base}/download/storage/v1/b/{BUCKET}/o/{ENC}?alt=media", {}),
        ("GET", f"{base}/storage/v1/b/{BUCKET}/o", {}),
        ("PATCH", f"{base}/storage/v1/b/{BUCKET}/o/{ENC}", {"json": {"metadata": {"a": "b"}}}),
        ("DELETE", f"{base}/storage/v1/b/{BUCKET}/o/{ENC}", {}),
        ("POST", f"{base}/upload/storage/v1/b/{BUCKET}/o?uploadType=media&name={NAME}",
         {"data": b"overwritten"}),
    ]


@pytest.fixture(scope="module")
def seeded(suite):
    admin = {"Authorization": "Bearer owner"}
    r = requests.post(f"{suite.storage_url}/v0/b/{BUCKET}/o", params={"name": NAME},
                      data=SECRET, timeout=10, headers={**admin, "Content-Type": "image/png"})
    r.raise_for_status()
    return r.json()


@pytest.mark.parametrize("caller", sorted(CALLERS))
def test_refused_callers_learn_nothing_and_change_nothing(suite, seeded, caller) -> None:
    token = seeded["downloadTokens"]
    routes = firebase_routes(suite.storage_url, token)
    if "web page" in caller or "rebinding" in caller:
        routes += gcs_routes(suite.storage_url)   # the JSON API is the admin's: not for pages
    for method, url, extra in routes:
        headers = {**CALLERS[caller], **extra.pop("headers", {})} if extra else \
            dict(CALLERS[caller])
        r = requests.request(method, url, headers=headers, timeout=10, **extra)
        where = f"{caller}: {method} {url}"
        assert r.status_code in (401, 403), (where, r.status_code, r.text[:200])
        assert SECRET not in r.content and token.encode() not in r.content, where
        assert b"secret.png" not in r.content, where
        assert r.json()["error"]["code"] == r.status_code, where
    check = requests.get(f"{suite.storage_url}/v0/b/{BUCKET}/o/{ENC}",
                         headers={"Authorization": "Bearer owner"}, timeout=10).json()
    assert check["generation"] == seeded["generation"]
    assert check["metageneration"] == seeded["metageneration"]
    assert check["downloadTokens"] == token and check["contentType"] == "image/png"
