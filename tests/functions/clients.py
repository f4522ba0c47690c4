"""Requests from chosen loopback source addresses: distinct clients on one machine.

Linux answers on all of 127.0.0.0/8, so a socket bound to 127.0.0.7 reaches the suite on
127.0.0.1 and the suite sees a peer 127.0.0.7: a second client, over real TCP, without a
network namespace.
"""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def post_from(source: str, url: str, payload: dict[str, Any],
              headers: list[tuple[str, str]] | None = None) -> Reply:
    """POST `payload` as JSON from `source`; `headers` are sent exactly as given (case and
    repeats kept), so a test can send its own X-Forwarded-For in any spelling."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=60, source_address=(source, 0)
    )
    try:
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = json.dumps(payload).encode()
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", str(len(body)))
        for name, value in headers or []:
            connection.putheader(name, value)
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()},
                     response.read())
    finally:
        connection.close()
