"""Sign-in against a real (non-emulator) project must not hang on a server that never answers:
pyrebase4's Auth sends with the module-level requests and no timeout unless we route it
(the app's transport gives every call through its session one)."""

from __future__ import annotations

import socket
import time

import pytest
import requests
from messenger_desktop.config import ClientConfig
from messenger_desktop.firebase import pyrebase_app


def test_production_sign_in_times_out_on_a_silent_server(monkeypatch):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)           # accepts connections (the kernel does) and never answers
    host = f"127.0.0.1:{silent.getsockname()[1]}"
    monkeypatch.setattr(pyrebase_app, "REQUEST_TIMEOUT_S", 0.5)
    config = ClientConfig(api_key="key", project_id="prod-project",
                          database_url="https://prod-project.firebaseio.com",
                          functions_url="https://example.invalid/api")
    # The app's own transport, with Google's auth hosts sent to the silent socket.
    app = pyrebase_app.make_app(config, pyrebase_app.app_transport(host))
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):
        app.auth().sign_in_with_custom_token("a-custom-token")
    assert time.monotonic() - started < 5
    silent.close()
