"""The Auth emulator's every route against every kind of caller, in both modes.

A caller the emulator must refuse gets Google's error body and changes nothing: no account
looked up, disabled, deleted or cleared. The kinds of caller: no token, garbage, an expired
ID token, an unsigned one (secure mode), one signed by another key, another signed-in user,
the admin token ``owner`` sent by a web page (``Origin`` / ``Sec-Fetch-Site``), and, in
secure mode, ``owner`` from a LAN stranger (a real peer address in a network namespace, see
tests/support/netns.py). ``owner`` from this machine with no browser headers is the admin:
the positive controls show the sweep tells the two apart.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from messenger_emulators.auth.component import AuthEmulator
from messenger_emulators.auth.tokens import CUSTOM_TOKEN_AUDIENCE, IdTokens

from tests.auth.conftest import running_auth
from tests.support import netns
from tests.support.suite import running_suite

PROJECT = "demo-messenger"
IDT = "/identitytoolkit.googleapis.com/v1"
IDT_V3 = "/www.googleapis.com/identitytoolkit/v3/relyingparty"
SIGN_IN_ROUTES = [IDT + "/accounts:signInWithCustomToken", IDT_V3 + "/verifyCustomToken"]
# (route, what it does) of every account route: three URL layouts of lookup/update/delete
ACCOUNT_ROUTES = [
    (prefix + "/accounts:" + verb, verb)
    for prefix in (IDT, f"{IDT}/projects/{PROJECT}") for verb in ("lookup", "update", "delete")
] + [(IDT_V3 + "/getAccountInfo", "lookup"), (IDT_V3 + "/setAccountInfo", "update"),
     (IDT_V3 + "/deleteAccount", "delete")]
CLEAR = f"/emulator/v1/projects/{PROJECT}/accounts"
SECURETOKEN = "/securetoken.googleapis.com/v1/token"
# The admin's routes beside lookup/update/delete: (method, route, body); every one must refuse.
ADMIN_ROUTES = [
    ("POST", f"{IDT}/projects/{PROJECT}/accounts",
     {"localId": "intruder", "email": "intruder@example.com", "password": "intruder-1"}),
    ("GET", f"{IDT}/projects/{PROJECT}/accounts:batchGet", None),
    ("POST", f"{IDT}/projects/{PROJECT}/accounts:batchCreate",
     {"users": [{"localId": "intruder", "email": "intruder@example.com"}]}),
    # a password-reset link for someone else's mailbox is an account takeover
    ("POST", f"{IDT}/accounts:sendOobCode",
     {"requestType": "PASSWORD_RESET", "email": "dora@example.com", "returnOobLink": True}),
    ("POST", f"{IDT_V3}/getOobConfirmationCode",
     {"requestType": "PASSWORD_RESET", "email": "dora@example.com", "returnOobLink": True}),
]
# The emulator's own routes need no token (as Google's: its tools call them without one) but the
# admin's place: never a web page, in secure mode only this machine.
PLACE_ROUTES = [
    ("GET", f"/emulator/v1/projects/{PROJECT}/oobCodes", None),
    ("GET", f"/emulator/v1/projects/{PROJECT}/config", None),
    ("PATCH", f"/emulator/v1/projects/{PROJECT}/config",
     {"signIn": {"allowDuplicateEmails": True},
      "emailPrivacyConfig": {"enableImprovedEmailPrivacy": True}}),
    ("DELETE", f"/emulator/v1/projects/{PROJECT}/accounts", None),
]
# Routes anyone may call, with a password or a code the caller must know (swept with garbage).
PASSWORD_ROUTES = [
    prefix + "/accounts:" + verb for prefix in (IDT, f"{IDT}/projects/{PROJECT}")
    for verb in ("signUp", "signInWithPassword", "sendOobCode", "resetPassword")
] + [IDT_V3 + "/" + verb for verb in ("signupNewUser", "verifyPassword",
                                      "getOobConfirmationCode", "resetPassword")]
ACTION = "/emulator/action"
PUBLIC = ["/", "/www.googleapis.com/robot/v1/metadata/x509/securetoken@system.gserviceaccount.com",
          "/www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com"]
BROWSER = {"Origin": "https://evil.example"}
FETCH_METADATA = {"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "cors"}
OWNER = {"Authorization": "Bearer owner"}


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def unsigned_custom_token(uid: str) -> str:
    """What firebase-admin makes with FIREBASE_AUTH_EMULATOR_HOST set (alg none)."""
    now = int(time.time())
    return (f"{_b64({'alg': 'none', 'typ': 'JWT'})}."
            f"{_b64({'aud': CUSTOM_TOKEN_AUDIENCE, 'iat': now, 'exp': now + 3600, 'uid': uid})}.")


def signed_custom_token(service_account: Path, uid: str) -> str:
    info = json.loads(service_account.read_text())
    now = int(time.time())
    return jwt.encode({"iss": info["client_email"], "sub": info["client_email"],
                       "aud": CUSTOM_TOKEN_AUDIENCE, "iat": now, "exp": now + 3600, "uid": uid},
                      info["private_key"], algorithm="RS256",
                      headers={"kid": info["private_key_id"]})


def foreign_id_token(uid: str) -> str:
    """Google's claims for this project, signed by a key that is not the emulator's."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return jwt.encode({"iss": f"https://securetoken.google.com/{PROJECT}", "aud": PROJECT,
                       "sub": uid, "user_id": uid, "iat": now, "exp": now + 3600,
                       "auth_time": now}, pem, algorithm="RS256", headers={"kid": "forged"})


class Target:
    """One running Auth emulator (in-process) with alice, the victim, and mallory signed in."""

    def __init__(self, emulator: AuthEmulator, data: Path) -> None:
        self.emulator = emulator
        self.url = emulator.url
        self.secure = emulator.secure
        self.service_account = data / "auth" / "service-account.json"

    def custom_token(self, uid: str) -> str:
        return (signed_custom_token(self.service_account, uid) if self.secure
                else unsigned_custom_token(uid))

    def sign_in(self, uid: str) -> dict:
        r = requests.post(self.url + SIGN_IN_ROUTES[0], json={"token": self.custom_token(uid)},
                          timeout=5)
        assert r.status_code == 200, r.text
        return r.json()

    def reset(self) -> None:
        """alice and mallory signed in, alice enabled, with a live refresh token; dora has an
        email and a password."""
        store = self.emulator.service.store
        store.clear()
        self.emulator.service.passwords.oobs.clear()
        self.alice = self.sign_in("alice")
        self.mallory = self.sign_in("mallory")
        r = requests.post(self.url + IDT + "/accounts:signUp", timeout=5,
                          json={"email": "dora@example.com", "password": "dora-secret-1"})
        assert r.status_code == 200, r.text
        self.config = self.emulator.service.passwords.config.to_google()

    def alice_intact(self) -> bool:
        store = self.emulator.service.store
        user = store.users.get("alice")
        passwords = self.emulator.service.passwords
        return (user is not None and not user.disabled and not user.custom_attributes
                and user.valid_since == 0 and user.email is None
                and self.alice["refreshToken"] in store.refresh_tokens
                and "intruder" not in store.users and store.by_email("dora@example.com")
                and not passwords.oobs and passwords.config.to_google() == self.config)

    def callers(self) -> dict[str, tuple[dict[str, str], dict]]:
        """kind of caller -> (headers, body fields it brings), each aimed at alice."""
        ids = self.emulator.service.id_tokens
        expired = ids.mint("alice", {}, 0, now=time.time() - 7200)
        unsigned = IdTokens(PROJECT, 3600, None).mint("alice", {}, int(time.time()))
        callers = {
            "no token": ({}, {}),
            "garbage": ({"Authorization": "Bearer garbage"}, {"idToken": "garbage"}),
            "expired": ({}, {"idToken": expired}),
            "another user": ({"Authorization": "Bearer " + self.mallory["idToken"]}, {}),
            "owner from a web page": ({**OWNER, **BROWSER}, {}),
            "owner with fetch metadata": ({**OWNER, **FETCH_METADATA}, {}),
            "owner, null origin": ({**OWNER, "Origin": "null"}, {}),
        }
        if self.secure:
            callers["unsigned"] = ({}, {"idToken": unsigned})
            callers["foreign key"] = ({}, {"idToken": foreign_id_token("alice")})
        else:
            # Outside secure mode no signature is checked, as in Google's emulator: a local
            # program with a made-up token is anyone; a web page may not use one at all.
            callers["alice's token from a web page"] = (BROWSER, {"idToken": self.alice["idToken"]})
            callers["forged token from a web page"] = (FETCH_METADATA,
                                                       {"idToken": foreign_id_token("alice")})
        return callers


def _target(secure: bool, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    data = tmp_path_factory.mktemp("secure" if secure else "plain")
    with running_auth(secure=secure, data_dir=data) as emulator:
        target = Target(emulator, data)
        target.reset()
        yield target


@pytest.fixture(scope="module", params=[False, True], ids=["emulator-mode", "secure-mode"])
def target(request, tmp_path_factory) -> Iterator[Target]:
    yield from _target(request.param, tmp_path_factory)


def _is_google_error(r: requests.Response, code: int) -> bool:
    body = r.json()
    return (r.status_code == code and set(body) == {"error"}
            and body["error"]["code"] == code and isinstance(body["error"]["message"], str))


def _leaks_alice(r: requests.Response) -> bool:
    return '"alice"' in r.text or "alice" in json.dumps(r.json().get("users", []))


def test_account_routes_refuse_every_stranger(target: Target) -> None:
    """lookup / update / delete of alice's account by localId, as each refused caller."""
    tried = 0
    for kind, (headers, fields) in target.callers().items():
        for route, verb in ACCOUNT_ROUTES:
            body = {"localId": ["alice"] if verb == "lookup" else "alice", **fields}
            if verb == "update":
                body.update({"disableUser": True, "validSince": "9999999999",
                             "customAttributes": '{"admin": true}'})
            r = requests.post(target.url + route, json=body, headers=headers, timeout=5)
            tried += 1
            where = f"{kind} -> {route}"
            assert 400 <= r.status_code < 500 and _is_google_error(r, r.status_code), where
            assert not _leaks_alice(r), f"{where}: {r.text}"
            assert target.alice_intact(), where
            if "mallory" not in target.emulator.service.store.users:
                target.reset()  # "another user" may delete herself: that is hers to do
    assert tried == len(target.callers()) * len(ACCOUNT_ROUTES)


def test_admin_routes_refuse_every_stranger(target: Target) -> None:
    """Create, list, import accounts; reset links for someone else's mailbox; and, from a web
    page, read oob codes, read and change the project config, clear: as each refused caller."""
    tried = 0
    callers = target.callers()
    for kind, (headers, _) in callers.items():
        browser = "Origin" in headers or "Sec-Fetch-Site" in headers
        for method, route, body in ADMIN_ROUTES + (PLACE_ROUTES if browser else []):
            r = requests.request(method, target.url + route, json=body, headers=headers,
                                 timeout=5)
            tried += 1
            where = f"{kind} -> {method} {route}"
            assert 400 <= r.status_code < 500 and _is_google_error(r, r.status_code), where
            for secret in ("oobCode", "oobLink", "passwordHash", "alice", "dora", "intruder",
                           "allowDuplicateEmails"):
                assert secret not in r.text, f"{where}: {r.text}"
            assert target.alice_intact(), where
    browsers = sum("Origin" in h or "Sec-Fetch-Site" in h for h, _ in callers.values())
    assert tried == len(callers) * len(ADMIN_ROUTES) + browsers * len(PLACE_ROUTES)


def test_web_pages_cannot_take_over_accounts_with_unchecked_tokens(target: Target) -> None:
    """Linking an email and password to an account by its ID token, from a web page."""
    token = target.alice["idToken"] if not target.secure else _unsigned_alice()
    for route in (IDT + "/accounts:signUp", IDT + "/accounts:update"):
        r = requests.post(target.url + route, headers=BROWSER, timeout=5,
                          json={"idToken": token, "email": "eve@example.com",
                                "password": "eve-secret-1"})
        assert _is_google_error(r, 400), (route, r.text)
        assert target.alice_intact(), route


def _unsigned_alice() -> str:
    return IdTokens(PROJECT, 3600, None).mint("alice", {}, int(time.time()))


def test_clear_refuses_web_pages(target: Target) -> None:
    for headers in (BROWSER, FETCH_METADATA, {**OWNER, **BROWSER}, {"Origin": "null"}):
        r = requests.delete(target.url + CLEAR, headers=headers, timeout=5)
        assert _is_google_error(r, 403), headers
        assert target.alice_intact(), headers


def test_owner_from_this_machine_is_the_admin(target: Target) -> None:
    """The positive control: the same requests without browser headers act as the admin."""
    r = requests.post(target.url + IDT + "/accounts:lookup", json={"localId": ["alice"]},
                      headers=OWNER, timeout=5)
    assert r.status_code == 200 and r.json()["users"][0]["localId"] == "alice", r.text
    # Sec-Fetch-Site "none" is a user typing the URL, not a page: still this machine's admin.
    r = requests.post(target.url + IDT + "/accounts:update",
                      json={"localId": "alice", "disableUser": True},
                      headers={**OWNER, "Sec-Fetch-Site": "none"}, timeout=5)
    assert r.status_code == 200, r.text
    assert target.emulator.service.store.users["alice"].disabled
    r = requests.delete(target.url + CLEAR, timeout=5)  # no token needed, as Google's emulator
    assert r.status_code == 200 and not target.emulator.service.store.users
    target.reset()


def test_sign_in_refuses_unchecked_tokens_from_web_pages(target: Target) -> None:
    for i, route in enumerate(SIGN_IN_ROUTES):
        eve, eve2 = f"eve{i}", f"eve{i}-unsigned"
        token = target.custom_token(eve)
        r = requests.post(target.url + route, json={"token": token}, headers=BROWSER, timeout=5)
        if target.secure:  # a signed token is checked, so a page may use it
            assert r.status_code == 200, r.text
        else:
            assert _is_google_error(r, 400), r.text
            assert r.json()["error"]["message"].startswith("INVALID_CUSTOM_TOKEN")
            assert eve not in target.emulator.service.store.users
        unsigned = unsigned_custom_token(eve2)
        r = requests.post(target.url + route, json={"token": unsigned}, headers=BROWSER,
                          timeout=5)
        assert _is_google_error(r, 400), r.text
        assert eve2 not in target.emulator.service.store.users
        # Without browser headers, an unsigned token is Google's emulator behaviour.
        r = requests.post(target.url + route, json={"token": unsigned}, timeout=5)
        assert r.status_code == (400 if target.secure else 200), r.text


def test_every_route_answers_garbage_with_google_errors(target: Target) -> None:
    """Bodies that are no JSON object, wrong types, unknown routes: a 4xx in Google's shape."""
    routes = SIGN_IN_ROUTES + [route for route, _ in ACCOUNT_ROUTES] + [
        SECURETOKEN] + PASSWORD_ROUTES
    bodies = [b"", b"{", b"[]", b'"x"', b"null", b'{"token": 5, "idToken": [], "localId": {}}',
              b'{"grant_type": "refresh_token", "refresh_token": "nope"}', b"\xff\xfe"]
    for route in routes:
        for body in bodies:
            r = requests.post(target.url + route, data=body, headers=OWNER, timeout=5)
            assert r.status_code < 500, (route, body, r.text)
            if r.status_code >= 400:
                assert _is_google_error(r, r.status_code), (route, body, r.text)
    for query in ("", "?mode=resetPassword", "?mode=resetPassword&oobCode=x&newPassword=y",
                  "?mode=verifyEmail&oobCode=" + "z" * 5000, "?mode=nope&oobCode=%00"):
        r = requests.get(target.url + ACTION + query, headers=BROWSER, timeout=5)
        assert r.status_code == 400, (query, r.text)
    for method, route in (("GET", IDT + "/accounts:lookup"), ("PUT", CLEAR),
                          ("POST", "/nowhere"), ("DELETE", "/emulator/v1/projects/other/accounts")):
        r = requests.request(method, target.url + route, headers=OWNER, timeout=5)
        assert 400 <= r.status_code < 500 and _is_google_error(r, r.status_code), (method, route)
    assert target.alice_intact()


def test_public_routes_show_only_public_keys(target: Target) -> None:
    for path in PUBLIC:
        r = requests.get(target.url + path, headers=BROWSER, timeout=5)
        assert r.status_code == 200
        assert "PRIVATE" not in r.text and '"d"' not in r.text and "alice" not in r.text


def test_the_sweep_knows_every_route() -> None:
    """A route added to the Auth emulator must join this sweep (classify it here)."""
    from messenger_emulators.auth.server import build_app

    swept = ({r for r, _ in ACCOUNT_ROUTES} | set(SIGN_IN_ROUTES) | set(PASSWORD_ROUTES)
             | {route for _, route, _ in ADMIN_ROUTES + PLACE_ROUTES}
             | {SECURETOKEN, *PUBLIC, CLEAR, ACTION})
    canonical = {r.replace(PROJECT, "{project}") for r in swept}
    class Service:  # routes only; no request is served
        passwords = None

    app = build_app(Service())
    served = {resource.canonical for resource in app.router.resources()}
    assert served <= canonical, f"routes not in the sweep: {sorted(served - canonical)}"


# ---- secure mode on a LAN: a real stranger's address (network namespace) ----------------------

pytestmark_lan = pytest.mark.skipif(not netns.available(),
                                    reason="this machine allows no unprivileged network "
                                           "namespace (unshare -rn)")


@pytestmark_lan
def test_lan_stranger_is_never_the_admin(tmp_path) -> None:
    with running_suite(only=("auth", "database"), data_dir=tmp_path / "data",
                       extra_args=["--host", netns.SUITE_ADDRESS],
                       prefix=netns.namespace_prefix()) as suite:
        port = {"auth": suite.ports["auth"]}
        with netns.Relay(suite.pid, port) as stranger, \
                netns.Relay(suite.pid, port, source=netns.SUITE_ADDRESS) as local:
            token = signed_custom_token(tmp_path / "data" / "auth" / "service-account.json",
                                        "alice")
            status, _, body = local.request("auth", "POST", SIGN_IN_ROUTES[0],
                                            {"Content-Type": "application/json"},
                                            json.dumps({"token": token}))
            assert status == 200, body
            lookup = json.dumps({"localId": ["alice"]})
            for route, verb in ACCOUNT_ROUTES:
                payload = lookup if verb == "lookup" else json.dumps({"localId": "alice",
                                                                      "disableUser": True})
                status, _, body = stranger.request("auth", "POST", route, OWNER, payload)
                assert status == 403 and b"alice" not in body, (route, body)
            for method, route, payload in ADMIN_ROUTES + PLACE_ROUTES:
                status, _, body = stranger.request("auth", method, route, OWNER,
                                                   json.dumps(payload) if payload else None)
                assert status in (400, 403), (route, body)
                for secret in (b'"oobCode"', b'"oobLink"', b"alice", b"dora", b"passwordHash"):
                    assert secret not in body, (route, body)
            # The unsigned custom token of Google's emulator is refused too.
            status, _, body = stranger.request("auth", "POST", SIGN_IN_ROUTES[0], {},
                                               json.dumps({"token": unsigned_custom_token("x")}))
            assert status == 400 and b"INVALID_CUSTOM_TOKEN" in body
            # The control: the same request from this machine (its own LAN address) is the
            # admin's, and alice survived the stranger.
            status, _, body = local.request("auth", "POST", ACCOUNT_ROUTES[0][0], OWNER, lookup)
            assert status == 200 and json.loads(body)["users"][0]["disabled"] is False, body
            status, _, body = local.request("auth", "POST", ACCOUNT_ROUTES[0][0],
                                            {**OWNER, **BROWSER}, lookup)
            assert status == 403, body

        # The hub's export writes files where the caller says: the admin's only.
        hub = {"hub": int(re.search(r"Emulator hub: http://[^:]+:(\d+)", suite.output)[1])}
        with netns.Relay(suite.pid, hub) as stranger, \
                netns.Relay(suite.pid, hub, source=netns.SUITE_ADDRESS) as local:
            for relay, headers, name in ((stranger, {}, "stranger"),
                                         (local, BROWSER, "page"),
                                         (local, FETCH_METADATA, "page2")):
                target = tmp_path / f"export-{name}"
                status, _, body = relay.request("hub", "POST", "/_admin/export",
                                                {"Content-Type": "application/json", **headers},
                                                json.dumps({"path": str(target)}))
                assert status == 403 and not target.exists(), (name, body)
            target = tmp_path / "export-local"
            status, _, body = local.request("hub", "POST", "/_admin/export",
                                            {"Content-Type": "application/json"},
                                            json.dumps({"path": str(target)}))
            assert status == 200 and target.is_dir(), body
