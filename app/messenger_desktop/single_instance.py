"""One running instance per profile: a second start raises the first one's window and quits.

The profile folder holds a QLockFile (released by the OS if the holder crashes; Qt also
recognises a lock left by a dead process), and the holder listens on a QLocalServer named
after the folder. A second instance that cannot take the lock connects there, asks the first
to come to the front, and exits. Two instances on one profile would share (and overwrite) one
outbox, drafts file and session, so this is refused rather than allowed.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)

RAISE = b"raise\n"
CONNECT_TIMEOUT_MS = 2000  # the holder may still be starting up


def server_name(folder: Path) -> str:
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    return f"messenger-{user}-{digest}"


class SingleInstance(QObject):
    activated = Signal()  # another start of this profile asked us to come to the front

    def __init__(self, folder: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.folder = folder
        self.name = server_name(folder)
        self._lock = QLockFile(str(folder / "instance.lock"))
        self._lock.setStaleLockTime(0)  # only a dead holder makes it stale, never its age
        self._server: QLocalServer | None = None

    def claim(self) -> bool:
        """True: this is the profile's only instance (keep the object alive). False: another
        one runs; it was asked to show its window."""
        if self._lock.tryLock(0):
            self._listen()
            return True
        self._ask_to_raise()
        return False

    def _listen(self) -> None:
        QLocalServer.removeServer(self.name)  # a socket file left by a crash; we hold the lock
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            log.warning("single instance: cannot listen on %s: %s", self.name,
                        server.errorString())
            return
        server.newConnection.connect(self._on_connection)
        self._server = server

    def _on_connection(self) -> None:
        assert self._server is not None
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            # The other side writes its one line right after connecting: read it here
            # (briefly blocking) rather than keep per-socket slots alive.
            if sock.bytesAvailable() or sock.waitForReadyRead(500):
                if bytes(sock.readAll().data()).startswith(RAISE.strip()):
                    self.activated.emit()
            sock.disconnectFromServer()
            sock.deleteLater()

    def _ask_to_raise(self) -> None:
        sock = QLocalSocket()
        deadline = time.monotonic() + CONNECT_TIMEOUT_MS / 1000
        while True:  # the holder may not be listening yet (it is starting too)
            sock.connectToServer(self.name)
            if sock.waitForConnected(CONNECT_TIMEOUT_MS):
                break
            if time.monotonic() > deadline:
                log.info("single instance: the running one did not answer: %s",
                         sock.errorString())
                return
            time.sleep(0.1)
        sock.write(RAISE)
        sock.flush()
        sock.waitForBytesWritten(1000)
        sock.disconnectFromServer()

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server.deleteLater()
            self._server = None
        self._lock.unlock()
