"""No credential reaches a log (issue 12, item 12): the suite's, the functions' and the app's.

Each product has its own redaction module (they never import one another); the same table of
shapes runs against all three, and each product's own logging set-up is run in a fresh process
that logs real records the way its code does (exceptions included) and whose stderr is read.
The desktop client's `--verbose` session over real HTTP is in tests/app/test_redaction.py.
"""

from __future__ import annotations

import importlib
import secrets
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ID_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJ1aWQiOiJhbGljZSIsImV4cCI6OTl9.c2lnbmF0dXJl"
UNSIGNED = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ1c2VyX2lkIjoiYWxpY2UifQ."
REFRESH = secrets.token_urlsafe(48)
PASSWORD = "hunter2-correct-horse"
OWNER = "per-run-admin-secret-0123"
SECRETS = (ID_TOKEN, UNSIGNED, REFRESH, PASSWORD, OWNER)
MODULES = ["messenger_desktop.redaction", "messenger_emulators.redaction",
           "messenger_functions.redaction"]

if str(REPO / "functions") not in sys.path:
    sys.path.insert(0, str(REPO / "functions"))


@pytest.mark.parametrize("module", MODULES)
@pytest.mark.parametrize("raw,expected", [
    (f"GET /chats.json?ns=p&auth={ID_TOKEN}&print=pretty",
     "GET /chats.json?ns=p&auth=[REDACTED]&print=pretty"),
    (f"POST /v1/token?key=AIza grant_type=refresh_token&refresh_token={REFRESH}",
     "POST /v1/token?key=AIza grant_type=refresh_token&refresh_token=[REDACTED]"),
    (f'{{"email": "a@b.c", "password": "{PASSWORD}"}}',
     '{"email": "a@b.c", "password": "[REDACTED]"}'),
    (f"{{'idToken': '{ID_TOKEN}', 'refreshToken': '{REFRESH}', 'localId': 'alice'}}",
     "{'idToken': '[REDACTED]', 'refreshToken': '[REDACTED]', 'localId': 'alice'}"),
    (f"Authorization: Bearer {OWNER}", "Authorization: Bearer [REDACTED]"),
    (f"{{'authorization': 'Bearer {UNSIGNED}', 'accept': '*/*'}}",
     "{'authorization': 'Bearer [REDACTED]', 'accept': '*/*'}"),
    ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED]"),
    ("x-firebase-appcheck: abc.def", "x-firebase-appcheck: [REDACTED]"),
    (f"token {UNSIGNED} expired", "token [REDACTED] expired"),
    (f"custom_token={ID_TOKEN}", "custom_token=[REDACTED]"),
    ("Cookie: sid=abc; theme=dark", "Cookie: [REDACTED]; theme=dark"),
    ('{\\"refreshToken\\": \\"abc\\"}', '{\\"refreshToken\\": \\"[REDACTED]\\"}'),
    ('{"password": "with \\"quotes\\" inside"}', '{"password": "[REDACTED]"}'),
    # what is not a credential stays as it was
    ("auth refused (401): INVALID_ID_TOKEN", "auth refused (401): INVALID_ID_TOKEN"),
    ("rules read /chats/a_b: denied\n  auth.uid == 'alice' -> false",
     "rules read /chats/a_b: denied\n  auth.uid == 'alice' -> false"),
    ("Wrong email or password.", "Wrong email or password."),
])
def test_every_product_redacts_the_same_shapes(module, raw, expected):
    assert importlib.import_module(module).redact(raw) == expected


def _run(code: str) -> str:
    run = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), ID_TOKEN, UNSIGNED, REFRESH, PASSWORD,
         OWNER],
        capture_output=True, text=True, timeout=60, cwd=REPO / "functions",
    )
    assert run.returncode == 0, run.stderr
    return run.stdout + run.stderr


def _assert_clean(log: str, *kept: str) -> None:
    for secret in SECRETS:
        assert secret not in log, (secret, log)
    for text in kept:
        assert text in log, (text, log)


def test_the_suites_log_keeps_no_secret():
    log = _run("""
        import json, logging, sys
        from messenger_emulators.suite.cli import _configure_logging

        id_token, unsigned, refresh, password, owner = sys.argv[1:]
        _configure_logging()  # what `messenger-emulators start` does first
        # database/http.py's record for an unexpected error, with a request that carries a token
        try:
            raise KeyError(json.dumps({"password": password, "refreshToken": refresh}))
        except KeyError as exc:
            logging.getLogger("messenger_emulators.database.http").error(
                "unexpected error on %s %s", "PATCH", f"/users/alice.json?ns=p&auth={id_token}",
                exc_info=exc)
        logging.getLogger("messenger_emulators.functions").warning(
            "call refused: %s", {"Authorization": f"Bearer {owner}", "X-Id": unsigned})
    """)
    _assert_clean(log, "unexpected error on PATCH /users/alice.json?ns=p&auth=[REDACTED]",
                  "KeyError", "Traceback", "'Authorization': 'Bearer [REDACTED]'")


def test_the_functions_logs_keep_no_secret():
    log = _run("""
        import json, logging, sys
        import main  # the functions' entry module, as functions-framework loads it

        id_token, unsigned, refresh, password, owner = sys.argv[1:]
        # no handler configured, as on Cloud Functions: logging's last resort writes stderr
        log = logging.getLogger("messenger_functions.http")
        try:
            raise ValueError(f"GET https://db/users.json?auth={id_token} answered 500")
        except ValueError:
            log.exception("unhandled error in the api function")
        log.warning("login body %s headers %s",
                    json.dumps({"email": "a@b.c", "password": password}),
                    {"Authorization": f"Bearer {unsigned}"})
        log.error("refresh %r", {"refresh_token": refresh, "owner": f"Bearer {owner}"})
    """)
    _assert_clean(log, "unhandled error in the api function", "users.json?auth=[REDACTED]",
                  '"email": "a@b.c"', "ValueError")
