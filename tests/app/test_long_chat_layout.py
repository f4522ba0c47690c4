"""A new message in a long loaded chat costs what the screen shows, not what is loaded.

QListView lays out every row again when one is added. The bubble delegate used to lay out a
text document per row for that (its document LRU holds 400), so with a few thousand rows
loaded (a burst, or scrolling far up) each new message took seconds: the soak benchmark
sent 8 messages a second. Sizes are cached apart from the documents now.
"""

from __future__ import annotations

import time

from messenger_desktop.models.messages import Message, MessageListModel
from messenger_desktop.views.bubble_delegate import BubbleDelegate
from messenger_desktop.views.chat_view import MessageList

ROWS = 3_000


class CountingBubbles(BubbleDelegate):
    """The view's delegate, counting how often a message's text is laid out."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.layouts = 0

    def _doc(self, msg, own, width, font):
        self.layouts += 1
        return super()._doc(msg, own, width, font)


def test_a_new_message_does_not_lay_out_the_whole_history(qtbot) -> None:
    base = time.time() * 1000 - ROWS * 1000
    model = MessageListModel("me")
    model.prepend_page([
        Message(f"m{i:06d}", "me" if i % 2 else "you",
                f"message {i}: " + "lorem ipsum dolor sit amet " * (1 + i % 4), base + i * 1000)
        for i in range(ROWS)
    ])
    view = MessageList()
    qtbot.addWidget(view)
    view.resize(700, 600)
    bubbles = CountingBubbles(view)
    view.bubbles = bubbles
    view.setItemDelegate(bubbles)
    view.setModel(model)
    view.show()
    qtbot.waitExposed(view)
    view.scrollToBottom()
    qtbot.wait(50)

    bar = view.verticalScrollBar()
    for i in range(5):
        bubbles.layouts = 0
        model.upsert(Message(f"n{i:06d}", "me", f"new {i}", time.time() * 1000))
        view.scrollToBottom()  # what the chat view does for a new message at the bottom
        qtbot.wait(20)  # and the paint of the new bottom
        assert bar.value() == bar.maximum() and model.rowCount() == ROWS + i + 1
        # The new row and what is on screen; before the size cache: every loaded row.
        assert bubbles.layouts < 100, f"{bubbles.layouts} text layouts for one new message"
