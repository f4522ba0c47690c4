"""The thumbnail function (issue 17): Pillow on the finalize event, through the real suite
(Storage emulator -> functions host -> google-cloud-storage back to the emulator)."""

from __future__ import annotations

import io
import time

import pytest
import requests
from messenger_model import attachments
from messenger_model.push_ids import new_push_id
from PIL import Image

from tests.database.tokens import unsigned_token
from tests.support.suite import running_suite

from .stack import FUNCTIONS, REPO, RULES

BUCKET = "demo-messenger.appspot.com"


def picture(width: int, height: int, fmt: str = "JPEG", mode: str = "RGB",
            orientation: int = 0) -> bytes:
    img = Image.new(mode, (width, height), (200, 30, 30) if mode == "RGB" else (200, 30, 30, 0))
    img.paste((0, 0, 255) if mode == "RGB" else (0, 0, 255, 255),
              (0, 0, width // 2, height // 4))  # a marker: top-left quarter-band is blue
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    img.save(out, fmt, exif=exif.tobytes()) if fmt == "JPEG" else img.save(out, fmt)
    return out.getvalue()


def test_make_thumbnail_scales_rotates_and_strips() -> None:
    from messenger_functions.thumbnails import make_thumbnail

    # orientation 6: the stored 800x400 picture is shown rotated 90° clockwise (400x800)
    data, w, h = make_thumbnail(picture(800, 400, orientation=6))
    assert (w, h) == (160, 320)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "JPEG" and img.size == (160, 320)
        assert not img.getexif()  # nothing of the original's metadata
        # the blue band (top-left of the stored picture) is now at the top right
        assert img.getpixel((150, 10))[2] > 200 and img.getpixel((10, 10))[0] > 150
    data, w, h = make_thumbnail(picture(100, 50, "PNG", "RGBA"))  # small: not enlarged
    assert (w, h) == (100, 50)
    with Image.open(io.BytesIO(data)) as img:
        assert img.getpixel((90, 40)) == pytest.approx((255, 255, 255), abs=3)  # alpha on white


@pytest.mark.parametrize("data", [b"", b"not a picture", picture(10, 10)[:40]])
def test_make_thumbnail_refuses_what_it_cannot_decode(data) -> None:
    from messenger_functions.thumbnails import make_thumbnail

    with pytest.raises(ValueError):
        make_thumbnail(data)


def test_a_decompression_bomb_is_not_decoded() -> None:
    from messenger_functions.thumbnails import make_thumbnail

    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")  # 100 MP in ~15 KB
    assert len(out.getvalue()) < 100_000
    with pytest.raises(ValueError, match="too large"):
        make_thumbnail(out.getvalue())


def _get(suite, name: str, uid: str = "bob") -> requests.Response:
    quoted = requests.utils.quote(name, safe="")
    return requests.get(f"{suite.storage_url}/v0/b/{BUCKET}/o/{quoted}",
                        params={"alt": "media"}, timeout=10,
                        headers={"Authorization": f"Firebase {unsigned_token(uid)}"})


def test_the_finalize_trigger_writes_the_thumbnail_members_read() -> None:
    with running_suite(only=("database", "storage", "functions"), rules=RULES,
                       storage_rules=REPO / "storage.rules", functions_source=FUNCTIONS) as suite:
        auth = {"Authorization": f"Firebase {unsigned_token('alice')}"}
        base = f"{suite.storage_url}/v0/b/{BUCKET}/o"
        name = attachments.object_path("alice_bob", "alice", new_push_id(), "p.jpg")
        not_image = attachments.object_path("alice_bob", "alice", new_push_id(), "p.pdf")
        r = requests.post(base, params={"name": not_image}, data=b"%PDF-1.4", timeout=10,
                          headers={**auth, "Content-Type": "application/pdf"})
        assert r.status_code == 200, r.text
        started = time.monotonic()
        r = requests.post(base, params={"name": name}, data=picture(2000, 1500), timeout=10,
                          headers={**auth, "Content-Type": "image/jpeg"})
        assert r.status_code == 200, r.text
        thumb = attachments.thumb_path(name)
        deadline = started + 30
        while _get(suite, thumb).status_code == 404 and time.monotonic() < deadline:
            time.sleep(0.05)
        got = _get(suite, thumb)
        assert got.status_code == 200, got.text
        assert got.headers["Content-Type"] == "image/jpeg"
        with Image.open(io.BytesIO(got.content)) as img:
            assert img.size == (320, 240)
        assert _get(suite, thumb, uid="eve").status_code == 403  # read like the original
        assert _get(suite, attachments.thumb_path(not_image)).status_code == 404
        # the uploader deletes the picture: its thumbnail goes too (the deleted trigger)
        r = requests.delete(f"{base}/{requests.utils.quote(name, safe='')}", headers=auth,
                            timeout=10)
        assert r.status_code == 204
        deadline = time.monotonic() + 30
        while _get(suite, thumb).status_code == 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _get(suite, thumb).status_code == 404
