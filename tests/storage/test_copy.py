"""Copying objects with firebase-admin's storage (google-cloud-storage, unchanged) against
the Storage emulator: Blob.rewrite (`rewriteTo`) and Bucket.copy_blob (`copyTo`), as the
`api` function's forward_message uses them."""

from __future__ import annotations

import uuid

import pytest
import requests
from google.api_core.exceptions import PreconditionFailed
from google.cloud.exceptions import NotFound

from .support import BUCKET
from .test_clients import bucket  # noqa: F401  (the fixture)


def _source(bucket, data: bytes = b"\xff\xd8\xff photo"):  # noqa: F811
    blob = bucket.blob(f"copy/{uuid.uuid4().hex}/a.jpg")
    blob.metadata = {"who": "anna"}
    blob.cache_control = "private, max-age=60"
    blob.upload_from_string(data, content_type="image/jpeg")
    return bucket.get_blob(blob.name)


def test_rewrite_copies_bytes_and_metadata_into_a_new_object(bucket, suite) -> None:  # noqa: F811
    source = _source(bucket)
    target = bucket.blob(f"copy/{uuid.uuid4().hex}/b.jpg")
    token, done, total = target.rewrite(source, if_generation_match=0)
    assert token is None and done == total == source.size
    got = bucket.get_blob(target.name)
    assert got.download_as_bytes() == b"\xff\xd8\xff photo"
    assert (got.content_type, got.cache_control, got.md5_hash) == (
        "image/jpeg", "private, max-age=60", source.md5_hash)
    assert got.metadata["who"] == "anna"
    assert got.generation != source.generation or got.name != source.name
    # the body's fields win: here a fresh download token, so the copy's link is its own
    fresh = str(uuid.uuid4())
    other = bucket.blob(f"copy/{uuid.uuid4().hex}/c.jpg")
    other.metadata = {"firebaseStorageDownloadTokens": fresh}
    other.rewrite(source)
    again = bucket.get_blob(other.name)
    assert again.metadata == {"who": "anna", "firebaseStorageDownloadTokens": fresh}
    quoted = requests.utils.quote(other.name, safe="")
    r = requests.get(f"{suite.storage_url}/v0/b/{BUCKET}/o/{quoted}",
                     params={"alt": "media", "token": fresh}, timeout=10)
    assert r.status_code == 200 and r.content == b"\xff\xd8\xff photo"
    # the source is untouched
    assert bucket.get_blob(source.name).generation == source.generation


def test_copy_blob(bucket) -> None:  # noqa: F811
    source = _source(bucket, b"file bytes")
    new = bucket.copy_blob(source, bucket, f"copy/{uuid.uuid4().hex}/d.jpg")
    assert new.size == 10 and new.content_type == "image/jpeg"
    assert bucket.blob(new.name).download_as_bytes() == b"file bytes"


def test_copy_preconditions_and_a_missing_source(bucket) -> None:  # noqa: F811
    source = _source(bucket)
    taken = bucket.blob(f"copy/{uuid.uuid4().hex}/e.jpg")
    taken.upload_from_string(b"already here")
    with pytest.raises(PreconditionFailed):   # create-only: the name is taken
        bucket.blob(taken.name).rewrite(source, if_generation_match=0)
    assert bucket.blob(taken.name).download_as_bytes() == b"already here"
    with pytest.raises(PreconditionFailed):
        bucket.blob(f"copy/{uuid.uuid4().hex}").rewrite(
            source, if_source_generation_match=source.generation + 1)
    gone = bucket.blob(f"copy/{uuid.uuid4().hex}/none.jpg")
    with pytest.raises(NotFound):
        bucket.blob(f"copy/{uuid.uuid4().hex}/f.jpg").rewrite(gone)
    with pytest.raises(NotFound):
        bucket.copy_blob(gone, bucket, f"copy/{uuid.uuid4().hex}/g.jpg")
