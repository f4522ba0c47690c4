"""The pyrebase4 adapter rewrites only Google's Auth hosts, and patches nothing globally."""

from __future__ import annotations

import pyrebase
import pytest
from messenger_emulators.auth.pyrebase_emulator import EmulatorAdapter, attach, emulator_url


@pytest.mark.parametrize("url, expected", [
    ("https://www.googleapis.com/identitytoolkit/v3/relyingparty/verifyCustomToken?key=k",
     "http://127.0.0.1:9099/www.googleapis.com/identitytoolkit/v3/relyingparty/"
     "verifyCustomToken?key=k"),
    ("https://securetoken.googleapis.com/v1/token?key=k",
     "http://127.0.0.1:9099/securetoken.googleapis.com/v1/token?key=k"),
    ("https://identitytoolkit.googleapis.com/v1/accounts:lookup",
     "http://127.0.0.1:9099/identitytoolkit.googleapis.com/v1/accounts:lookup"),
    ("http://127.0.0.1:9000/users/a.json?auth=x", "http://127.0.0.1:9000/users/a.json?auth=x"),
    ("https://demo.firebaseio.com/a.json", "https://demo.firebaseio.com/a.json"),
])
def test_emulator_url(url, expected) -> None:
    assert emulator_url(url, "127.0.0.1:9099") == expected


def test_bad_host_is_refused() -> None:
    with pytest.raises(ValueError):
        EmulatorAdapter("http://127.0.0.1:9099")


def test_attach_is_per_instance() -> None:
    config = {"apiKey": "k", "authDomain": "d", "databaseURL": "http://127.0.0.1:1",
              "storageBucket": ""}
    attached = attach(pyrebase.initialize_app(config), "127.0.0.1:9099")
    plain = pyrebase.initialize_app(config)
    assert type(attached.auth()).__name__ == "EmulatorAuth"
    assert type(plain.auth()) is pyrebase.pyrebase.Auth
    assert pyrebase.pyrebase.requests.__name__ == "requests"  # the module is untouched
