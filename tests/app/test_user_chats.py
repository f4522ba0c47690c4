"""The chat list on the `userChats` layout {unreadIds, readAt, previews} (docs/data-model.md),
and on the earlier {unreadIds, readAt, lastMessage} one, which must keep working.

The entries are written by hand, as the admin, into the real suite, in the small writes the
trigger makes (one multi-path update adding an unread id and its previews, prunes; the
earlier trigger's PUT of one lastMessage), and the signed-in client follows them over its real
stream. No message is written, so the trigger does not run in these tests.
"""

from __future__ import annotations

import time
import uuid

import requests
from messenger_desktop.firebase.db import SERVER_TIMESTAMP
from messenger_desktop.models.chat_list import (
    ChatListModel,
    Roles,
    activity_time,
    counted_unread,
    direct_chat_id,
)
from messenger_desktop.models.presence import ServerClock

from .conftest import Harness, config_for, unique_email

ADMIN = {"Authorization": "Bearer owner"}


class Admin:
    """Admin REST writes into the suite's database (rules bypassed, as the trigger's)."""

    def __init__(self, suite) -> None:
        self.base = suite.database_url
        self.params = {"ns": suite.ns}

    def _call(self, method: str, path: str, value=None, triggers: bool = True):
        params = self.params if triggers else {**self.params, "disableTriggers": "true"}
        r = requests.request(method, f"{self.base}/{path}.json", params=params,
                             headers=ADMIN, json=value, timeout=10)
        r.raise_for_status()
        return r.json()

    def put(self, path: str, value, triggers: bool = True) -> None:
        """`triggers=False`: seed data the trigger must not rewrite afterwards
        (`disableTriggers`, as `firebase database:set --disable-triggers`)."""
        self._call("PUT" if value is not None else "DELETE", path, value, triggers)

    def patch(self, path: str, value: dict) -> None:
        self._call("PATCH", path, value)

    def get(self, path: str):
        return self._call("GET", path)


def _peer(admin: Admin, name: str) -> str:
    uid = f"{name}-{uuid.uuid4().hex[:10]}"
    admin.put(f"users/{uid}", {"email": f"{uid}@example.com", "displayName": name,
                               "createdAt": 1})
    return uid


def _preview(text: str, sender: str, ts: int, mid: str) -> dict:
    return {"text": text, "sender": sender, "ts": ts, "id": mid}


def _signed_in(harness: Harness, suite):
    app = harness.signed_in(config_for(suite), unique_email("me"), name="me")
    shown: list[tuple[str, str, str]] = []
    app.notifier.notify = lambda chat, sender, text: shown.append((chat, sender, text))
    return app, shown


def _settle(harness: Harness, seconds: float = 0.4) -> None:
    """Give a stray event time to arrive (for asserting that something did NOT happen)."""
    end = time.monotonic() + seconds
    harness.until(lambda: time.monotonic() >= end, seconds + 5, "settle")


def test_unread_is_derived_from_ids_newer_than_read_at(qapp) -> None:
    entry = {
        "unreadIds": {"m1": 100, "m2": 200, "m3": 300, "m4": 301, "bad": "x", "flag": True},
        "readAt": 200,
        "lastMessage": _preview("hi", "bob", 301, "m4"),
        "unread": 9, "updatedAt": 99_999,  # the earlier layout's fields: ignored
    }
    # m1 and m2 linger at or before readAt: read, not counted; non-numeric ts are ignored.
    assert counted_unread(entry) == {"m3": 300.0, "m4": 301.0}
    assert counted_unread({"unreadIds": {"m1": 100, "m2": "?"}}) == {"m1": 100.0}  # no readAt
    assert counted_unread({"readAt": 5}) == {} and counted_unread(None) == {}
    assert activity_time(entry) == 301.0
    assert activity_time({"readAt": 7, "unreadIds": {"m": 9}}) == 7.0
    assert activity_time({"unread": 3, "updatedAt": 50}) == 0.0

    model = ChatListModel("me", ServerClock())
    chat = direct_chat_id("me", "bob")
    model.set_chat(chat, entry)
    row = model.row_for_uid("bob")
    assert row is not None and row.unread == 2 and model.total_unread() == 2
    assert row.updated_at == 301.0 and row.last_ts == 301.0 and row.preview == "hi"
    model.set_chat(chat, {"unreadIds": {"m1": 100}, "readAt": 200})  # only a lingering id
    row = model.row_for_uid("bob")
    assert row.unread == 0 and row.updated_at == 200.0 and row.last_ts == 0.0
    assert row.preview == ""


def test_stream_patches_count_unread_and_notify_once(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app, shown = _signed_in(harness, suite)
    me = app.client.uid
    peer = _peer(admin, "Peer")
    chat = direct_chat_id(me, peer)
    chats = app.client.chats
    harness.until(lambda: chats.row_for_uid(peer) is not None, what="peer listed")

    # Ids at or before readAt linger: no badge, no notification; old fields are ignored.
    admin.put(f"userChats/{me}/{chat}", {
        "readAt": 1_000, "unreadIds": {"old1": 900, "old2": 1_000},
        "lastMessage": _preview("old", peer, 1_000, "old2"), "unread": 5, "updatedAt": 7,
    })
    harness.until(lambda: chats.row_for_uid(peer).preview == "old", what="first entry")
    assert chats.row_for_uid(peer).unread == 0 and app.client.chats.total_unread() == 0
    assert not app.window.windowTitle().startswith("(")

    # The trigger's write (a): one root-level multi-path PATCH adding one unread id.
    admin.patch("", {f"userChats/{me}/{chat}/unreadIds/m1": 2_000})
    harness.until(lambda: chats.row_for_uid(peer).unread == 1, what="badge 1")
    harness.until(lambda: app.window.windowTitle().startswith("(1)"), what="title (1)")
    assert chats.index_for_uid(peer).data(Roles.Unread) == 1
    # ... then (b): its preview. One notification, with its text.
    admin.put(f"userChats/{me}/{chat}/lastMessage", _preview("first news", peer, 2_000, "m1"))
    harness.until(lambda: shown, what="notification")
    assert shown == [(chat, "Peer", "first news")]
    assert chats.row_for_uid(peer).preview == "first news"

    # Redelivered (the same id again, the same preview again): nothing new.
    admin.patch("", {f"userChats/{me}/{chat}/unreadIds/m1": 2_000})
    admin.put(f"userChats/{me}/{chat}/lastMessage", _preview("first news", peer, 2_000, "m1"))

    # The other order: preview first, then the id (a plain PATCH below the entry).
    admin.put(f"userChats/{me}/{chat}/lastMessage", _preview("second", peer, 3_000, "m2"))
    harness.until(lambda: chats.row_for_uid(peer).preview == "second", what="preview 2")
    assert len(shown) == 1 and chats.row_for_uid(peer).unread == 1
    admin.patch(f"userChats/{me}/{chat}/unreadIds", {"m2": 3_000})
    harness.until(lambda: chats.row_for_uid(peer).unread == 2, what="badge 2")
    harness.until(lambda: len(shown) == 2, what="second notification")
    assert shown[1] == (chat, "Peer", "second")

    # My own message: a preview, no unread id, no notification.
    admin.put(f"userChats/{me}/{chat}/lastMessage", _preview("my reply", me, 4_000, "m3"))
    harness.until(lambda: chats.row_for_uid(peer).preview_own, what="own preview")

    # A deleted message: its id goes (PATCH to null), the count follows, nothing notified.
    admin.patch("", {f"userChats/{me}/{chat}/unreadIds/m1": None})
    harness.until(lambda: chats.row_for_uid(peer).unread == 1, what="badge back to 1")
    # An id at or before readAt (a trigger that ran just after a mark-read): not counted.
    admin.patch("", {f"userChats/{me}/{chat}/unreadIds/late": 1_000})
    _settle(harness)
    assert chats.row_for_uid(peer).unread == 1
    assert len(shown) == 2
    entry = app.client._trees["chats"][chat]
    assert entry["unreadIds"] == {"old1": 900, "old2": 1_000, "m2": 3_000, "late": 1_000}


def test_last_message_put_updates_preview_and_order(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app, shown = _signed_in(harness, suite)
    me = app.client.uid
    first, second, idle = _peer(admin, "First"), _peer(admin, "Second"), _peer(admin, "Idle")
    chats = app.client.chats
    for uid in (first, second, idle):
        harness.until(lambda u=uid: chats.row_for_uid(u) is not None, what="listed")
    now = int(time.time() * 1000)
    admin.put(f"userChats/{me}/{direct_chat_id(me, first)}",
              {"lastMessage": _preview("from first", first, now - 1_000, "a1"),
               "readAt": now + 2_000})
    admin.put(f"userChats/{me}/{direct_chat_id(me, second)}",
              {"lastMessage": _preview("from second", second, now - 5_000, "b1")})
    admin.put(f"userChats/{me}/{direct_chat_id(me, idle)}", {"readAt": now - 3_000})
    proxy = app.window.messenger.sidebar.proxy

    def order() -> list[str]:
        uids = [proxy.index(r, 0).data(Roles.Uid) for r in range(proxy.rowCount())]
        return [u for u in uids if u in (first, second, idle)]

    # lastMessage.ts, else readAt: first (now-1s), idle (read at now-3s), second (now-5s).
    harness.until(lambda: all(chats.row_for_uid(u).updated_at for u in (first, second, idle)),
                  what="three entries")
    assert order() == [first, idle, second]
    idx = chats.index_for_uid(idle)
    assert idx.data(Roles.LastTs) == 0 and idx.data(Roles.UpdatedAt) == now - 3_000

    admin.put(f"userChats/{me}/{direct_chat_id(me, second)}/lastMessage",
              _preview("  newer\nline ", second, now + 1_000, "b2"))
    harness.until(lambda: order() == [second, first, idle], what="second on top")
    row = chats.row_for_uid(second)
    assert row.preview == "newer line" and row.last_ts == now + 1_000 and row.unread == 0
    assert chats.index_for_uid(second).data(Roles.Preview) == "newer line"
    # The chat's messages all deleted: the preview goes, the order falls back to readAt.
    admin.put(f"userChats/{me}/{direct_chat_id(me, first)}/lastMessage", None)
    harness.until(lambda: chats.row_for_uid(first).preview == "", what="preview removed")
    harness.until(lambda: order() == [first, second, idle], what="readAt order")
    _settle(harness, 0.2)
    assert shown == []  # previews without a new unread id notify nothing


def test_mark_read_sends_exactly_the_new_patch(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app, _shown = _signed_in(harness, suite)
    client = app.client
    me = client.uid
    peer = _peer(admin, "Reader")
    chat = direct_chat_id(me, peer)
    admin.put(f"userChats/{me}/{chat}", {
        "unreadIds": {"m1": 100, "m2": 200},
        "lastMessage": _preview("two", peer, 200, "m2"), "unread": 2, "updatedAt": 200,
    })
    harness.until(lambda: (client.chats.row_for_uid(peer) or None)
                  and client.chats.row_for_uid(peer).unread == 2, what="unread 2")

    sent: list[tuple[str, dict]] = []
    patch = client.db.patch

    async def recording_patch(path: str, value: dict):
        sent.append((path, value))
        return await patch(path, value)

    client.db.patch = recording_patch
    harness.run(client.mark_read(chat))
    # One root multi-path PATCH (docs/data-model.md, "Marking read (extended)"): the unread
    # ids, the read position and my read receipt, together.
    assert sent == [("", {f"userChats/{me}/{chat}/unreadIds": None,
                          f"userChats/{me}/{chat}/readAt": SERVER_TIMESTAMP,
                          f"receipts/{chat}/{me}": SERVER_TIMESTAMP})]
    harness.until(lambda: client.chats.row_for_uid(peer).unread == 0, what="read")
    entry = admin.get(f"userChats/{me}/{chat}")
    assert "unreadIds" not in entry and isinstance(entry["readAt"], int)
    assert admin.get(f"receipts/{chat}/{me}") == entry["readAt"]  # the same server time
    assert entry["readAt"] > 200 and entry["lastMessage"]["id"] == "m2"

    # A trigger that ran just after: an id with ts <= readAt lingers, is not counted, and
    # nothing is sent for it (there is nothing unread).
    admin.patch("", {f"userChats/{me}/{chat}/unreadIds/m3": entry["readAt"] - 1})
    harness.until(lambda: "unreadIds" in client._trees["chats"][chat], what="lingering id")
    assert client.chats.row_for_uid(peer).unread == 0
    harness.run(client.mark_read(chat))
    assert len(sent) == 1


def test_a_burst_through_the_trigger_notifies_each_message_once(harness: Harness, suite) -> None:
    """Real messages, the real trigger: however its writes arrive (ids and previews apart,
    previews overtaken by newer ones), each incoming message is notified once, with its text."""
    config = config_for(suite)
    alice = harness.signed_in(config, unique_email("alice"), name="alice")
    bob, shown = _signed_in(harness, suite)
    a_uid = alice.client.uid
    harness.until(lambda: bob.client.chats.row_for_uid(a_uid) is not None, what="alice listed")
    alice.open_person(bob.client.uid)
    texts = [f"burst {i}" for i in range(4)]
    for text in texts:
        alice.client.current.send(text)
    harness.until(lambda: bob.client.chats.row_for_uid(a_uid).unread == len(texts), 20,
                  what="all four unread")
    harness.until(lambda: len(shown) >= len(texts), 10, what="four notifications")
    _settle(harness, 2.5)  # past PREVIEW_WAIT_S: no late duplicate
    assert sorted(text for _c, _s, text in shown) == texts
    assert bob.client.chats.row_for_uid(a_uid).preview == texts[-1]
    # Bob's own answer: no notification for him.
    bob.open_person(a_uid)
    bob.client.current.send("thanks")
    harness.until(lambda: bob.client.chats.row_for_uid(a_uid).preview == "thanks", 20,
                  what="own preview")
    _settle(harness, 0.5)
    assert len(shown) == len(texts)


def test_the_triggers_one_update_counts_notifies_and_prunes(harness: Harness, suite) -> None:
    """The previews layout: each message one root-level update (its id, its previews); a
    prune deletes old ids and previews in the same update. Counts stay exact below the cap,
    "99+" at it, one notification per message with its own text."""
    from messenger_model.limits import UNREAD_IDS_CAP
    from messenger_model.unread import unread_label

    admin = Admin(suite)
    app, shown = _signed_in(harness, suite)
    me = app.client.uid
    peer = _peer(admin, "Pruned")
    chat = direct_chat_id(me, peer)
    chats = app.client.chats
    harness.until(lambda: chats.row_for_uid(peer) is not None, what="peer listed")
    base = f"userChats/{me}/{chat}"

    def message(i: int, prune_below: int | None = None) -> None:
        mid = f"m{i:04d}"
        update = {f"{base}/unreadIds/{mid}": 1_000 + i,
                  f"{base}/previews/{mid}": {"text": f"news {i}", "sender": peer, "ts": 1_000 + i}}
        if prune_below is not None:
            for j in range(prune_below):
                update[f"{base}/unreadIds/m{j:04d}"] = None
                update[f"{base}/previews/m{j:04d}"] = None
        admin.patch("", update)

    message(0)
    harness.until(lambda: shown == [(chat, "Pruned", "news 0")], what="first notification")
    assert chats.row_for_uid(peer).unread == 1 and chats.row_for_uid(peer).preview == "news 0"
    message(1)
    message(2)
    harness.until(lambda: len(shown) == 3, what="three notifications")
    assert [text for _c, _s, text in shown] == ["news 0", "news 1", "news 2"]
    assert chats.row_for_uid(peer).preview == "news 2"
    message(2)  # redelivered: nothing new
    _settle(harness)
    assert len(shown) == 3 and chats.row_for_uid(peer).unread == 3

    # up to the cap and over it, with a prune on the way: "99+"
    for i in range(3, UNREAD_IDS_CAP + 10):
        message(i)
    message(UNREAD_IDS_CAP + 10, prune_below=11)
    harness.until(lambda: chats.row_for_uid(peer).preview == f"news {UNREAD_IDS_CAP + 10}",
                  what="last preview")
    assert chats.row_for_uid(peer).unread == UNREAD_IDS_CAP
    assert unread_label(chats.index_for_uid(peer).data(Roles.Unread)) == "99+"
    # deleting the newest message: the next preview shows, the count follows
    admin.patch("", {f"{base}/unreadIds/m{UNREAD_IDS_CAP + 10:04d}": None,
                     f"{base}/previews/m{UNREAD_IDS_CAP + 10:04d}": None})
    harness.until(lambda: chats.row_for_uid(peer).preview == f"news {UNREAD_IDS_CAP + 9}",
                  what="previous preview")
    assert chats.row_for_uid(peer).unread == UNREAD_IDS_CAP - 1
