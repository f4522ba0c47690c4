"""The journal's fdatasync, done by a small helper process so the event loop never waits for it.

Why a process and not a thread: a thread that returns from fdatasync must take the GIL back
before it can say so, and the event loop holds the GIL whenever it is busy, which is exactly
when syncs are frequent; the hand-off then costs up to the 5 ms switch interval plus a forced
GIL switch per batch (measured: no better than syncing on the loop, which in turn blocked the
loop for ~1/3 of its time at 500 messages/s). A process has its own interpreter: the loop
writes the batch into the page cache itself (pwrite, microseconds), sends one byte, goes on
serving requests, and learns of the sync from a socket it already polls. fdatasync on any
descriptor of a file flushes that file's data, whoever wrote it (the journal passes its log's
descriptor over the socket, SCM_RIGHTS, so the helper needs no path and survives renames).

Protocol on a Unix stream socket: the parent sends b"F" with one descriptor (sync this file
from now on) or b"S" (fdatasync it now); the helper answers each b"S" with 5 bytes, b"K0000"
or b"E" and the errno in 4 digits. At most one sync is in flight. The helper exits when the
socket closes (the suite stopped, or was killed: nothing is left behind).
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Callable

REPLY_BYTES = 5


class SyncerGone(Exception):
    """The helper process is not answering (killed, or failed to start)."""


class Syncer:
    """Parent side. `use(fd)` between batches; `sync(loop, done)` after writing a batch."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            # -I -S: the helper needs nothing but the standard library; starts in ~15 ms
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", __file__, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._sock = ours
        self._loop: asyncio.AbstractEventLoop | None = None
        self._done: Callable[[BaseException | None], None] | None = None
        self._reply = b""
        self.gone = False

    def use(self, fd: int) -> None:
        """Sync `fd` from now on (call with no sync in flight)."""
        self._send(b"F", [fd])

    def sync(self, loop: asyncio.AbstractEventLoop,
             done: Callable[[BaseException | None], None]) -> None:
        """fdatasync the file in the helper, then `done(None)` from the loop's reader callback
        (no extra loop iteration); `done(SyncerGone())` if the helper is gone, `done(OSError)`
        if the sync failed."""
        if self.gone:
            loop.call_soon(done, SyncerGone())
            return
        if self._loop is not loop:          # first sync, or a new loop (tests run several)
            if self._loop is not None and not self._loop.is_closed():
                self._loop.remove_reader(self._sock)
            loop.add_reader(self._sock, self._on_readable)
            self._loop = loop
        self._done = done
        self._send(b"S")

    def close(self) -> None:
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._sock)
        self._loop = None
        self._sock.close()          # the helper sees the end of the socket and exits
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _send(self, message: bytes, fds: list[int] | None = None) -> None:
        try:
            if fds:
                socket.send_fds(self._sock, [message], fds)
            else:
                self._sock.send(message)   # one byte into an empty buffer: never blocks
        except OSError:
            self._lost()

    def _on_readable(self) -> None:
        try:
            data = self._sock.recv(64)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            self._lost()
            return
        self._reply += data
        if len(self._reply) < REPLY_BYTES:
            return
        reply, self._reply = self._reply[:REPLY_BYTES], self._reply[REPLY_BYTES:]
        done, self._done = self._done, None
        if done is None:
            return
        if reply[:1] == b"K":
            done(None)
        else:
            code = int(reply[1:])
            done(OSError(code, os.strerror(code)))

    def _lost(self) -> None:
        self.gone = True
        if self._loop is not None and not self._loop.is_closed():
            self._loop.remove_reader(self._sock)
        self._loop = None
        done, self._done = self._done, None
        if done is not None:
            asyncio.get_running_loop().call_soon(done, SyncerGone())


def _serve(sock: socket.socket) -> None:
    fd: int | None = None
    while True:
        data, fds, _, _ = socket.recv_fds(sock, 64, 4)
        if not data:
            return
        received = list(fds)
        for byte in data:
            if byte == ord("F"):
                if fd is not None:
                    os.close(fd)
                fd = received.pop(0)
            elif byte == ord("S"):
                try:
                    if fd is None:
                        raise OSError(9, os.strerror(9))   # EBADF: no file yet
                    os.fdatasync(fd)
                    reply = b"K0000"
                except OSError as exc:
                    reply = b"E%04d" % ((exc.errno or 5) % 10000)
                sock.sendall(reply)


if __name__ == "__main__":
    import signal

    # Ctrl-C in a terminal reaches the whole process group: the suite decides when to stop,
    # and this helper stops with it (end of the socket), not before.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _serve(socket.socket(fileno=int(sys.argv[1])))
    except (ConnectionError, OSError):
        pass
