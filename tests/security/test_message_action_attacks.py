"""Message actions (issue 16) attacked over real HTTP: the database emulator with the project's
database.rules.json, ID tokens minted by the Auth emulator, requests as a client sends them.

Each attack is paired with the legitimate write it imitates, which must succeed (so a refusal
is the rules' doing, not a broken request), and after each refusal the data is read back as
the admin: nothing changed, and no husk of a deleted message appeared.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .db_support import PROJECT, InProcessSuite

SV = {".sv": "timestamp"}
DENIED = 401
AB, AE = "alice_bob", "alice_eve"


class Db:
    def __init__(self, suite: InProcessSuite) -> None:
        self.suite = suite
        self.base = f"http://127.0.0.1:{suite.db_port}"
        self.session = requests.Session()
        self.tokens: dict[str, str] = {}

    def as_user(self, uid: str | None, method: str, path: str, body: Any = None
                ) -> requests.Response:
        params = {"ns": PROJECT}
        if uid is not None:
            if uid not in self.tokens:
                self.tokens[uid] = self.suite.token(uid)
            params["auth"] = self.tokens[uid]
        return self.session.request(method, f"{self.base}/{path}.json", params=params,
                                    json=body, timeout=10)

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        reply = self.session.request(method, f"{self.base}/{path}.json",
                                     params={"ns": PROJECT, "auth": "owner"}, json=body,
                                     timeout=10)
        reply.raise_for_status()
        return reply.json()

    def message(self, chat: str, sender: str, text: str, **extra: Any) -> str:
        """A message written by its sender through the rules; its id."""
        reply = self.as_user(sender, "POST", f"messages/{chat}",
                             {"sender": sender, "text": text, "ts": SV, **extra})
        assert reply.status_code == 200, reply.text
        return str(reply.json()["name"])


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Iterator[Db]:
    suite = InProcessSuite(tmp_path_factory.mktemp("actions"), secure=False).start()
    try:
        yield Db(suite)
    finally:
        suite.stop()


def refused(db: Db, uid: str | None, method: str, path: str, body: Any, watched: str) -> None:
    """`uid`'s write is refused and `watched` (a path) is exactly as before."""
    before = db.admin("GET", watched)
    reply = db.as_user(uid, method, path, body)
    assert reply.status_code == DENIED, (method, path, body, reply.status_code, reply.text)
    assert reply.json() == {"error": "Permission denied"}
    assert db.admin("GET", watched) == before


# --- edit ------------------------------------------------------------------------------------
def test_only_the_sender_edits_and_only_the_text(db) -> None:
    m = db.message(AB, "alice", "v1")
    path = f"messages/{AB}/{m}"
    refused(db, "bob", "PATCH", path, {"text": "bob's words", "editedAt": SV}, path)
    refused(db, "eve", "PATCH", path, {"text": "eve's words", "editedAt": SV}, path)
    refused(db, None, "PATCH", path, {"text": "nobody's words", "editedAt": SV}, path)
    refused(db, "alice", "PATCH", path, {"text": "v2", "editedAt": 1_700_000_000_000}, path)
    refused(db, "alice", "PATCH", path, {"text": "v2"}, path)
    refused(db, "alice", "PATCH", path, {"text": "v2", "editedAt": SV, "sender": "bob"}, path)
    refused(db, "alice", "PATCH", path, {"text": "v2", "editedAt": SV, "ts": SV}, path)
    refused(db, "alice", "PATCH", path, {"sender": "bob"}, path)
    refused(db, "alice", "PUT", path, {"sender": "alice", "text": "v2", "ts": SV,
                                       "editedAt": SV}, path)
    # the legitimate edit
    ok = db.as_user("alice", "PATCH", path, {"text": "v2", "editedAt": SV})
    assert ok.status_code == 200, ok.text
    after = db.admin("GET", path)
    assert after["text"] == "v2" and after["editedAt"] >= after["ts"]
    assert set(after) == {"sender", "text", "ts", "editedAt"}


def test_editing_a_deleted_message_makes_no_husk(db) -> None:
    m = db.message(AB, "alice", "soon gone")
    assert db.as_user("alice", "DELETE", f"messages/{AB}/{m}").status_code == 200
    refused(db, "alice", "PATCH", f"messages/{AB}/{m}", {"text": "back", "editedAt": SV},
            f"messages/{AB}/{m}")
    assert db.admin("GET", f"messages/{AB}/{m}") is None


# --- reply -----------------------------------------------------------------------------------
def test_a_reply_must_quote_a_message_of_the_same_chat(db) -> None:
    theirs = db.message(AE, "eve", "in another chat")
    ours = db.message(AB, "bob", "here")
    base = {"sender": "alice", "text": "re", "ts": SV}
    refused(db, "alice", "POST", f"messages/{AB}", {**base, "replyTo": theirs},
            f"messages/{AB}")
    refused(db, "alice", "POST", f"messages/{AB}", {**base, "replyTo": "no-such-id"},
            f"messages/{AB}")
    refused(db, "eve", "POST", f"messages/{AB}", {**base, "sender": "eve", "replyTo": ours},
            f"messages/{AB}")
    reply = db.message(AB, "alice", "re", replyTo=ours)
    assert db.admin("GET", f"messages/{AB}/{reply}")["replyTo"] == ours
    refused(db, "alice", "PATCH", f"messages/{AB}/{reply}", {"replyTo": theirs},
            f"messages/{AB}/{reply}")


# --- forward ---------------------------------------------------------------------------------
def test_a_forward_cannot_be_forged(db) -> None:
    original = db.message(AE, "eve", "meet at noon")
    source = {"sender": "eve", "chatId": AE, "messageId": original}
    bob_chat = "bob_carol"

    def forward(uid: str, text: str, src: dict[str, Any]) -> dict[str, Any]:
        return {"sender": uid, "text": text, "ts": SV, "forwardedFrom": src}

    # bob is not in alice_eve: he may not forward (so learn) its messages
    refused(db, "bob", "POST", f"messages/{bob_chat}",
            forward("bob", "meet at noon", source), f"messages/{bob_chat}")
    # alice is, but may not change what eve said, nor who said it
    refused(db, "alice", "POST", f"messages/{AB}",
            forward("alice", "meet at midnight", source), f"messages/{AB}")
    refused(db, "alice", "POST", f"messages/{AB}",
            forward("alice", "meet at noon", {**source, "sender": "bob"}), f"messages/{AB}")
    refused(db, "alice", "POST", f"messages/{AB}",
            forward("alice", "meet at noon", {**source, "messageId": "nope"}),
            f"messages/{AB}")
    done = db.message(AB, "alice", "meet at noon", forwardedFrom=source)
    assert db.admin("GET", f"messages/{AB}/{done}")["forwardedFrom"] == source
    # and once the original is gone, it cannot be forwarded again
    assert db.as_user("eve", "DELETE", f"messages/{AE}/{original}").status_code == 200
    refused(db, "alice", "POST", f"messages/{AB}",
            forward("alice", "meet at noon", source), f"messages/{AB}")


# --- reactions -------------------------------------------------------------------------------
def test_reactions_are_your_own_on_existing_messages(db) -> None:
    m = db.message(AB, "alice", "react to me")
    path = f"messages/{AB}/{m}"
    refused(db, "bob", "PUT", f"{path}/reactions/alice", "👎", path)
    refused(db, "eve", "PUT", f"{path}/reactions/eve", "👀", path)
    refused(db, None, "PUT", f"{path}/reactions/bob", "👀", path)
    refused(db, "bob", "PUT", f"{path}/reactions/bob", "x" * 17, path)
    refused(db, "bob", "PUT", f"{path}/reactions", {"bob": "👍"}, path)
    assert db.as_user("bob", "PUT", f"{path}/reactions/bob", "👍").status_code == 200
    assert db.as_user("alice", "PUT", f"{path}/reactions/alice", "❤️").status_code == 200
    assert db.admin("GET", f"{path}/reactions") == {"alice": "❤️", "bob": "👍"}
    refused(db, "alice", "DELETE", f"{path}/reactions/bob", None, path)
    assert db.as_user("bob", "DELETE", f"{path}/reactions/bob").status_code == 200
    assert db.admin("GET", f"{path}/reactions") == {"alice": "❤️"}


def test_reacting_on_a_deleted_message_makes_no_husk(db) -> None:
    m = db.message(AB, "alice", "soon gone")
    path = f"messages/{AB}/{m}"
    assert db.as_user("alice", "DELETE", path).status_code == 200
    refused(db, "bob", "PUT", f"{path}/reactions/bob", "👍", path)
    refused(db, "bob", "PATCH", "", {f"{path}/reactions/bob": "👍"}, path)
    assert db.admin("GET", path) is None
