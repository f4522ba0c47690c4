"""User data is shown as plain text everywhere (issue 12, item 11).

Display names and messages full of markup (`<h1>`, `<img src=...>`, `<a href>`, `<font
color>`) go through the real suite into a signed-in client; then every label, tooltip,
window title, list row, bubble and notification that shows them is checked for what Qt
lays out: labels in plain-text format, tooltips escaped, bubbles' laid-out text equal to
what was typed (no heading, no image, no link that was not a URL).
"""

from __future__ import annotations

import uuid

from messenger_desktop.models.chat_list import Roles as ChatRoles
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.models.messages import Message
from messenger_desktop.notifications import notification_texts
from messenger_desktop.views.text import plain_message_box, plain_tooltip, window_title
from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin

NAMES = (
    "<h1>Heading</h1>",
    '<img src="/usr/share/pixmaps/x.png">',
    '<a href="http://evil.example">click</a>',
    '<font color="red">Red</font> & [*]',
)
MESSAGE = '<h1>big</h1><img src="x.png"><a href="http://evil.example">a</a><font color=red>r'


def rich_offenders(needles: tuple[str, ...]) -> list[str]:
    """Every visible-or-not widget of the app that would show one of `needles` as rich text."""
    found: list[str] = []
    for top in QApplication.topLevelWidgets():
        for w in [top, *top.findChildren(QWidget)]:
            name = f"{type(w).__name__}#{w.objectName()}"
            if isinstance(w, QLabel) and any(n in w.text() for n in needles):
                if w.textFormat() != Qt.TextFormat.PlainText:
                    found.append(f"label {name}: {w.text()!r}")
            # A tooltip is rich text whenever Qt::mightBeRichText says so: raw markup in one
            # is rendered. Ours are escaped and wrapped in <qt>, so the raw needle never shows.
            if any(n in w.toolTip() for n in needles):
                found.append(f"tooltip {name}: {w.toolTip()!r}")
    return found


def fragments(doc: QTextDocument) -> list[tuple[str, str, bool]]:
    """What Qt laid out in a document: (text, link target, is an image) per fragment."""
    found = []
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            fmt = frag.charFormat()
            found.append((frag.text(), fmt.anchorHref() if fmt.isAnchor() else "",
                          fmt.isImageFormat()))
            it += 1
        block = block.next()
    return found


def _laid_out(html: str) -> QTextDocument:
    doc = QTextDocument()
    doc.setHtml(html)
    return doc


def test_helpers_escape_markup(qapp) -> None:
    for name in NAMES:
        tip = plain_tooltip(name)
        assert GuiQt.mightBeRichText(tip)  # forced rich, so the entities are decoded...
        assert _laid_out(tip).toPlainText() == name  # ...into exactly the typed text
        title = window_title(name)
        # Qt hides "[*]" in window titles (the modified marker) unless doubled.
        assert title.replace("[*][*]", "[*]") == name
    box = plain_message_box(None, QMessageBox.Icon.Information, "t", NAMES[0])
    assert box.textFormat() == Qt.TextFormat.PlainText and box.text() == NAMES[0]
    box.deleteLater()
    title, body = notification_texts(NAMES[0], MESSAGE)
    assert title == NAMES[0]  # the summary is plain text in every notification spec
    # The body is markup for freedesktop servers (body-markup): escaped, it reads as typed.
    assert _laid_out(body).toPlainText() == MESSAGE
    assert "<img" not in body and "<a " not in body


def test_every_view_shows_markup_as_typed(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("me"), name="me")
    client = app.client
    me = client.uid
    peers = []
    for name in NAMES:
        uid = f"mk-{uuid.uuid4().hex[:10]}"
        admin.put(f"users/{uid}", {"email": f"{uid}@example.com", "displayName": name,
                                   "createdAt": 1})
        peers.append(uid)
    for uid in peers:
        harness.until(lambda u=uid: client.chats.row_for_uid(u) is not None, what="listed")

    # A message full of markup from the first peer, through the real trigger.
    chat = direct_chat_id(me, peers[0])
    admin.put(f"messages/{chat}/-mk1", {"sender": peers[0], "text": MESSAGE,
                                          "ts": {".sv": "timestamp"}})
    harness.until(lambda: client.chats.row_for_uid(peers[0]).preview, 20, what="preview")

    # Every peer's chat opened in turn: the header, the list, the window.
    for uid, name in zip(peers, NAMES, strict=True):
        app.open_person(uid)
        header = app.window.messenger.chat.title
        assert header.text() == name and header.textFormat() == Qt.TextFormat.PlainText
        idx = client.chats.index_for_uid(uid)
        assert idx.data(ChatRoles.Name) == name
        tip = idx.data(Qt.ItemDataRole.ToolTipRole)
        assert tip is None or _laid_out(tip).toPlainText().startswith(name)
    app.open_person(peers[0])
    session = client.current
    harness.until(lambda: session.model.rowCount() == 1, what="message shown")
    assert rich_offenders(NAMES + (MESSAGE,)) == []

    # My own name full of markup: the sidebar, the window title, the profile dialog.
    harness.run(client.set_display_name(NAMES[3]))
    harness.until(lambda: app.window.messenger.sidebar.me.text() == NAMES[3], what="my name")
    assert app.window.windowTitle().endswith(window_title(NAMES[3]))
    app.open_profile()
    assert app.profile_dialog is not None and app.profile_dialog.name.text() == NAMES[3]
    assert rich_offenders(NAMES + (MESSAGE,)) == []
    app.profile_dialog.reject()

    # The bubble lays out the text exactly as typed: no heading, image or extra link.
    view = app.window.messenger.chat.list
    msg: Message = session.model.message(0)
    doc = view.bubbles._doc(msg, False, 400, view.font())
    assert doc.toPlainText() == MESSAGE
    laid_out = fragments(doc)
    assert not any(image for _t, _h, image in laid_out)
    # The one link is the URL that was typed, shown as itself: no text hides a target.
    assert [(t, h) for t, h, _i in laid_out if h] == [("http://evil.example",) * 2]
    assert {doc.firstBlock().blockFormat().headingLevel()} == {0}
