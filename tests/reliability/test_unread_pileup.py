"""Unread messages pile up (issue 19): through the real trigger, the receiver's chat-list
stream gets events proportional to each message, however many are unread, and the entry stays
bounded. Before: every trigger PATCH that touched two chats streamed both whole entries, all
unread ids included, and `unreadIds` grew without bound."""

from __future__ import annotations

import json
import threading

import requests
from messenger_model.limits import PREVIEWS_KEPT, UNREAD_IDS_CAP
from messenger_model.previews import latest_preview, prunes_on
from messenger_model.unread import unread_count

from tests.support.suite import running_suite

from .conftest import (
    REPO,
    REPO_RULES,
    TimedStream,
    admin_get,
    chat_of,
    post_message,
    users,
    wait_for,
)

PER_SENDER = 70  # two chats x 70 messages: past the cap of 100 ids in neither, 140 in total


def test_events_and_entries_stay_small_as_unread_messages_pile_up() -> None:
    with running_suite(rules=REPO_RULES, functions_source=REPO / "functions") as suite:
        receiver, *senders = users(suite, 3, prefix="pile")
        chats = [chat_of(s, receiver) for s in senders]
        stream = TimedStream(f"{suite.database_url}/userChats/{receiver.uid}.json",
                             {"ns": suite.ns, "auth": receiver.id_token})
        try:
            wait_for(lambda: stream.events, 10, "the chat list's first put")

            def send(index: int) -> None:
                session = requests.Session()
                for n in range(PER_SENDER):
                    r = post_message(suite, session, senders[index], chats[index], f"m{n}")
                    assert r.status_code == 200, r.text
            threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)

            def settled() -> bool:
                entries = admin_get(suite, f"userChats/{receiver.uid}") or {}
                return all(len((entries.get(c) or {}).get("unreadIds") or {}) >= PER_SENDER
                           for c in chats)
            wait_for(settled, 60, "every unread id")
            sizes = [len(json.dumps(data)) for _, kind, data in stream.events[1:]]
            # one message: its id and its preview, ~300 bytes; a prune adds the nulls of the
            # keys it deletes (~70 bytes each: a few, more after a long run without a prune)
            assert sizes and sum(sizes) / (2 * PER_SENDER) < 500, sizes
            # Triggers running at once share a write (update_batch.py), and a prune deletes
            # every key past the bound at once, so one event may carry many keys: its size per
            # key it changes (an id or a preview, set or deleted) is what stays small. The old
            # events (whole entries, every unread id so far) change no key at that depth.
            per_key = [size / max(1, _keys_changed(data))
                       for size, (_, _kind, data) in zip(sizes, stream.events[1:], strict=True)]
            assert max(per_key) < 1024, max(per_key)
            # Concurrent triggers prune from snapshots that can miss previews still in flight,
            # so the bound holds once things settle: one more message whose id prunes, sent
            # when every earlier trigger has run, leaves exactly the newest PREVIEWS_KEPT.
            session = requests.Session()
            for index, chat in enumerate(chats):
                for n in range(200):
                    r = post_message(suite, session, senders[index], chat, f"tail{n}")
                    assert r.status_code == 200, r.text
                    key = r.json()["name"]
                    ids_path = f"userChats/{receiver.uid}/{chat}/unreadIds"
                    wait_for(lambda k=key, p=ids_path: k in (admin_get(suite, p) or {}),
                             30, "the tail message's unread id")
                    if prunes_on(key):
                        break
                entry = admin_get(suite, f"userChats/{receiver.uid}/{chat}")
                assert unread_count(entry) == min(PER_SENDER + n + 1, UNREAD_IDS_CAP)
                assert len(entry["previews"]) == PREVIEWS_KEPT, sorted(entry["previews"])
                assert latest_preview(entry)["text"] == f"tail{n}"
        finally:
            stream.close()
        assert UNREAD_IDS_CAP > PER_SENDER  # exact counts here; the cap has its own tests


def _keys_changed(event) -> int:
    """How many unread ids and previews a chat-list event ({"path", "data"}) sets or deletes:
    keys ".../unreadIds/{id}" and ".../previews/{id}", or the ids of a value at ".../previews"
    or ".../unreadIds". A whole entry under a chat's key (what the old events carried, every
    unread id so far) counts none."""
    path, data = event.get("path", ""), event.get("data")
    if not isinstance(data, dict):
        return 0
    count = 0
    for key, value in data.items():
        parts = [p for p in f"{path}/{key}".split("/") if p]
        if len(parts) >= 2 and parts[-2] in ("previews", "unreadIds"):
            count += 1
        elif parts and parts[-1] in ("previews", "unreadIds") and isinstance(value, dict):
            count += len(value)
    return count
