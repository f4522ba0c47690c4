"""The Firebase Storage REST API over real HTTP (requests), with the repo's storage.rules:
uploads (media, multipart, resumable), metadata, downloads by rules or token, PATCH, list,
delete, and the adversarial cases of issue 17."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from tests.database.tokens import unsigned_token

from .support import BUCKET

MB = 1024 * 1024


def base(suite) -> str:
    return f"{suite.storage_url}/v0/b/{BUCKET}/o"


def as_user(uid: str, scheme: str = "Firebase", **kw) -> dict:
    return {"Authorization": f"{scheme} {unsigned_token(uid, **kw)}"}


def enc(name: str) -> str:
    return requests.utils.quote(name, safe="")


def chat_name(uploader: str = "alice", chat: str = "alice_bob") -> str:
    return f"chats/{chat}/{uploader}/{uuid.uuid4().hex}.png"


def upload(suite, name: str, data: bytes = b"\x89PNG data", uid: str = "alice",
           content_type: str = "image/png") -> requests.Response:
    return requests.post(base(suite), params={"name": name}, data=data, timeout=30,
                         headers={**as_user(uid), "Content-Type": content_type})


def test_upload_metadata_and_download(suite) -> None:
    name = chat_name()
    r = upload(suite, name, b"hello")
    assert r.status_code == 200, r.text
    meta = r.json()
    assert meta["name"] == name and meta["bucket"] == BUCKET
    assert meta["size"] == "5" and meta["contentType"] == "image/png"
    assert meta["downloadTokens"]
    got = requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("bob"), timeout=10)
    assert got.status_code == 200 and got.json()["md5Hash"] == meta["md5Hash"]
    media = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                         headers=as_user("bob", scheme="Bearer"), timeout=10)
    assert media.status_code == 200 and media.content == b"hello"
    assert media.headers["Content-Type"] == "image/png"
    by_token = requests.get(f"{base(suite)}/{enc(name)}",
                            params={"alt": "media", "token": meta["downloadTokens"]}, timeout=10)
    assert by_token.status_code == 200 and by_token.content == b"hello"


def test_a_wrong_download_token_falls_back_to_the_rules(suite) -> None:
    name = chat_name()
    assert upload(suite, name).status_code == 200
    wrong = requests.get(f"{base(suite)}/{enc(name)}",
                         params={"alt": "media", "token": str(uuid.uuid4())}, timeout=10)
    assert wrong.status_code == 403
    assert wrong.json() == {"error": {"code": 403,
                                      "message": "Permission denied. No READ permission."}}


def test_multipart_upload_carries_metadata(suite) -> None:
    name = chat_name()
    boundary = "b0undary"
    body = (f"--{boundary}\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
            + json.dumps({"name": name, "contentType": "image/jpeg",
                          "metadata": {"width": "10"}})
            + f"\r\n--{boundary}\r\nContent-Type: image/jpeg\r\n\r\n").encode() + \
        b"\xff\xd8jpeg\r\n" + f"\r\n--{boundary}--".encode()
    r = requests.post(base(suite), params={"name": name}, data=body, timeout=10,
                      headers={**as_user("alice"), "X-Goog-Upload-Protocol": "multipart",
                               "Content-Type": f"multipart/related; boundary={boundary}"})
    assert r.status_code == 200, r.text
    assert r.json()["contentType"] == "image/jpeg"
    assert r.json()["metadata"] == {"width": "10"}
    media = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                         headers=as_user("alice"), timeout=10)
    assert media.content == b"\xff\xd8jpeg\r\n"


def test_resumable_upload_in_chunks(suite) -> None:
    name = chat_name()
    data = bytes(range(256)) * 1000
    start = requests.post(base(suite), params={"name": name}, timeout=10,
                          json={"name": name, "contentType": "image/png"},
                          headers={**as_user("alice"), "X-Goog-Upload-Protocol": "resumable",
                                   "X-Goog-Upload-Command": "start"})
    assert start.status_code == 200, start.text
    url = start.headers["X-Goog-Upload-URL"]
    first = requests.post(url, data=data[:100_000], timeout=10,
                          headers={"X-Goog-Upload-Command": "upload",
                                   "X-Goog-Upload-Offset": "0"})
    assert first.status_code == 200 and first.headers["X-Goog-Upload-Status"] == "active"
    # not an object until finalized
    assert requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                        timeout=10).status_code == 404
    query = requests.post(url, headers={"X-Goog-Upload-Command": "query"}, timeout=10)
    assert query.headers["X-Goog-Upload-Size-Received"] == "100000"
    last = requests.post(url, data=data[100_000:], timeout=10,
                         headers={"X-Goog-Upload-Command": "upload, finalize",
                                  "X-Goog-Upload-Offset": "100000"})
    assert last.status_code == 200, last.text
    assert last.json()["size"] == str(len(data))
    media = requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                         headers=as_user("bob"), timeout=10)
    assert media.content == data


def test_a_cancelled_resumable_upload_never_shows(suite) -> None:
    name = chat_name()
    start = requests.post(base(suite), params={"name": name}, json={}, timeout=10,
                          headers={**as_user("alice"), "X-Goog-Upload-Command": "start"})
    url = start.headers["X-Goog-Upload-URL"]
    requests.post(url, data=b"part", headers={"X-Goog-Upload-Command": "upload"}, timeout=10)
    assert requests.post(url, headers={"X-Goog-Upload-Command": "cancel"},
                         timeout=10).status_code == 200
    late = requests.post(url, data=b"more", timeout=10,
                         headers={"X-Goog-Upload-Command": "upload, finalize"})
    assert late.status_code == 400
    assert requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                        timeout=10).status_code == 404


def test_a_resumable_upload_is_judged_by_the_rules_at_finalize(suite) -> None:
    name = chat_name(uploader="eve", chat="bob_carol")
    start = requests.post(base(suite), params={"name": name}, json={}, timeout=10,
                          headers={**as_user("eve"), "X-Goog-Upload-Command": "start"})
    url = start.headers["X-Goog-Upload-URL"]
    done = requests.post(url, data=b"x", timeout=10,
                         headers={"X-Goog-Upload-Command": "upload, finalize"})
    assert done.status_code == 403
    assert done.json()["error"]["message"] == "Permission denied. No WRITE permission."


def test_list_with_prefix_and_delimiter(suite) -> None:
    chat = "ann_zed"
    names = [f"chats/{chat}/ann/a.png", f"chats/{chat}/ann/b.png", f"chats/{chat}/zed/c.png"]
    for name in names:
        assert upload(suite, name, uid=name.split("/")[2]).status_code == 200
    top = requests.get(base(suite), params={"prefix": f"chats/{chat}/", "delimiter": "/"},
                       headers=as_user("ann"), timeout=10)
    assert top.status_code == 200, top.text
    assert top.json()["prefixes"] == [f"chats/{chat}/ann/", f"chats/{chat}/zed/"]
    assert top.json()["items"] == []
    deep = requests.get(base(suite), params={"prefix": f"chats/{chat}/ann/"},
                        headers=as_user("zed"), timeout=10)
    assert [i["name"] for i in deep.json()["items"]] == names[:2]
    paged = requests.get(base(suite), params={"prefix": f"chats/{chat}/ann/", "maxResults": 1},
                         headers=as_user("zed"), timeout=10).json()
    assert [i["name"] for i in paged["items"]] == names[:1] and paged["nextPageToken"]
    rest = requests.get(base(suite), params={"prefix": f"chats/{chat}/ann/",
                                             "pageToken": paged["nextPageToken"]},
                        headers=as_user("zed"), timeout=10).json()
    assert [i["name"] for i in rest["items"]] == names[1:2]
    stranger = requests.get(base(suite), params={"prefix": f"chats/{chat}/"},
                            headers=as_user("eve"), timeout=10)
    assert stranger.status_code == 403
    assert stranger.json()["error"]["message"] == "Permission denied. No LIST permission."
    bad = requests.get(base(suite), params={"prefix": f"chats/{chat}"},
                       headers=as_user("ann"), timeout=10)
    assert bad.status_code == 400


def test_delete_by_the_uploader_only(suite) -> None:
    name = chat_name()
    assert upload(suite, name).status_code == 200
    r = requests.delete(f"{base(suite)}/{enc(name)}", headers=as_user("bob"), timeout=10)
    assert r.status_code == 403
    r = requests.delete(f"{base(suite)}/{enc(name)}", headers=as_user("alice"), timeout=10)
    assert r.status_code == 204
    gone = requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"), timeout=10)
    assert gone.status_code == 404


# ---- adversarial ---------------------------------------------------------------------------
def test_no_token_is_refused(suite) -> None:
    name = chat_name()
    r = requests.post(base(suite), params={"name": name}, data=b"x", timeout=10)
    assert r.status_code == 403
    assert upload(suite, name).status_code == 200
    assert requests.get(f"{base(suite)}/{enc(name)}", params={"alt": "media"},
                        timeout=10).status_code == 403


def test_an_expired_token_is_refused(suite) -> None:
    r = requests.post(base(suite), params={"name": chat_name()}, data=b"x", timeout=10,
                      headers=as_user("alice", ttl=-10))
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Auth token is expired."


def test_a_token_for_another_project_is_refused(suite) -> None:
    r = requests.post(base(suite), params={"name": chat_name()}, data=b"x", timeout=10,
                      headers=as_user("alice", project_id="someone-else"))
    assert r.status_code == 401


def test_garbage_authorization_headers_are_401_not_500(suite) -> None:
    for header in ("Firebase", "Basic abc", "Firebase not.a.jwt", "Bearer " + "x" * 5000):
        r = requests.post(base(suite), params={"name": chat_name()}, data=b"x", timeout=10,
                          headers={"Authorization": header})
        assert r.status_code == 401, (header[:20], r.status_code, r.text)
        assert r.json()["error"]["code"] == 401


def test_another_users_chat(suite) -> None:
    r = upload(suite, chat_name(uploader="eve", chat="bob_carol"), uid="eve")
    assert r.status_code == 403
    theirs = chat_name(uploader="bob", chat="bob_carol")
    assert upload(suite, theirs, uid="bob").status_code == 200
    assert requests.get(f"{base(suite)}/{enc(theirs)}", params={"alt": "media"},
                        headers=as_user("eve"), timeout=10).status_code == 403
    assert requests.delete(f"{base(suite)}/{enc(theirs)}", headers=as_user("eve"),
                           timeout=10).status_code == 403


def test_uploading_as_the_other_member_is_refused(suite) -> None:
    assert upload(suite, chat_name(uploader="bob"), uid="alice").status_code == 403


def test_forged_metadata_cannot_rewrite_a_sent_file(suite) -> None:
    name = chat_name()
    meta = upload(suite, name).json()
    for uid in ("alice", "bob", "eve"):
        r = requests.patch(f"{base(suite)}/{enc(name)}", json={
            "contentType": "text/html", "metadata": {"firebaseStorageDownloadTokens": "known"}},
            headers=as_user(uid), timeout=10)
        assert r.status_code == 403, uid
    # nor by overwriting it with a new upload of the same name
    assert upload(suite, name, b"replaced").status_code == 403
    after = requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"), timeout=10)
    assert after.json()["downloadTokens"] == meta["downloadTokens"]
    assert after.json()["contentType"] == "image/png"
    # and a client may not mint download tokens
    r = requests.post(f"{base(suite)}/{enc(name)}", params={"create_token": "true"},
                      headers=as_user("alice"), timeout=10)
    assert r.status_code == 403 and r.json()["error"]["message"] == "Missing admin credentials."


@pytest.mark.parametrize("name", [
    "chats/alice_bob/alice/../../bob_carol/bob/x.png",
    "chats/alice_bob/alice/./x.png",
    "chats/alice_bob//alice/x.png",
    "chats/alice_bob/alice/x\x00.png",
    "chats/alice_bob/alice/x\n.png",
    "chats/alice_bob/alice/" + "x" * 1100,
])
def test_bad_names_are_400(suite, name) -> None:
    r = upload(suite, name)
    assert r.status_code == 400, r.text
    assert "Invalid object name" in r.json()["error"]["message"]


def test_encoded_slashes_are_slashes_once(suite) -> None:
    # %2F in the URL is '/', decoded once: the rules see the same path the object gets
    name = chat_name()
    r = requests.post(f"{base(suite)}/{enc(name)}", data=b"x", timeout=10,
                      headers={**as_user("alice"), "Content-Type": "image/png"})
    assert r.status_code == 200 and r.json()["name"] == name
    # a double-encoded slash is a literal '%2F' inside one segment: no path step to escape by
    tricky = "chats/alice_bob/alice%2F..%2F..%2Fbob_carol%2Fbob%2Fx.png"
    r = requests.post(base(suite), params={"name": tricky}, data=b"x", timeout=10,
                      headers=as_user("alice"))
    assert r.status_code == 403
    r = requests.post(f"{base(suite)}/{enc(tricky)}", data=b"x", timeout=10,
                      headers=as_user("alice"))
    assert r.status_code == 403


def test_an_oversized_upload_is_refused_and_leaves_nothing(suite) -> None:
    name = chat_name()
    r = upload(suite, name, b"\0" * (25 * MB + 1))
    assert r.status_code == 403
    assert requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                        timeout=10).status_code == 404
    assert upload(suite, name, b"\0" * (25 * MB)).status_code == 200


def test_a_bad_multipart_body_is_400(suite) -> None:
    r = requests.post(base(suite), params={"name": chat_name()}, data=b"not multipart",
                      timeout=10, headers={**as_user("alice"),
                                           "X-Goog-Upload-Protocol": "multipart",
                                           "Content-Type": "multipart/related; boundary=zz"})
    assert r.status_code == 400 and "multipart" in r.json()["error"]["message"]


def test_the_admin_bypasses_the_rules(suite) -> None:
    name = "anywhere/admin.bin"
    r = requests.post(base(suite), params={"name": name}, data=b"x", timeout=10,
                      headers={"Authorization": "Bearer owner"})
    assert r.status_code == 200
    r = requests.post(f"{base(suite)}/{enc(name)}", params={"create_token": "true"}, timeout=10,
                      headers={"Authorization": "Bearer owner"})
    assert r.status_code == 200 and len(r.json()["downloadTokens"].split(",")) == 2
    # ... but not from a web page (suite/trust.py)
    r = requests.post(base(suite), params={"name": name}, data=b"x", timeout=10,
                      headers={"Authorization": "Bearer owner", "Origin": "https://evil.example"})
    assert r.status_code == 401


def test_oversized_custom_metadata_is_400(suite) -> None:
    name = chat_name()
    boundary = "zz"
    body = (f"--{boundary}\r\nContent-Type: application/json\r\n\r\n"
            + json.dumps({"metadata": {"k": "v" * 9000}})
            + f"\r\n--{boundary}\r\nContent-Type: image/png\r\n\r\nx\r\n--{boundary}--").encode()
    r = requests.post(base(suite), params={"name": name}, data=body, timeout=10,
                      headers={**as_user("alice"), "X-Goog-Upload-Protocol": "multipart",
                               "Content-Type": f"multipart/related; boundary={boundary}"})
    assert r.status_code == 400 and "8192 bytes" in r.json()["error"]["message"]
    r = requests.post(base(suite), params={"name": name}, data=b"{", timeout=10,
                      headers={**as_user("alice"), "X-Goog-Upload-Command": "start"})
    assert r.status_code == 400


def test_a_resumable_upload_whose_token_expired_is_not_finalized(suite) -> None:
    import time

    name = chat_name()
    start = requests.post(base(suite), params={"name": name}, json={}, timeout=10,
                          headers={**as_user("alice", ttl=1), "X-Goog-Upload-Command": "start"})
    assert start.status_code == 200
    time.sleep(1.2)
    done = requests.post(start.headers["X-Goog-Upload-URL"], data=b"x", timeout=10,
                         headers={"X-Goog-Upload-Command": "upload, finalize"})
    assert done.status_code == 401
    assert requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                        timeout=10).status_code == 404


def test_a_client_gone_mid_upload_leaves_no_object(suite) -> None:
    import socket

    name = chat_name()
    host, port = suite.storage_url.removeprefix("http://").split(":")
    head = (f"POST /v0/b/{BUCKET}/o?name={requests.utils.quote(name, safe='/')} HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\nAuthorization: Firebase {unsigned_token('alice')}\r\n"
            "Content-Type: image/png\r\nContent-Length: 1000000\r\n\r\n").encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + b"x" * 1000)      # then the app is killed: the body never ends
    # the emulator still serves, and the name is free
    assert requests.get(f"{base(suite)}/{enc(name)}", headers=as_user("alice"),
                        timeout=10).status_code == 404
    assert upload(suite, name, b"whole").status_code == 200
    assert "Traceback" not in suite.output and "internal error" not in suite.output
