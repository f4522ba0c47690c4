"""Guard: painting must not spend references to None (PySide6 6.12.0 on CPython 3.11 did).

With that combination nearly every QPainter call (setPen, setBrush, drawRect, drawRoundedRect,
drawEllipse, drawPolygon, fillRect, ...) dropped one reference to None; the app starts with
~58,000, so a 2,000-message burst or a few seconds of scrolling ended in "Fatal Python error:
none_dealloc". pyproject.toml excludes the combination; these tests drive the app's own
delegates (message bubbles; chat rows with selection, avatar, presence dot and unread badge)
and the window/tray icon into a QPixmap and check that None's reference count stays put, so a
future PySide6 update cannot bring it back unnoticed. They check after every chunk and stop
at the first drift, so a bad version fails here instead of aborting the test run.

How much is painted: the quick test makes 300,000 QPainter calls through the delegates
(~35,000 of them shapes, ~2 s); the slow one paints 300,000 shapes (~95,000 delegate paints,
~15 s of CPU), the issue's own measure. Calls and shapes are counted by a QPainter subclass,
not assumed.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter

import pytest
from messenger_desktop.attachments.images import RADIUS, box_size
from messenger_desktop.models.chat_list import ChatListModel, Roles
from messenger_desktop.models.message_extras import Forwarded
from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.models.presence import ServerClock, Status
from messenger_desktop.notifications import app_icon
from messenger_desktop.views.bubble_delegate import BubbleDelegate
from messenger_desktop.views.chat_list_delegate import ChatListDelegate
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem

from .conftest import until

SHAPES = {"drawRect", "drawRects", "drawRoundedRect", "drawEllipse", "drawPolygon",
          "drawConvexPolygon", "drawPath", "drawPie", "drawChord", "fillRect", "fillPath"}
CHUNK = 200  # delegate paints between checks (a bad version loses ~5,000 refs a chunk)
ICON_CALLS = 300
# None's count moves a little on its own (frames, caches); a loss of one per call moves it
# by thousands a chunk.
TOLERANCE = 200

pytestmark = pytest.mark.skipif(
    sys.version_info >= (3, 12),
    reason="None is immortal from CPython 3.12 (PEP 683): its count cannot drift or reach 0",
)


class CountingPainter(QPainter):
    """A real QPainter (the delegates can hand it to C++) that counts the calls made to it
    from Python, i.e. through the bindings, where the reference was lost."""

    def __init__(self, device) -> None:
        super().__init__(device)
        self.counts: Counter[str] = Counter()


def _counted(name: str):
    method = getattr(QPainter, name)

    def call(self, *args, **kwargs):
        self.counts[name] += 1
        return method(self, *args, **kwargs)

    return call


for _name in dir(QPainter):
    if not _name.startswith("_") and type(getattr(QPainter, _name)).__name__ == "method_descriptor":
        setattr(CountingPainter, _name, _counted(_name))


def _chat_row_model() -> ChatListModel:
    clock = ServerClock()
    model = ChatListModel("me", clock)
    model.set_user("anna", {"email": "anna.petrova@example.com", "displayName": "Anna Petrova"})
    model.set_chat("anna_me", {
        "unreadIds": {"m1": 1, "m2": 1, "m3": 1},
        "lastMessage": {"text": "see you tomorrow", "sender": "anna", "ts": clock.now_ms()},
    })
    model.set_status("anna", Status(True, clock.now_ms()))
    # The row really is in the state the shape count assumes.
    index = model.index(0)
    assert index.data(Roles.Online) and index.data(Roles.Unread) > 0
    return model


def _message_model() -> MessageListModel:
    model = MessageListModel("me")
    model.prepend_page([
        Message("a", "anna", "hello there, how are you?", 1000.0),
        Message("b", "me", "fine, look: https://example.com/page", 2000.0),
    ])
    model.upsert(Message("c", "me", "on its way", 3000.0, pending=True))
    # Message actions' parts: a quote, reaction chips (one of them mine), "edited", a
    # forwarded line, a long text cut with "Show more" (views/bubble_parts.py).
    model.upsert(Message("d", "anna", "replying to that", 4000.0, edited_at=4500.0,
                         reply_to="a", reactions=(("anna", "❤️"), ("me", "👍"))))
    model.upsert(Message("e", "anna", "\n".join(["a long one"] * 30), 5000.0,
                         forwarded_from=Forwarded("bob", "bob_me", "-m")))
    return model


def _none_refs() -> int:
    gc.collect()
    return sys.getrefcount(None)


def _lost(drift: int, painted: int) -> str:
    return (
        f"None's reference count moved by {drift} after {painted:,} paints: this PySide6 / "
        "Python combination loses a reference to None per paint and would crash the app "
        "(Fatal Python error: none_dealloc; see pyproject.toml)"
    )


@pytest.mark.parametrize("measure", [
    "calls",
    pytest.param("shapes", marks=pytest.mark.slow),
])
def test_delegates_paint_300k_without_losing_none(qapp, measure: str) -> None:
    chats, messages = _chat_row_model(), _message_model()
    row_delegate, bubble_delegate = ChatListDelegate(), BubbleDelegate()
    bubble_delegate.parts.my_uid = "me"
    bubble_delegate.parts.quoted = messages.get  # the quote shows its original
    # One painter for many rows, as a view's paint event does.
    pixmap = QPixmap(420, 80)
    painter = CountingPainter(pixmap)
    row_option = QStyleOptionViewItem()
    row_option.rect = QRect(0, 0, 420, 64)
    row_option.state = QStyle.StateFlag.State_Selected
    bubble_option = QStyleOptionViewItem()
    bubble_option.rect = QRect(0, 0, 420, 80)
    row = chats.index(0)
    bubbles = [messages.index(i) for i in range(messages.rowCount())]

    def painted() -> int:
        counts = painter.counts
        return sum(counts.values()) if measure == "calls" else sum(counts[n] for n in SHAPES)

    start = _none_refs()
    try:
        while painted() < 300_000:
            for i in range(CHUNK):
                if i % 4 == 0:
                    bubble_delegate.paint(painter, bubble_option, bubbles[i // 4 % len(bubbles)])
                else:
                    row_delegate.paint(painter, row_option, row)
            drift = sys.getrefcount(None) - start
            assert abs(drift) <= TOLERANCE, _lost(drift, painted())
    finally:
        painter.end()
    drift = _none_refs() - start
    assert abs(drift) <= TOLERANCE, _lost(drift, painted())
    # Every kind of shape the delegates draw took part.
    assert {"drawRoundedRect", "drawEllipse", "fillRect"} <= set(painter.counts)


def test_window_icon_painting_does_not_lose_none(qapp) -> None:
    """app_icon() is redrawn whenever the unread count changes. Each call paints on fresh
    pixmaps; PySide6 6.11.x *gains* a few references to None there (harmless: a count that
    only grows cannot reach zero), so only a loss fails."""
    start = _none_refs()
    for i in range(ICON_CALLS):
        app_icon(i % 150)
        drift = sys.getrefcount(None) - start
        assert drift >= -TOLERANCE, _lost(drift, (i + 1) * 36)


PICTURE_PAINTS = 3_000  # picture, file and upload bubbles, avatars (pictures and initials)


def _picture_file(folder, name: str, w: int, h: int) -> str:
    image = QImage(w, h, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a7bd5"))
    file = folder / name
    assert image.save(str(file), "PNG")
    return str(file)


def test_picture_file_bubbles_and_avatars_paint_without_losing_none(loop, qtbot,
                                                                     tmp_path) -> None:
    """Issue 17's paint and decode paths: picture bubbles (a decoded thumbnail copied, a
    picture still loading, a missing one), file bubbles (icon, name, Open / Save), an upload's
    progress bar, avatars drawn from pictures and from initials, and decode() itself (the
    thumbnail and the viewer's path). None's count must not fall while they run thousands
    of times."""
    import asyncio
    from pathlib import Path

    from messenger_desktop.attachments.avatars import avatar_attachment
    from messenger_desktop.attachments.images import ImageCache, decode
    from messenger_desktop.views import avatar
    from messenger_model.attachments import Attachment

    folder = Path(tmp_path)
    class Offline:  # Storage that never answers: the third picture stays "Loading picture…"
        @staticmethod
        async def download(*_args, **_kwargs) -> None:
            await asyncio.Event().wait()

    cache = ImageCache(Offline(), folder)  # type: ignore[arg-type]
    photo = Attachment("chats/anna_me/p1/photo.png", "photo.png", 50_000, "image/png", "",
                       800, 600)
    loading = Attachment("chats/anna_me/p2/late.png", "late.png", 50_000, "image/png", "",
                         640, 640)
    gone = Attachment("chats/anna_me/p3/gone.png", "gone.png", 50_000, "image/png", "",
                      300, 500)
    doc = Attachment("chats/anna_me/f1/report.pdf", "quarterly report.pdf", 1_234_567,
                     "application/pdf")
    face = avatar_attachment("avatars/anna/a1.jpg")
    cache.set_local(photo.path, Path(_picture_file(folder, "photo.png", 800, 600)))
    cache.set_local(face.path, Path(_picture_file(folder, "face.png", 256, 256)))
    cache.missing.add(gone.path)
    cache.thumbnail(photo)
    cache.thumbnail(face)
    until(qtbot, lambda: cache.thumbnail(photo) is not None
          and cache.thumbnail(face) is not None, what="the pictures decoded")

    class Uploads:  # an upload a third of the way through (UploadQueue's one question)
        @staticmethod
        def fraction(msg_id: str) -> float | None:
            return 0.33 if msg_id == "u" else None

    model = MessageListModel("me")
    model.prepend_page([
        Message("a", "anna", "", 1000.0, attachment=photo),
        Message("b", "me", "the numbers", 2000.0, attachment=doc),
        Message("c", "anna", "", 3000.0, attachment=gone),
        Message("d", "me", "", 4000.0, attachment=doc),
        Message("e", "anna", "", 4500.0, attachment=loading),
    ])
    model.upsert(Message("u", "me", "", 5000.0, pending=True, attachment=photo))
    bubbles = [model.index(i) for i in range(model.rowCount())]
    delegate = BubbleDelegate()
    delegate.parts.my_uid = "me"
    delegate.attachments.cache = cache
    delegate.attachments.uploads = Uploads()  # type: ignore[assignment]
    chats = _chat_row_model()
    rows = ChatListDelegate()
    row = chats.index(0)
    pixmap = QPixmap(420, 320)
    painter = CountingPainter(pixmap)
    option = QStyleOptionViewItem()
    option.rect = QRect(0, 0, 420, 320)
    row_option = QStyleOptionViewItem()
    row_option.rect = QRect(0, 0, 420, 64)
    # Anna has a picture; everyone else shows initials.
    avatar.set_picture_source(lambda uid: cache.thumbnail(face) if uid == "anna" else None)
    start = _none_refs()
    try:
        for i in range(PICTURE_PAINTS):
            delegate.paint(painter, option, bubbles[i % len(bubbles)])
            if i % 3 == 0:
                rows.paint(painter, row_option, row)
                avatar.paint_avatar(painter, QRect(0, 0, 36, 36), "bob", "Bob Smith",
                                    painter.font())
            if i % 100 == 0:  # the decode paths: a thumbnail at its box, the viewer's fit
                assert decode(folder / "photo.png", 260, box_size(800, 600), RADIUS)
                assert decode(folder / "face.png", 4096) is not None
            if i % CHUNK == 0:
                drift = sys.getrefcount(None) - start
                assert drift >= -TOLERANCE, _lost(drift, i + 1)
    finally:
        painter.end()
        avatar.set_picture_source(None)
        cache.close()
    drift = _none_refs() - start
    assert drift >= -TOLERANCE, _lost(drift, PICTURE_PAINTS)
    # The picture paths really ran: thumbnails and avatars copied, placeholders and file
    # rows drawn with text, the progress bar's shapes.
    assert painter.counts["drawImage"] >= PICTURE_PAINTS // 5
    assert painter.counts["drawText"] > PICTURE_PAINTS
    assert painter.counts["drawRoundedRect"] > 0 and painter.counts["drawEllipse"] > 0
