"""A tiny incremental SSE reader over requests, for protocol tests (events land in a queue)."""

from __future__ import annotations

import json
import queue
import socket
import threading
import time
from typing import Any

import requests

CLOSED = ("<closed>", None)


class SseReader:
    def __init__(self, url: str, params: dict[str, str] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self.response = requests.get(url, params=params, stream=True, timeout=(5, 30),
                                     headers={"Accept": "text/event-stream", **(headers or {})})
        self.status = self.response.status_code
        self.raw_lines: list[str] = []
        if self.status == 200:
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()

    def _read(self) -> None:
        event, data = None, []
        try:
            for line in self.response.iter_lines(chunk_size=65536, decode_unicode=True):
                self.raw_lines.append(line)
                if line.startswith("event: "):
                    event = line[len("event: "):]
                elif line.startswith("data: "):
                    data.append(line[len("data: "):])
                elif line == "" and event is not None:
                    self.events.put((event, json.loads("\n".join(data))))
                    event, data = None, []
        except Exception:  # connection closed under us
            pass
        self.events.put(CLOSED)

    def next(self, timeout: float = 5, skip_keepalive: bool = True) -> tuple[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            item = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if skip_keepalive and item[0] == "keep-alive":
                continue
            return item

    def close(self) -> None:
        # shut the socket down first: closing the buffered file would wait for the reader
        # thread's blocking read (until the next keep-alive)
        try:
            self.response.raw._fp.fp.raw._sock.shutdown(socket.SHUT_RDWR)
        except (AttributeError, OSError):
            pass
        self.response.close()
