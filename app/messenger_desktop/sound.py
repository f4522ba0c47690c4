"""The new-message chime: a short two-tone sound, made here (no sound files to ship) and
played by what the system has, without QtMultimedia (not part of PySide6-Essentials).

Routes: Windows `winsound` (standard library), macOS `afplay`, Linux `paplay` / `pw-play` /
`aplay`; with none of them, the desktop's beep. Offscreen (tests, CI) nothing plays. A burst
of messages chimes once: plays closer together than MIN_GAP_S are skipped.
"""

from __future__ import annotations

import logging
import math
import shutil
import struct
import sys
import time
import wave
from pathlib import Path

from PySide6.QtCore import QProcess
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

MIN_GAP_S = 1.0
RATE = 22050
SILENT_PLATFORMS = ("offscreen", "minimal")
PLAYERS = ("paplay", "pw-play", "aplay")


def write_chime(path: Path) -> Path:
    """Two soft notes (E6, then A6), 0.28 s in all, 16-bit mono WAV."""
    frames = bytearray()
    for freq, start, length in ((1318.5, 0.0, 0.14), (1760.0, 0.12, 0.16)):
        first = int(start * RATE)
        count = int(length * RATE)
        while len(frames) < 2 * (first + count):
            frames += b"\0\0"
        for i in range(count):
            t = i / RATE
            envelope = min(1.0, t / 0.01) * math.exp(-t * 18)  # quick attack, soft decay
            sample = int(9000 * envelope * math.sin(2 * math.pi * freq * t))
            at = 2 * (first + i)
            old = struct.unpack_from("<h", frames, at)[0]
            struct.pack_into("<h", frames, at, max(-32768, min(32767, old + sample)))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    return path


def find_route() -> str:
    """How this machine can play the chime: "winsound", a player's path, "beep", or ""."""
    if QGuiApplication.platformName() in SILENT_PLATFORMS:
        return ""
    if sys.platform == "win32":
        return "winsound"
    for tool in ("afplay",) if sys.platform == "darwin" else PLAYERS:
        found = shutil.which(tool)
        if found:
            return found
    return "beep"


class Chime:
    def __init__(self, data_dir: Path | None, route: str | None = None) -> None:
        self._file = (data_dir or Path.cwd()) / "chime.wav"
        self._route = route
        self._last = -math.inf

    @property
    def route(self) -> str:
        if self._route is None:
            self._route = find_route()
        return self._route

    def sound_file(self) -> Path:
        if not self._file.exists():
            write_chime(self._file)
        return self._file

    def play(self) -> bool:
        """Play once, unless one played less than MIN_GAP_S ago; True when it played."""
        now = time.monotonic()
        route = self.route
        if not route or now - self._last < MIN_GAP_S:
            return False
        self._last = now
        try:
            if route == "beep":
                QApplication.beep()
            elif route == "winsound":
                if sys.platform == "win32":  # always, for this route (and mypy's check)
                    import winsound

                    winsound.PlaySound(str(self.sound_file()),
                                       winsound.SND_FILENAME | winsound.SND_ASYNC)
            else:
                ok, _pid = QProcess.startDetached(route, [str(self.sound_file())])
                if not ok:
                    log.info("could not start %s; beeping instead", route)
                    self._route = "beep"
                    QApplication.beep()
        except OSError as exc:  # a sound is never worth an error
            log.info("could not play the chime: %s", exc)
            return False
        return True
