"""`POST /set_group_avatar` over real HTTP (issue 17): only a group's owner or admins name its
picture, only an object they uploaded to that group, and only once it is uploaded (a name
with nothing stored there is a 404: no group shows a broken picture); the record and every
member's entry carry it; "" removes it. Strangers, plain members and forged paths are
refused. The stack runs the Storage emulator: pictures are uploaded as the app does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import requests

from .stack import Stack, admin_get, register, running_stack

CAP = "Abcdefghijklmnopqrstuv12"


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    with running_stack(with_storage=True) as running:
        yield running


def _upload(stack: Stack, user, path: str) -> None:
    """As the app does: the Firebase Storage API, under storage.rules, as the user."""
    bucket = f"{stack.suite.project_id}.appspot.com"
    up = requests.post(f"{stack.suite.storage_url}/v0/b/{bucket}/o", params={"name": path},
                       data=b"\x89PNG not really", timeout=10,
                       headers={"Authorization": f"Firebase {user.id_token}",
                                "Content-Type": "image/png"})
    assert up.status_code == 200, up.text


@pytest.fixture(scope="module")
def people(stack):
    return {name: register(stack, f"gav-{name}-{uuid.uuid4().hex[:6]}@example.com")
            for name in ("olga", "adam", "eve")}


def test_set_group_avatar(stack, people) -> None:
    olga, adam, eve = people["olga"], people["adam"], people["eve"]
    reply = olga.api("POST", "/create_group", json={"name": "team", "members": [adam.uid]})
    assert reply.status_code == 200, reply.text
    chat = reply.json()["chat_id"]
    other = olga.api("POST", "/create_group", json={"name": "other", "members": []}).json()
    mine = f"groups/{chat}/{CAP}/{olga.uid}/p-{uuid.uuid4().hex[:8]}.jpg"

    def set_avatar(user, path: str, chat_id: str = chat) -> requests.Response:
        return user.api("POST", "/set_group_avatar", json={"chat_id": chat_id, "path": path})

    # named before it is uploaded (or after a failed upload): nothing to show, so refused
    reply = set_avatar(olga, mine)
    assert reply.status_code == 404, reply.text
    assert set(reply.json()) == {"detail"}
    assert admin_get(stack, f"chats/{chat}/avatar") is None
    _upload(stack, olga, mine)
    reply = set_avatar(olga, mine)
    assert reply.status_code == 200, reply.text
    assert admin_get(stack, f"chats/{chat}/avatar") == mine
    for user in (olga, adam):
        assert admin_get(stack, f"userChats/{user.uid}/{chat}/group") == {
            "name": "team", "avatar": mine}
    # refused: a plain member, a stranger, an unknown group
    assert set_avatar(adam, f"groups/{chat}/{CAP}/{adam.uid}/a.jpg").status_code == 403
    assert set_avatar(eve, f"groups/{chat}/{CAP}/{eve.uid}/a.jpg").status_code == 403
    assert set_avatar(olga, mine, "g-ZZZZZZZZZZZZZZZZZZZZ").status_code == 404
    # refused: any path but one of the caller's own uploads to this group
    for bad in (f"groups/{other['chat_id']}/{CAP}/{olga.uid}/a.jpg",  # another group's
                f"groups/{chat}/{CAP}/{adam.uid}/a.jpg",  # someone else's upload
                f"avatars/{olga.uid}/a.jpg", f"chats/{chat}/{olga.uid}/a.jpg",
                f"groups/{chat}/{CAP}/{olga.uid}/../a.jpg", f"groups/{chat}/short/{olga.uid}/a",
                f"groups/{chat}/{CAP}/{olga.uid}%2Fa.jpg", f"groups/{chat}/{CAP}/{olga.uid}/a\n",
                "x" * 600):
        reply = set_avatar(olga, bad)
        assert reply.status_code == 400, (bad, reply.text)
        assert set(reply.json()) == {"detail"}
    assert admin_get(stack, f"chats/{chat}/avatar") == mine  # nothing changed
    # a member added later gets the picture in their entry too
    reply = olga.api("POST", "/add_members", json={"chat_id": chat, "members": [eve.uid]})
    assert reply.status_code == 200, reply.text
    assert admin_get(stack, f"userChats/{eve.uid}/{chat}/group") == {
        "name": "team", "avatar": mine}
    # removed
    assert set_avatar(olga, "").status_code == 200
    assert admin_get(stack, f"chats/{chat}/avatar") is None
    assert admin_get(stack, f"userChats/{adam.uid}/{chat}/group") == {"name": "team"}


def test_openapi_lists_it(stack) -> None:
    doc = requests.get(f"{stack.api_url}/openapi.json", timeout=30).json()
    assert "/set_group_avatar" in doc["paths"]
    assert "post" in doc["paths"]["/set_group_avatar"]
