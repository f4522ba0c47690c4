"""Idle CPU: presence that changes nothing on screen repaints nothing.

Everyone online rewrites their status every 20 s (the heartbeat) and the list refreshes
"last seen N min ago" every 15 s. Announcing each of those as a change repainted and
re-sorted the chat list about once a second with 20 people online, which was most of what
an idle app did (bench.client_soak measures the idle CPU).
"""

from __future__ import annotations

from messenger_desktop.models.chat_list import ChatListModel, Roles
from messenger_desktop.models.presence import ServerClock, Status


def test_only_visible_presence_changes_are_announced(qapp) -> None:
    clock = ServerClock()
    model = ChatListModel("me", clock)
    model.set_user("anna", {"email": "anna@example.com"})
    model.set_user("boris", {"email": "boris@example.com"})
    changed: list[int] = []
    model.dataChanged.connect(lambda top, bottom, _roles=(): changed.extend(
        range(top.row(), bottom.row() + 1)))
    model.refresh_presence()  # the first look at each row
    changed.clear()

    now = clock.now_ms()
    model.set_status("anna", Status(True, now))
    assert changed == [0]  # offline -> online: the dot appears
    changed.clear()
    for beat in range(1, 6):  # heartbeats: still online, same text
        model.set_status("anna", Status(True, now + beat * 20_000 // 5))
    model.refresh_presence()
    assert changed == []
    assert model.index(0).data(Roles.PresenceText) == "online"

    model.set_status("anna", Status(False, clock.now_ms()))  # she quits
    assert changed == [0]
    assert model.index(0).data(Roles.PresenceText) == "last seen just now"
    changed.clear()
    model.refresh_presence()
    assert changed == []  # a second later: still "just now"
    clock.offset_ms += 3 * 60_000  # three minutes on
    model.refresh_presence()
    assert changed == [0]  # "last seen 3 min ago"; Boris (never seen) unchanged
    assert model.index(0).data(Roles.PresenceText) == "last seen 3 min ago"
