"""`messenger --verbose` never writes a token, a password or an Authorization header to the log.

The main test runs the app's own logging set-up in a fresh process (as `messenger --verbose`
does), makes real requests with httpx and requests against a local HTTP server that refuses
them, and reads what reached stderr.
"""

from __future__ import annotations

import io
import logging
import secrets
import subprocess
import sys
import textwrap
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from messenger_desktop.redaction import RedactingFilter

ID_TOKEN = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJ1aWQiOiJhbGljZSIsImV4cCI6OTl9.c2lnbmF0dXJl"
UNSIGNED = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJ1c2VyX2lkIjoiYWxpY2UifQ."
REFRESH = secrets.token_urlsafe(48)
PASSWORD = "hunter2-correct-horse"
SECRETS = (ID_TOKEN, UNSIGNED, REFRESH, PASSWORD, "owner-secret-0123")


class _Refuse(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        body = b'{"error": "Permission denied"}'
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Refuse)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(5)


VERBOSE_SESSION = textwrap.dedent("""
    import json, logging, sys
    import httpx, requests
    from messenger_desktop.main import configure_logging

    configure_logging(True)  # what `messenger --verbose` does first
    url, id_token, unsigned, refresh, password, owner = sys.argv[1:]
    httpx.get(f"{url}/chats/a_b.json", params={"auth": id_token, "orderBy": '"ts"'})
    with httpx.Client() as client:
        client.post(f"{url}/token", data={"grant_type": "refresh_token",
                                          "refresh_token": refresh})
    log = logging.getLogger("messenger_desktop.firebase.session")
    log.info("sending %s", {"Authorization": f"Bearer {unsigned}", "Accept": "*/*"})
    log.info("Authorization: Bearer %s", owner)
    log.info("login body %s", json.dumps({"email": "alice@example.com", "password": password}))
    log.info("token reply %r", {"idToken": id_token, "refreshToken": refresh,
                                "expiresIn": "3600"})
    try:
        requests.get(f"{url}/users.json?auth={id_token}", timeout=5).raise_for_status()
    except requests.HTTPError:
        log.exception("database read failed")
""")


def test_verbose_log_of_a_real_session_keeps_no_secret(server):
    run = subprocess.run(
        [sys.executable, "-c", VERBOSE_SESSION, server, ID_TOKEN, UNSIGNED, REFRESH, PASSWORD,
         "owner-secret-0123"],
        capture_output=True, text=True, timeout=60,
    )
    assert run.returncode == 0, run.stderr
    log = run.stderr
    for secret in SECRETS:
        assert secret not in log, (secret, log)
    # what a developer needs is still there
    for kept in ("HTTP Request: GET", "/chats/a_b.json?auth=[REDACTED]", "orderBy=",
                 "401 Unauthorized", "'Accept': '*/*'", "alice@example.com", "'expiresIn': '3600'",
                 "'Bearer [REDACTED]'", "Authorization: Bearer [REDACTED]",
                 "database read failed", "Traceback", "HTTPError"):
        assert kept in log, (kept, log)


def test_the_filter_redacts_a_record_and_its_traceback():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter())
    log = logging.getLogger("test_redaction.filter")
    log.addHandler(handler)
    log.propagate = False
    try:
        log.warning("GET %s failed", f"http://h/x.json?ns=p&auth={ID_TOKEN}")
        try:
            raise RuntimeError(f"refresh failed for {{'refresh_token': '{REFRESH}'}}")
        except RuntimeError:
            log.exception("headers %s", {"authorization": f"Bearer {UNSIGNED}"})
        log.info("%s %d%%", "not a secret", 5)
    finally:
        log.removeHandler(handler)
    text = stream.getvalue()
    for secret in (ID_TOKEN, REFRESH, UNSIGNED):
        assert secret not in text, text
    assert "?ns=p&auth=[REDACTED]" in text and "RuntimeError" in text
