"""on_message_written for messages changed in place (issue 16): an edit or a reaction is not a
new message (no unread id), an edit updates the previews that show the message, a deletion
still removes them; exact under redelivery and any delivery order.

Messages, edits and reactions are written straight into the database as the desktop client
writes them (through the rules). The trigger runs in the suite's functions host; `deliver`
also posts CloudEvents to functions-framework's on_message_written app directly, to replay
late, repeated or reordered events and know when they were handled.
"""

from __future__ import annotations

from typing import Any

import requests

from .stack import Triggers, admin_get, chat_of, unread_count, wait_for
from .test_trigger import MARK_READ, SV, _send
from .test_trigger import deliver as _deliver_fixture

# test_trigger's fixture (POSTs a written CloudEvent to the trigger's own app), shared here
deliver = _deliver_fixture


def _entry(stack, uid: str, chat: str) -> dict[str, Any]:
    return admin_get(stack, f"userChats/{uid}/{chat}") or {}


def _preview(stack, uid: str, chat: str, message_id: str) -> Any:
    return _entry(stack, uid, chat).get("previews", {}).get(message_id)


def _edit(user, chat: str, message_id: str, text: str) -> tuple[dict, dict]:
    """The client's edit; (the message before, the message after)."""
    stack = user.stack
    before = admin_get(stack, f"messages/{chat}/{message_id}")
    reply = user.db("PATCH", f"messages/{chat}/{message_id}", json={"text": text, "editedAt": SV})
    assert reply.status_code == 200, reply.text
    after = admin_get(stack, f"messages/{chat}/{message_id}")
    Triggers(stack).changed(chat, message_id, before, {"text": text,
                                                      "editedAt": after["editedAt"]})
    return before, after


def test_an_edit_updates_the_previews_and_is_not_unread(stack, new_user, deliver) -> None:
    alice, bob = new_user("e-alice"), new_user("e-bob")
    chat = chat_of(alice.uid, bob.uid)
    message_id = _send(alice, chat, "see you at 5")
    wait_for(lambda: unread_count(_entry(stack, bob.uid, chat)) == 1)
    assert bob.db("PATCH", f"userChats/{bob.uid}/{chat}", json=MARK_READ).status_code == 200

    before, after = _edit(alice, chat, message_id, "see you at 6")
    for uid in (alice.uid, bob.uid):
        wait_for(lambda uid=uid: (_preview(stack, uid, chat, message_id) or {}).get("text")
                 == "see you at 6")
        assert _preview(stack, uid, chat, message_id) == {
            "text": "see you at 6", "sender": alice.uid, "ts": after["ts"],
            "editedAt": after["editedAt"]}
    # handled (by the host, and once more here): still read, no unread id came back
    deliver(chat, message_id, before, {"text": "see you at 6", "editedAt": after["editedAt"]})
    bob_entry = _entry(stack, bob.uid, chat)
    assert unread_count(bob_entry) == 0 and "unreadIds" not in bob_entry
    assert "unreadIds" not in _entry(stack, alice.uid, chat)

    # a deletion after an edit still removes the previews
    assert alice.db("DELETE", f"messages/{chat}/{message_id}").status_code == 200
    Triggers(stack).deleted(chat, message_id, after)
    for uid in (alice.uid, bob.uid):
        wait_for(lambda uid=uid: "previews" not in _entry(stack, uid, chat))
    # ... and the edit's event delivered late does not bring one back
    deliver(chat, message_id, before, {"text": "see you at 6", "editedAt": after["editedAt"]})
    assert all("previews" not in _entry(stack, uid, chat) for uid in (alice.uid, bob.uid))


def test_a_reaction_is_not_a_new_message(stack, new_user, deliver) -> None:
    alice, bob = new_user("x-alice"), new_user("x-bob")
    chat = chat_of(alice.uid, bob.uid)
    message_id = _send(alice, chat, "lunch?")
    wait_for(lambda: unread_count(_entry(stack, bob.uid, chat)) == 1)
    assert bob.db("PATCH", f"userChats/{bob.uid}/{chat}", json=MARK_READ).status_code == 200
    entries = {uid: _entry(stack, uid, chat) for uid in (alice.uid, bob.uid)}
    message = admin_get(stack, f"messages/{chat}/{message_id}")
    for who, emoji in ((bob, "👍"), (alice, "❤️")):
        path = f"messages/{chat}/{message_id}/reactions/{who.uid}"
        assert who.db("PUT", path, json=emoji).status_code == 200
        deliver(chat, message_id, message, {"reactions": {who.uid: emoji}})
        message = admin_get(stack, f"messages/{chat}/{message_id}")
    # the reactions' events were handled (deliver returns when done): no id, no preview change
    later = _send(alice, chat, "at noon")
    wait_for(lambda: unread_count(_entry(stack, bob.uid, chat)) == 1)
    assert set(_entry(stack, bob.uid, chat)["unreadIds"]) == {later}
    for uid, entry in entries.items():
        assert _entry(stack, uid, chat)["previews"][message_id] == entry["previews"][message_id]


def test_out_of_order_and_repeated_events_end_with_the_current_text(
        stack, new_user, deliver) -> None:
    alice, bob = new_user("o-alice"), new_user("o-bob")
    chat = chat_of(alice.uid, bob.uid)
    message_id = _send(alice, chat, "v1")
    wait_for(lambda: _preview(stack, bob.uid, chat, message_id) is not None)
    original = admin_get(stack, f"messages/{chat}/{message_id}")
    v1, v2 = _edit(alice, chat, message_id, "v2")
    _, v3 = _edit(alice, chat, message_id, "v3")
    wait_for(lambda: (_preview(stack, bob.uid, chat, message_id) or {}).get("text") == "v3")
    # the first edit's event, late; the creation's, late: neither puts back an older text
    deliver(chat, message_id, v1, {"text": "v2", "editedAt": v2["editedAt"]})
    deliver(chat, message_id, None, original)
    for uid in (alice.uid, bob.uid):
        assert _preview(stack, uid, chat, message_id) == {
            "text": "v3", "sender": alice.uid, "ts": original["ts"], "editedAt": v3["editedAt"]}
    assert unread_count(_entry(stack, bob.uid, chat)) == 1  # still the one message


def test_an_edit_does_not_bring_back_a_pruned_preview(stack, new_user, deliver) -> None:
    alice, bob = new_user("p-alice"), new_user("p-bob")
    chat = chat_of(alice.uid, bob.uid)
    message_id = _send(alice, chat, "old news")
    wait_for(lambda: _preview(stack, bob.uid, chat, message_id) is not None)
    newer = _send(alice, chat, "newer")
    wait_for(lambda: _preview(stack, bob.uid, chat, newer) is not None)
    # bob's entry pruned the old preview (as the trigger's prune would); alice's kept it
    prune = {f"userChats/{bob.uid}/{chat}/previews/{message_id}": None}
    done = requests.patch(f"{stack.database_url}/.json", params={"ns": stack.ns}, json=prune,
                          headers={"Authorization": "Bearer owner"}, timeout=30)
    assert done.status_code == 200, done.text
    before, after = _edit(alice, chat, message_id, "old news, corrected")
    deliver(chat, message_id, before, {"text": after["text"], "editedAt": after["editedAt"]})
    assert _preview(stack, alice.uid, chat, message_id)["text"] == "old news, corrected"
    assert _preview(stack, bob.uid, chat, message_id) is None
    assert _preview(stack, bob.uid, chat, newer)["text"] == "newer"


def test_group_edits_and_reactions(stack, new_user, deliver) -> None:
    from messenger_model.chats import new_group_id

    alice, bob, dave = new_user("ge-alice"), new_user("ge-bob"), new_user("ge-dave")
    chat = new_group_id()
    group = {"type": "group", "name": "team", "createdAt": 1, "createdBy": alice.uid,
             "members": {alice.uid: "owner", bob.uid: "member"},
             "joinedAt": {alice.uid: 1, bob.uid: 1}}
    made = requests.put(f"{stack.database_url}/chats/{chat}.json", params={"ns": stack.ns},
                        json=group, headers={"Authorization": "Bearer owner"}, timeout=30)
    assert made.status_code == 200, made.text
    message_id = _send(alice, chat, "standup at 10")
    wait_for(lambda: unread_count(_entry(stack, bob.uid, chat)) == 1)
    original = admin_get(stack, f"messages/{chat}/{message_id}")
    assert bob.db("PATCH", f"userChats/{bob.uid}/{chat}", json=MARK_READ).status_code == 200
    # dave joins after the message: he has no preview of it, and an edit gives him none
    joined = requests.patch(f"{stack.database_url}/.json", params={"ns": stack.ns}, json={
        f"chats/{chat}/members/{dave.uid}": "member", f"chats/{chat}/joinedAt/{dave.uid}": SV},
        headers={"Authorization": "Bearer owner"}, timeout=30)
    assert joined.status_code == 200, joined.text

    before, after = _edit(alice, chat, message_id, "standup at 11")
    deliver(chat, message_id, before, {"text": after["text"], "editedAt": after["editedAt"]})
    assert bob.db("PUT", f"messages/{chat}/{message_id}/reactions/{bob.uid}",
                  json="👍").status_code == 200
    deliver(chat, message_id, after, {"reactions": {bob.uid: "👍"}})
    assert "unreadIds" not in _entry(stack, bob.uid, chat)  # neither was a new message
    assert "unreadIds" not in _entry(stack, dave.uid, chat)
    deliver(chat, message_id, None, original)  # the creation, late
    for uid in (alice.uid, bob.uid):
        assert _preview(stack, uid, chat, message_id)["text"] == "standup at 11"
    assert _preview(stack, dave.uid, chat, message_id) is None
    bob_entry = _entry(stack, bob.uid, chat)
    # the late creation puts its id back (ts <= readAt: read); the edit and the reaction none
    assert unread_count(bob_entry) == 0
    assert set(bob_entry.get("unreadIds", {})) <= {message_id}
