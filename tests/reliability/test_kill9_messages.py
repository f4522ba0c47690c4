"""kill -9 of the suite during sustained message traffic under the real rules, with ID tokens.

tests/suite/test_durability.py already proves the journal (admin writes, pushes, increments);
this extends it to what users do: signed-in members POSTing messages/{chatId} through
database.rules.json while their streams are open. After a restart on the same --data folder:
every acknowledged message is there exactly once, nothing a stream ever showed is lost (streams
only show durable data), and reopened streams catch up with no gap and keep working.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests

from tests.database.sse import CLOSED, SseReader
from tests.support.suite import running_suite

from .conftest import REPO_RULES, admin_get, chat_of, hang_up, post_message, users

PAIRS = 4
KILL_AFTER_ACKS = 400
DEADLINE = 60.0


class Sender(threading.Thread):
    def __init__(self, suite, user, chat: str, index: int, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.suite, self.user, self.chat, self.index, self.stop = suite, user, chat, index, stop
        self.acked: dict[str, str] = {}      # push id -> text
        self.attempted: list[str] = []
        self.refused: list[int] = []

    def run(self) -> None:
        session = requests.Session()
        n = 0
        while not self.stop.is_set():
            n += 1
            text = f"s{self.index} n{n}"
            self.attempted.append(text)
            try:
                r = post_message(self.suite, session, self.user, self.chat, text, timeout=10)
            except requests.RequestException:
                return  # the suite died under us
            if r.status_code == 200:
                self.acked[r.json()["name"]] = text
            else:
                self.refused.append(r.status_code)


def _texts_in(put_data) -> dict[str, str]:
    return {key: value["text"] for key, value in (put_data or {}).items()}


def _stream_seen(reader: SseReader) -> dict[str, str]:
    """Message id -> text of every put/patch a messages/{chat} stream has shown so far."""
    seen: dict[str, str] = {}
    while True:
        try:
            event, data = reader.next(timeout=0.5)
        except Exception:
            return seen
        if (event, data) == CLOSED:
            return seen
        if event == "put" and data["path"] == "/":
            seen.update(_texts_in(data["data"]))
        elif event == "put" and data["data"] is not None:
            seen[data["path"].strip("/")] = data["data"]["text"]


@pytest.mark.parametrize("kill_after_acks", [
    KILL_AFTER_ACKS, pytest.param(8 * KILL_AFTER_ACKS, marks=pytest.mark.slow)])
def test_acknowledged_messages_survive_kill_9_exactly_once_and_streams_catch_up(
        tmp_path, kill_after_acks: int):
    with running_suite(only=("auth", "database"), rules=REPO_RULES,
                       data_dir=tmp_path / "data") as suite:
        people = users(suite, 2 * PAIRS, prefix="k9")
        chats = [chat_of(people[2 * i], people[2 * i + 1]) for i in range(PAIRS)]
        base = f"{suite.database_url}/messages"
        readers = [SseReader(f"{base}/{chat}.json",
                             params={"ns": suite.ns, "auth": people[2 * i].id_token})
                   for i, chat in enumerate(chats)]
        assert all(r.status == 200 for r in readers)
        stop = threading.Event()
        senders = [Sender(suite, person, chats[i // 2], i, stop)
                   for i, person in enumerate(people)]
        for sender in senders:
            sender.start()
        deadline = time.monotonic() + DEADLINE
        while sum(len(s.acked) for s in senders) < kill_after_acks:
            assert time.monotonic() < deadline, "the senders made no progress"
            assert any(s.is_alive() for s in senders), suite.output
            time.sleep(0.01)
        suite.kill()  # mid-stream: every sender has a POST in flight
        stop.set()
        for sender in senders:
            sender.join(15)
        shown_before_kill = [_stream_seen(r) for r in readers]
        for reader in readers:
            hang_up(reader.response)
        assert not any(s.refused for s in senders), [s.refused for s in senders]

        suite.restart()
        stored = admin_get(suite, "messages")
        # Reopened streams, same ID tokens (still valid): the initial put is the catch-up.
        reopened = [SseReader(f"{base}/{chat}.json",
                              params={"ns": suite.ns, "auth": people[2 * i].id_token})
                    for i, chat in enumerate(chats)]
        initial = []
        for reader in reopened:
            event, data = reader.next(timeout=10)
            assert event == "put" and data["path"] == "/"
            initial.append(_texts_in(data["data"]))

        for i, chat in enumerate(chats):
            in_chat = _texts_in(stored.get(chat))
            counts = Counter(in_chat.values())
            assert max(counts.values()) == 1, f"a message was stored twice in {chat}"
            assert initial[i] == in_chat, "the reopened stream's snapshot differs from the data"
            lost = set(shown_before_kill[i].items()) - set(in_chat.items())
            assert not lost, f"a stream showed messages that were then lost: {lost}"
            for sender in senders[2 * i:2 * i + 2]:
                acked = set(sender.acked.items())
                assert acked <= set(in_chat.items()), "an acknowledged message was lost"
                mine = {text for text in in_chat.values() if text.startswith(f"s{sender.index} ")}
                assert len(mine - set(sender.acked.values())) <= 1  # at most the one in flight
                assert mine <= set(sender.attempted)

        # ...and they are live: a new message reaches the reopened stream.
        session = requests.Session()
        r = post_message(suite, session, people[1], chats[0], "after the restart")
        assert r.status_code == 200, r.text
        event, data = reopened[0].next(timeout=10)
        assert event == "put" and data["data"]["text"] == "after the restart"
        for reader in reopened:
            hang_up(reader.response)
