"""A minimal, allocation-light SSE reader over aiohttp (the load generator's streams).

It splits the body on blank lines and hands `(event, data_text)` to a callback, leaving the
JSON undecoded: the load tool only looks for its own markers in the data, and decoding every
event of hundreds of streams would cost more CPU than the server it measures.
"""

from __future__ import annotations

from collections.abc import Callable

import aiohttp

Handler = Callable[[str, str], None]


async def read_events(response: aiohttp.ClientResponse, on_event: Handler) -> None:
    """Read until the server ends the stream (or the connection drops)."""
    buffer = b""
    async for chunk in response.content.iter_any():
        buffer += chunk
        if b"\n\n" not in buffer:
            continue
        *frames, buffer = buffer.split(b"\n\n")
        for raw in frames:
            event, data = "", ""
            for line in raw.decode("utf-8", "replace").split("\n"):
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data = line[6:]
            if event:
                on_event(event, data)
