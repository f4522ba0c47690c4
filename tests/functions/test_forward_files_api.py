"""`POST /forward_message` of a message with a picture or a file (issue 16), over real HTTP
against the suite with the Storage emulator: the `api` copies the object (Cloud Storage's
rewrite through firebase-admin) under the target chat's prefix as the forwarder's, the
receivers read the copy under storage.rules, and every refusal is a 4xx {"detail"}."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from messenger_model import attachments
from messenger_model.chats import new_group_id
from messenger_model.push_ids import new_push_id

from .stack import Stack, admin_get, chat_of, register, running_stack

SV = {".sv": "timestamp"}
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but bytes to compare"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(with_storage=True) as running:
        yield running


def _object_url(stack: Stack, path: str) -> str:
    bucket = f"{stack.suite.project_id}.appspot.com"
    return f"{stack.suite.storage_url}/v0/b/{bucket}/o/{requests.utils.quote(path, safe='')}"


def _read(stack: Stack, user, path: str) -> requests.Response:
    return requests.get(_object_url(stack, path), params={"alt": "media"}, timeout=10,
                        headers={"Authorization": f"Firebase {user.id_token}"})


def _upload_and_send(stack: Stack, user, chat: str, caption: str, data: bytes = PHOTO,
                     name: str = "cat.jpg", cap: str = "") -> tuple[str, dict[str, Any]]:
    """As the app does: the object first (Firebase Storage API, under the rules), then the
    message (database REST, under the rules)."""
    message_id = new_push_id()
    path = attachments.object_path(chat, user.uid, message_id, name, cap)
    bucket = f"{stack.suite.project_id}.appspot.com"
    up = requests.post(f"{stack.suite.storage_url}/v0/b/{bucket}/o", params={"name": path},
                       data=data, timeout=10,
                       headers={"Authorization": f"Firebase {user.id_token}",
                                "Content-Type": "image/jpeg"})
    assert up.status_code == 200, up.text
    att = {"path": path, "name": name, "size": len(data), "contentType": "image/jpeg",
           "thumb": attachments.thumb_path(path), "width": 40, "height": 30}
    sent = user.db("PUT", f"messages/{chat}/{message_id}",
                   json={"sender": user.uid, "text": caption, "ts": SV, "attachment": att})
    assert sent.status_code == 200, sent.text
    return message_id, att


@pytest.fixture(scope="module")
def world(stack) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:6]
    alice, bob, carol, eve = (register(stack, f"fwdf-{name}-{tag}@example.com")
                              for name in ("alice", "bob", "carol", "eve"))
    group = new_group_id()  # alice and bob
    reply = requests.put(f"{stack.database_url}/chats/{group}.json", params={"ns": stack.ns},
                         headers={"Authorization": "Bearer owner"}, timeout=30, json={
                             "type": "group", "name": "team", "createdAt": 1,
                             "createdBy": alice.uid,
                             "members": {alice.uid: "owner", bob.uid: "member"},
                             "joinedAt": {alice.uid: 1, bob.uid: 1}})
    assert reply.status_code == 200, reply.text
    return {"alice": alice, "bob": bob, "carol": carol, "eve": eve,
            "AB": chat_of(alice.uid, bob.uid), "BC": chat_of(bob.uid, carol.uid), "G": group}


def _error(reply: requests.Response, status: int) -> str:
    assert reply.status_code == status, (reply.status_code, reply.text)
    body = reply.json()
    assert set(body) == {"detail"} and body["detail"], body
    return body["detail"]


def test_a_photo_is_copied_into_the_target_chat(stack, world) -> None:
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    ab, bc = world["AB"], world["BC"]
    original_id, att = _upload_and_send(stack, alice, ab, "look")
    assert _read(stack, carol, att["path"]).status_code == 403  # not hers to read
    done = bob.api("POST", "/forward_message", json={
        "from_chat_id": ab, "message_id": original_id, "to_chat_id": bc})
    assert done.status_code == 200, done.text
    new_id = done.json()["message_id"]
    assert done.json()["chat_id"] == bc
    copy = admin_get(stack, f"messages/{bc}/{new_id}")
    assert copy["sender"] == bob.uid and copy["text"] == "look"
    assert copy["forwardedFrom"] == {"sender": alice.uid, "chatId": ab,
                                     "messageId": original_id}
    new = copy["attachment"]
    assert new["path"] == attachments.object_path(bc, bob.uid, new_id, "cat.jpg")
    assert new["thumb"] == attachments.thumb_path(new["path"])
    assert {k: new[k] for k in ("name", "size", "contentType", "width", "height")} == \
        {k: att[k] for k in ("name", "size", "contentType", "width", "height")}
    # carol reads the copy under storage.rules; the original stays as it was
    got = _read(stack, carol, new["path"])
    assert got.status_code == 200 and got.content == PHOTO
    assert _read(stack, alice, att["path"]).content == PHOTO
    # the copy has its own download token, not the original's
    meta_new = requests.get(_object_url(stack, new["path"]), timeout=10,
                            headers={"Authorization": f"Firebase {carol.id_token}"}).json()
    meta_old = requests.get(_object_url(stack, att["path"]), timeout=10,
                            headers={"Authorization": f"Firebase {alice.id_token}"}).json()
    assert meta_new["downloadTokens"] and meta_new["downloadTokens"] != meta_old["downloadTokens"]
    # the message is what a client's own forward would be: a member of the source may write
    # the same value under the rules (so the app and the api agree)
    same = bob.db("PUT", f"messages/{bc}/{new_push_id()}", json={**copy, "ts": SV})
    assert same.status_code == 200, same.text


def test_a_file_of_a_group_is_forwarded_into_another_group_s_prefix(stack, world) -> None:
    alice, bob, group = world["alice"], world["bob"], world["G"]
    original_id, att = _upload_and_send(stack, alice, group, "", b"%PDF-1.4 report",
                                        "report.pdf", attachments.new_capability())
    done = bob.api("POST", "/forward_message", json={
        "from_chat_id": group, "message_id": original_id, "to_chat_id": world["BC"]})
    assert done.status_code == 200, done.text
    new = admin_get(stack, f"messages/{world['BC']}/{done.json()['message_id']}")["attachment"]
    assert new["path"].startswith(f"chats/{world['BC']}/{bob.uid}/")
    assert _read(stack, world["carol"], new["path"]).content == b"%PDF-1.4 report"
    into_group = alice.api("POST", "/forward_message", json={
        "from_chat_id": world["AB"], "message_id": _upload_and_send(
            stack, alice, world["AB"], "x")[0], "to_chat_id": group})
    assert into_group.status_code == 200, into_group.text
    copied = admin_get(stack, f"messages/{group}/{into_group.json()['message_id']}")
    assert attachments.group_object(copied["attachment"]["path"]) == (group, alice.uid)
    assert _read(stack, bob, copied["attachment"]["path"]).content == PHOTO


def test_refusals(stack, world) -> None:
    alice, bob, carol, eve = (world[k] for k in ("alice", "bob", "carol", "eve"))
    ab, bc = world["AB"], world["BC"]
    original_id, att = _upload_and_send(stack, alice, ab, "")
    body = {"from_chat_id": ab, "message_id": original_id, "to_chat_id": bc}
    before = admin_get(stack, f"messages/{bc}") or {}
    _error(eve.api("POST", "/forward_message", json=body), 403)
    _error(carol.api("POST", "/forward_message", json=body), 403)  # not in alice_bob
    _error(alice.api("POST", "/forward_message", json=body), 403)  # not in bob_carol
    # a message naming an object of another chat (written past the rules) is not copied
    odd = new_push_id()
    requests.put(f"{stack.database_url}/messages/{ab}/{odd}.json", params={"ns": stack.ns},
                 headers={"Authorization": "Bearer owner"}, timeout=30, json={
                     "sender": alice.uid, "text": "", "ts": SV,
                     "attachment": {**att, "path": f"chats/{bc}/{bob.uid}/secret.jpg"}})
    _error(bob.api("POST", "/forward_message", json={**body, "message_id": odd}), 400)
    # the original's object deleted by its sender: 404, and nothing is written
    gone = requests.delete(_object_url(stack, att["path"]), timeout=10,
                           headers={"Authorization": f"Firebase {alice.id_token}"})
    assert gone.status_code == 204, gone.text
    assert "no longer available" in _error(bob.api("POST", "/forward_message", json=body), 404)
    assert (admin_get(stack, f"messages/{bc}") or {}) == before


def test_client_forwards_of_a_file_under_the_real_rules(stack, world) -> None:
    """The app's own forward (upload again, then the message) over REST, and the attacks on
    it: a chat the writer is not in, a forged file, the original's object named again."""
    alice, bob, carol = world["alice"], world["bob"], world["carol"]
    ab, bc = world["AB"], world["BC"]
    original_id, att = _upload_and_send(stack, alice, ab, "look")
    source = {"sender": alice.uid, "chatId": ab, "messageId": original_id}
    # bob's copy: his own upload under bob_carol's prefix
    copy_id, copy = _upload_and_send(stack, bob, bc, "scratch")  # an object of his there
    requests.delete(f"{stack.database_url}/messages/{bc}/{copy_id}.json",
                    params={"ns": stack.ns}, headers={"Authorization": "Bearer owner"},
                    timeout=30)  # keep the object, not its message

    def write(user, chat: str, attachment: dict, text: str = "look",
              origin: dict = source) -> int:
        value = {"sender": user.uid, "text": text, "ts": SV, "forwardedFrom": origin,
                 "attachment": attachment}
        return user.db("PUT", f"messages/{chat}/{new_push_id()}", json=value).status_code

    assert write(bob, bc, copy) == 200
    # carol is not in alice_bob: she cannot forward (so learn) alice's file
    carol_copy = {**copy, "path": copy["path"].replace(f"/{bob.uid}/", f"/{carol.uid}/"),
                  "thumb": attachments.thumb_path(
                      copy["path"].replace(f"/{bob.uid}/", f"/{carol.uid}/"))}
    assert write(carol, bc, carol_copy) == 401
    # the original's object, in alice_bob's prefix, named from bob_carol
    assert write(bob, bc, att) == 401
    # a forged file: another size or type than the original's; or no file at all
    assert write(bob, bc, {**copy, "size": copy["size"] + 1}) == 401
    assert write(bob, bc, {**copy, "contentType": "application/pdf"}) == 401
    no_file = {"sender": bob.uid, "text": "look", "ts": SV, "forwardedFrom": source}
    assert bob.db("PUT", f"messages/{bc}/{new_push_id()}", json=no_file).status_code == 401
    # a forged caption
    assert write(bob, bc, copy, text="alice says: send money") == 401
