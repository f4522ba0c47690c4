"""The messenger's object layout over real HTTP (requests), with the repo's storage.rules:
group files by capability, thumbnails, refused types, names the app generates, and how a
stranger, a token-less caller, an expired token, forged metadata and a wrong download token
fare against them (issue 17). Direct-chat files are in test_rest.py."""

from __future__ import annotations

import pytest
import requests
from messenger_model import attachments
from messenger_model.push_ids import new_push_id

from .test_rest import as_user, base, enc, upload

GROUP = "g-" + "Q" * 10 + "z" * 10


def group_name(uploader: str = "alice", cap: str | None = None) -> str:
    return attachments.object_path(GROUP, uploader, new_push_id(), "photo.JPG",
                                   cap or attachments.new_capability())


def test_the_app_s_names_pass_the_rules(suite) -> None:
    direct = attachments.object_path("alice_bob", "alice", new_push_id(), "report.final.PDF")
    assert direct.endswith(".pdf") and attachments.is_chat_object(direct)
    group = group_name()
    assert attachments.is_chat_object(group) and attachments.chat_of(group) == GROUP
    for name, ctype in ((direct, "application/pdf"), (group, "image/jpeg")):
        r = upload(suite, name, b"data", content_type=ctype)
        assert r.status_code == 200, r.text
        got = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                           headers=as_user("bob"), timeout=10)
        assert got.status_code == 200 and got.content == b"data"


def test_a_group_file_by_its_name_only(suite) -> None:
    name = group_name()
    assert upload(suite, name, b"secret").status_code == 200
    # anyone signed in who knows the name reads it (the name is the capability) ...
    r = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                     headers=as_user("carol"), timeout=10)
    assert r.status_code == 200
    # ... nobody lists the names, at any level
    for prefix in ("groups/", f"groups/{GROUP}/", "/".join(name.split("/")[:3]) + "/"):
        r = requests.get(base(suite), params={"prefix": prefix, "delimiter": "/"},
                         headers=as_user("alice"), timeout=10)
        assert r.status_code == 403, prefix
        assert "secret" not in r.text and name.split("/")[2] not in r.text
    # no token, an expired one, a wrong download token: refused, no byte of it
    for params, headers in (({"alt": "media"}, {}),
                            ({"alt": "media"}, as_user("alice", ttl=-10)),
                            ({"alt": "media", "token": "0" * 36}, {})):
        r = requests.get(f"{base(suite)}/{enc(name)}", params=params, headers=headers,
                         timeout=10)
        assert r.status_code in (401, 403) and b"secret" not in r.content


def test_a_group_upload_in_another_name_or_over_a_sent_file_is_refused(suite) -> None:
    name = group_name("bob")
    assert upload(suite, name, uid="alice").status_code == 403
    assert upload(suite, name, b"orig", uid="bob",
                  content_type="image/jpeg").status_code == 200
    # replacing it (same name), also with forged metadata, and deleting it as someone else
    r = requests.post(base(suite), params={"name": name}, timeout=10,
                      headers={**as_user("bob"), "Content-Type": "image/jpeg",
                               "X-Goog-Upload-Protocol": "multipart"},
                      data=b"--b\r\nContent-Type: application/json\r\n\r\n"
                           b'{"metadata": {"uploader": "alice"}}\r\n--b\r\n'
                           b"Content-Type: image/jpeg\r\n\r\nforged\r\n--b--")
    assert r.status_code in (400, 403)
    r = requests.patch(f"{base(suite)}/{enc(name)}", json={"contentType": "text/html"},
                       headers=as_user("bob"), timeout=10)
    assert r.status_code == 403
    assert requests.delete(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                           timeout=10).status_code == 403
    got = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                       headers=as_user("bob"), timeout=10)
    assert got.content == b"orig" and got.headers["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("ctype", ["text/html", "image/svg+xml", "application/javascript"])
def test_active_content_is_refused_over_http(suite, ctype) -> None:
    for name in (attachments.object_path("alice_bob", "alice", new_push_id(), "x.html"),
                 group_name()):
        r = upload(suite, name, b"<script>alert(1)</script>", content_type=ctype)
        assert r.status_code == 403, (name, r.text)


def test_clients_cannot_write_thumbnails_the_admin_can(suite) -> None:
    original = attachments.object_path("alice_bob", "alice", new_push_id(), "p.png")
    thumb = attachments.thumb_path(original)
    assert upload(suite, thumb, b"fake thumb", content_type="image/jpeg").status_code == 403
    r = requests.post(base(suite), params={"name": thumb}, data=b"thumb", timeout=10,
                      headers={"Authorization": "Bearer owner", "Content-Type": "image/jpeg"})
    assert r.status_code == 200
    assert requests.get(f"{base(suite)}/{enc(thumb)}", params={"alt": "media"},
                        headers=as_user("bob"), timeout=10).content == b"thumb"
    assert requests.get(f"{base(suite)}/{enc(thumb)}", params={"alt": "media"},
                        headers=as_user("eve"), timeout=10).status_code == 403


@pytest.mark.parametrize("segment", ["..", ".", "", "a%2F..%2F..", "x\x01y", "x\ty"])
def test_path_tricks_in_a_group_name(suite, segment) -> None:
    cap = attachments.new_capability()
    name = f"groups/{GROUP}/{cap}/alice/{segment}/x.jpg"
    r = upload(suite, name)
    assert r.status_code in (400, 403), r.text
    r = requests.post(f"{base(suite)}/{enc(name)}", data=b"x", timeout=10,
                      headers={**as_user("alice"), "Content-Type": "image/jpeg"})
    assert r.status_code in (400, 403), r.text


def test_avatars(suite) -> None:
    name = attachments.avatar_path("alice", new_push_id())
    assert upload(suite, name, b"me", content_type="image/jpeg").status_code == 200
    assert upload(suite, name, b"me", uid="bob", content_type="image/jpeg").status_code == 403
    assert upload(suite, attachments.avatar_path("alice", new_push_id()), b"<svg/>",
                  content_type="image/svg+xml").status_code == 403
    r = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                     headers=as_user("carol"), timeout=10)
    assert r.status_code == 200 and r.content == b"me"
    assert requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                        timeout=10).status_code == 403
