"""The official clients, unchanged: pyrebase4's `storage()` and firebase-admin's
`storage.bucket()` (google-cloud-storage with STORAGE_EMULATOR_HOST)."""

from __future__ import annotations

import io
import itertools
import uuid

import firebase_admin
import pyrebase
import pytest
import requests
from firebase_admin import storage as admin_storage
from google.auth.credentials import AnonymousCredentials
from google.cloud.exceptions import NotFound
from requests.adapters import HTTPAdapter

from tests.database.tokens import unsigned_token

from .support import BUCKET

GOOGLE_STORAGE = "https://firebasestorage.googleapis.com/"
_ids = itertools.count()


class ToEmulator(HTTPAdapter):
    """Sends pyrebase4's requests for Google's storage host to the emulator: the same kind of
    transport adapter the app mounts on pyrebase4's public `Firebase.requests` session for
    the Auth emulator (app/messenger_desktop/firebase/pyrebase_app.py)."""

    def __init__(self, emulator_url: str) -> None:
        super().__init__()
        self.emulator_url = emulator_url.rstrip("/") + "/"

    def send(self, request, **kwargs):
        if request.url.startswith(GOOGLE_STORAGE):
            request.url = self.emulator_url + request.url[len(GOOGLE_STORAGE):]
        return super().send(request, **kwargs)


@pytest.fixture
def firebase(suite):
    app = pyrebase.initialize_app({"apiKey": "fake", "authDomain": "", "databaseURL": "",
                                   "storageBucket": BUCKET})
    app.requests.mount(GOOGLE_STORAGE, ToEmulator(suite.storage_url))
    return app


def test_pyrebase_put_and_download(firebase) -> None:
    token = unsigned_token("alice")
    name = f"chats/alice_bob/alice/{uuid.uuid4().hex}.bin"
    data = bytes(range(256)) * 40
    meta = firebase.storage().child(name).put(io.BytesIO(data), token)
    assert meta["name"] == name and meta["size"] == str(len(data))
    # pyrebase4's download URL with the object's download token (getDownloadURL's kind)
    url = firebase.storage().child(name).get_url(meta["downloadTokens"])
    got = firebase.requests.get(url)
    assert got.status_code == 200 and got.content == data
    # pyrebase4's download(): its URL carries the ID token as ?token=, plus the header;
    # the token is no download token, so the rules decide, with the header's user
    bob = unsigned_token("bob")
    url = firebase.storage().child(name).get_url(bob)
    got = firebase.requests.get(url, headers={"Authorization": "Firebase " + bob})
    assert got.status_code == 200 and got.content == data
    eve = unsigned_token("eve")
    url = firebase.storage().child(name).get_url(eve)
    assert firebase.requests.get(url, headers={"Authorization": "Firebase " + eve}
                                 ).status_code == 403


def test_pyrebase_put_into_another_users_chat_raises(firebase) -> None:
    with pytest.raises(requests.HTTPError) as info:
        firebase.storage().child("chats/bob_carol/eve/x.bin").put(io.BytesIO(b"x"),
                                                                   unsigned_token("eve"))
    assert "No WRITE permission" in str(info.value)


def test_pyrebase_delete(firebase, suite) -> None:
    token = unsigned_token("alice")
    name = f"chats/alice_bob/alice/{uuid.uuid4().hex}.bin"
    firebase.storage().child(name).put(io.BytesIO(b"x"), token)
    firebase.storage().delete(name, token)
    r = requests.get(f"{suite.storage_url}/v0/b/{BUCKET}/o/{requests.utils.quote(name, safe='')}",
                     headers={"Authorization": "Firebase " + token}, timeout=10)
    assert r.status_code == 404


class _Anonymous(firebase_admin.credentials.Base):
    """google-cloud-storage's own choice against an emulator: no credential."""

    def get_credential(self):
        return AnonymousCredentials()


@pytest.fixture
def bucket(suite, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", suite.storage_url)
    app = firebase_admin.initialize_app(_Anonymous(), {"storageBucket": BUCKET,
                                                       "projectId": suite.project_id},
                                        name=f"storage-test-{next(_ids)}")
    yield admin_storage.bucket(app=app)
    firebase_admin.delete_app(app)


def test_admin_upload_download_metadata_delete(bucket, suite) -> None:
    name = f"admin/{uuid.uuid4().hex}/thumb.png"
    blob = bucket.blob(name)
    blob.metadata = {"source": "test"}
    blob.upload_from_string(b"\x89PNG admin", content_type="image/png")
    again = bucket.blob(name)
    again.reload()
    assert again.size == 10 and again.content_type == "image/png"
    assert again.metadata["source"] == "test"
    assert again.metadata["firebaseStorageDownloadTokens"]
    assert again.download_as_bytes() == b"\x89PNG admin"
    again.metadata = {"source": "patched"}
    again.patch()
    assert bucket.get_blob(name).metadata["source"] == "patched"
    # what the admin wrote, a client reads with its download token (the Firebase API)
    token = again.metadata["firebaseStorageDownloadTokens"]
    r = requests.get(f"{suite.storage_url}/v0/b/{BUCKET}/o/{requests.utils.quote(name, safe='')}",
                     params={"alt": "media", "token": token}, timeout=10)
    assert r.content == b"\x89PNG admin"
    again.delete()
    assert not bucket.blob(name).exists()
    with pytest.raises(NotFound):
        bucket.blob(name).download_as_bytes()


def test_admin_list_blobs(bucket) -> None:
    top = f"list-{uuid.uuid4().hex}"
    for leaf in ("a/1", "a/2", "b/3", "c"):
        bucket.blob(f"{top}/{leaf}").upload_from_string(leaf.encode())
    assert [b.name for b in bucket.list_blobs(prefix=f"{top}/")] == \
        [f"{top}/a/1", f"{top}/a/2", f"{top}/b/3", f"{top}/c"]
    listing = bucket.list_blobs(prefix=f"{top}/", delimiter="/")
    assert [b.name for b in listing] == [f"{top}/c"]
    assert listing.prefixes == {f"{top}/a/", f"{top}/b/"}
    paged = list(bucket.list_blobs(prefix=f"{top}/", max_results=2))
    assert len(paged) == 2
    assert len(list(bucket.list_blobs(prefix=f"{top}/", page_size=1))) == 4


def test_admin_large_upload_goes_resumable(bucket) -> None:
    # google-cloud-storage uploads more than 8 MB with a resumable session, in chunks
    name = f"big/{uuid.uuid4().hex}.bin"
    data = bytes(range(256)) * (9 * 4096 + 7)
    blob = bucket.blob(name, chunk_size=4 * 1024 * 1024)
    blob.upload_from_string(data)
    assert bucket.blob(name).download_as_bytes() == data
    assert bucket.blob(name).download_as_bytes(start=10, end=19) == data[10:20]


def test_pyrebase_put_of_a_file_and_download_to_a_file(firebase, tmp_path) -> None:
    token = unsigned_token("bob")
    name = f"chats/alice_bob/bob/{uuid.uuid4().hex}.jpg"
    source = tmp_path / "photo.jpg"
    source.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 100)
    # an open file (given a path, pyrebase4 opens the file and never closes it)
    with open(source, "rb") as handle:
        meta = firebase.storage().child(name).put(handle, token)
    assert meta["size"] == str(source.stat().st_size)
    url = firebase.storage().child(name).get_url(meta["downloadTokens"])
    target = tmp_path / "copy.jpg"
    with firebase.requests.get(url, stream=True) as answer:
        assert answer.status_code == 200
        with open(target, "wb") as out:
            for chunk in answer.iter_content(65536):
                out.write(chunk)
    assert target.read_bytes() == source.read_bytes()


def test_admin_preconditions_make_create_only_uploads(bucket) -> None:
    from google.api_core.exceptions import PreconditionFailed

    name = f"once/{uuid.uuid4().hex}"
    bucket.blob(name).upload_from_string(b"first", if_generation_match=0)
    with pytest.raises(PreconditionFailed):
        bucket.blob(name).upload_from_string(b"second", if_generation_match=0)
    blob = bucket.get_blob(name)
    assert blob.download_as_bytes() == b"first"
    with pytest.raises(PreconditionFailed):
        blob.delete(if_generation_match=blob.generation + 1)
    with pytest.raises(PreconditionFailed):
        bucket.blob(name).download_as_bytes(if_generation_match=blob.generation + 1)
    bucket.blob(name).upload_from_string(b"third", if_generation_match=blob.generation)
    assert bucket.blob(name).download_as_bytes() == b"third"
    big = f"once/{uuid.uuid4().hex}"
    bucket.blob(big).upload_from_string(b"x", if_generation_match=0)
    with pytest.raises(PreconditionFailed):   # resumable (over 8 MB): checked at the end
        bucket.blob(big, chunk_size=4 * 1024 * 1024).upload_from_string(
            b"y" * (9 * 1024 * 1024), if_generation_match=0)
    assert bucket.blob(big).download_as_bytes() == b"x"
