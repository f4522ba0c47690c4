"""Opening a cached 10,000-message chat with the server gone: time to first paint.

    .venv/bin/python -m bench.cache_open_chat [--messages 10000] [--rounds 20]

A real client (MessengerClient with its cache file in a temporary profile folder) signs in
to the real suite (auth + database), and its cache is given the whole chat as the app
stores it after scrolling through it (one `replace_range` of 10,000 messages). Then the
suite is stopped: offline. Each round closes the chat, opens it again and shows it in the
real ChatView (offscreen); the figure is the time from "open this chat" to the first paint
of the message list with messages in it. The same is timed online for comparison (the
newest page from the server; the cache paints first there too).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from pathlib import Path

from messenger_desktop.client import MessengerClient
from messenger_desktop.config import emulator_config
from messenger_desktop.firebase.session import AuthSession
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.views.chat_view import ChatView
from messenger_desktop.views.theme import Theme
from messenger_model.push_ids import new_push_id

from bench.client_support import RULES, finish, percentile, qt_loop, unsigned_custom_token, until
from tests.support.suite import running_suite


def history(a: str, b: str, count: int) -> dict[str, dict]:
    base = int(time.time() * 1000) - count * 1000
    return {new_push_id(base + i * 1000): {
        "sender": a if i % 2 else b,
        "text": f"Message {i}: " + "lorem ipsum dolor sit amet " * (1 + i % 4),
        "ts": base + i * 1000} for i in range(count)}


async def open_rounds(client: MessengerClient, view: ChatView, other: str,
                      rounds: int) -> list[float]:
    painted = {"t": 0.0}
    original = view.list.bubbles.paint

    def paint_hook(*args):
        if not painted["t"]:
            painted["t"] = time.perf_counter()
        return original(*args)

    view.list.bubbles.paint = paint_hook  # type: ignore[method-assign]
    times = []
    for _ in range(rounds):
        client.close_chat()
        view.close_session()
        await asyncio.sleep(0.05)
        painted["t"] = 0.0
        t0 = time.perf_counter()
        session = client.open_chat(other)
        view.show_session(session, "bench")
        await until(lambda s=session: s.model.rowCount() > 0 and painted["t"], 30)
        times.append((painted["t"] - t0) * 1000)
    view.list.bubbles.paint = original  # type: ignore[method-assign]
    return times


def line(name: str, values: list[float]) -> str:
    return (f"{name}: n={len(values)} p50 {percentile(values, 50):.1f} ms, p95 "
            f"{percentile(values, 95):.1f} ms, max {max(values):.1f} ms")


async def scenario(suite, folder: Path, count: int, rounds: int) -> None:
    config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
    a, b = uuid.uuid4().hex[:28], uuid.uuid4().hex[:28]
    session = AuthSession(config)
    await session.sign_in_with_custom_token(unsigned_custom_token(a), a)
    client = MessengerClient(session, data_dir=folder)
    client.start()
    chat_id = direct_chat_id(a, b)
    msgs = history(a, b, count)
    import httpx

    httpx.put(f"{config.database_url}/messages/{chat_id}.json",
              params={"auth": "owner", "ns": config.project_id}, json=msgs,
              timeout=120).raise_for_status()
    assert client.cache is not None
    client.cache.replace_range(chat_id, "", None, msgs)
    client.cache.flush(120)
    print(f"cache: {client.cache.count(chat_id)} messages of the chat in "
          f"{sum(p.stat().st_size for p in folder.glob('cache-*')) / 1e6:.1f} MB")
    Theme("light").apply()
    view = ChatView()
    view.resize(900, 700)
    view.show()
    online = await open_rounds(client, view, b, rounds)
    print(line("online, first paint (cache first, then the server's page)", online))
    suite.stop()
    await until(lambda: not client.hub.connected, 30)
    offline = await open_rounds(client, view, b, rounds)
    print(line("OFFLINE, first paint from the cache", offline) + " (target <= 100 ms)")
    rows = client.current.model.rowCount() if client.current else 0
    print(f"rows painted from the cache: {rows}")
    view.close()
    client.close_chat()
    await client.stop(mark_offline=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    _app, loop = qt_loop()
    with tempfile.TemporaryDirectory() as tmp, running_suite(only=("auth", "database"),
                                                            rules=RULES) as suite:
        loop.run_until_complete(scenario(suite, Path(tmp), args.messages, args.rounds))


if __name__ == "__main__":
    main()
    finish()
