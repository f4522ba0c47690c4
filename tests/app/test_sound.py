"""The new-message chime: on by default, a switch in the menu, mute per chat; played by a
real program (here a recording stand-in for paplay), once per burst; silent offscreen."""

from __future__ import annotations

import os
import stat
import time
import wave

from messenger_desktop.models.chat_list import Roles, direct_chat_id
from messenger_desktop.sound import Chime, find_route, write_chime

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin, _peer


def _player(folder) -> tuple[str, object]:
    """A program that records each file it is asked to play, as paplay would get it."""
    log = folder / "played.log"
    script = folder / "fake-paplay"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n', encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), log


def _plays(log) -> list[str]:
    return log.read_text(encoding="utf-8").splitlines() if log.exists() else []


def test_chime_is_a_real_sound_and_plays_once_per_burst(qtbot, tmp_path) -> None:
    path = write_chime(tmp_path / "chime.wav")
    with wave.open(str(path), "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
        assert 0.2 < w.getnframes() / w.getframerate() < 0.5
        frames = w.readframes(w.getnframes())
    loudest = max(abs(int.from_bytes(frames[i:i + 2], "little", signed=True))
                  for i in range(0, len(frames), 2))
    assert loudest > 3000  # audible, not silence
    assert find_route() == ""  # offscreen: nobody to hear it, nothing is started

    route, log = _player(tmp_path)
    chime = Chime(tmp_path, route=route)
    assert chime.play() and not chime.play()  # a burst: once
    qtbot.waitUntil(lambda: len(_plays(log)) == 1, timeout=5000)
    assert _plays(log) == [str(tmp_path / "chime.wav")]
    qtbot.wait(1100)
    assert chime.play()
    qtbot.waitUntil(lambda: len(_plays(log)) == 2, timeout=5000)
    assert Chime(tmp_path, route="").play() is False


def test_sound_switch_and_per_chat_mute(harness: Harness, suite) -> None:
    admin = Admin(suite)
    app = harness.signed_in(config_for(suite), unique_email("hearer"), name="hearer")
    route, log = _player(harness.tmp)
    app.chime = Chime(harness.tmp / "hearer", route=route)
    popped: list[tuple[str, str, str]] = []
    app.notifier.notify = lambda chat, sender, text: popped.append((chat, sender, text))
    me = app.client.uid
    peer = _peer(admin, "Noisy")
    chat = direct_chat_id(me, peer)
    chats = app.client.chats
    harness.until(lambda: chats.row_for_uid(peer) is not None, what="listed")
    side = app.window.messenger.sidebar
    assert app.settings.sound and side.sound_action.isChecked()  # on by default

    def message(text: str) -> None:
        admin.put(f"messages/{chat}/-{time.monotonic_ns()}",
                  {"sender": peer, "text": text, "ts": {".sv": "timestamp"}})

    message("ding")
    harness.until(lambda: len(popped) == 1 and len(_plays(log)) == 1, 20, "popped and chimed")

    side.sound_action.trigger()  # the menu switch: off
    assert not app.settings.sound
    time.sleep(1.1)  # past the burst gap, so only the switch can keep it quiet
    message("quiet please")
    harness.until(lambda: len(popped) == 2, 20, "popped")
    time.sleep(0.3)
    assert len(_plays(log)) == 1
    side.sound_action.trigger()
    assert app.settings.sound

    # Muted from the chat's row menu: no pop-up, no sound; the badge still counts.
    index = side.proxy.mapFromSource(chats.index_for_uid(peer))
    menu = side.row_menu(index)
    [mute] = menu.actions()
    assert mute.text() == "Mute notifications"
    mute.trigger()
    assert chat in app.settings.muted_chats and chats.index_for_uid(peer).data(Roles.Muted)
    unread = chats.row_for_uid(peer).unread
    message("muted")
    harness.until(lambda: chats.row_for_uid(peer).unread == unread + 1, 20, "counted")
    time.sleep(2.5)  # past the preview wait: a late notification would have come
    harness.qtbot.wait(100)
    assert len(popped) == 2 and len(_plays(log)) == 1
    assert os.path.exists(harness.tmp / "hearer" / "chime.wav")
    [unmute] = side.row_menu(index).actions()
    assert unmute.text() == "Unmute notifications"
    unmute.trigger()
    assert chat not in app.settings.muted_chats
