"""Opening a 10,000-message chat: time to first paint and memory growth.

    .venv/bin/python -m bench.client_open_chat [--messages 10000]

The chat is seeded through the admin REST API into the real database emulator (auth +
database only, so no trigger runs 10,000 times). A real client signs in (custom token through
the Auth emulator), the real ChatView is shown offscreen, and we time from "open this chat" to
the first paint of the message list with messages in it; then scroll up a few pages. Memory is
the process RSS before opening and after the first paint / after paging.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import time
import uuid

import httpx
from messenger_desktop.client import MessengerClient
from messenger_desktop.config import emulator_config
from messenger_desktop.firebase.session import AuthSession
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.views.chat_view import ChatView
from messenger_desktop.views.theme import Theme
from messenger_model.push_ids import new_push_id

from bench.client_support import RULES, finish, qt_loop, rss_mb, unsigned_custom_token, until
from tests.support.suite import running_suite


def seed(config, chat_id: str, a: str, b: str, count: int) -> None:
    base = int(time.time() * 1000) - count * 1000
    msgs = {}
    for i in range(count):
        sender = a if i % 2 else b
        msgs[new_push_id(base + i * 1000)] = {
            "sender": sender,
            "text": f"Message {i}: " + "lorem ipsum dolor sit amet " * (1 + i % 4),
            "ts": base + i * 1000,
        }
    params = {"auth": "owner", "ns": config.project_id}
    r = httpx.put(f"{config.database_url}/messages/{chat_id}.json", params=params, json=msgs,
                  timeout=120)
    r.raise_for_status()


async def signed_in(config, uid: str) -> MessengerClient:
    session = AuthSession(config)
    await session.sign_in_with_custom_token(unsigned_custom_token(uid), uid)
    client = MessengerClient(session)
    client.start()
    return client


async def scenario(config, count: int, rounds: int) -> None:
    a, b = uuid.uuid4().hex[:28], uuid.uuid4().hex[:28]
    chat_id = direct_chat_id(a, b)
    seed(config, chat_id, a, b, count)
    client = await signed_in(config, a)
    Theme("light").apply()
    view = ChatView()
    view.resize(900, 700)
    view.show()
    painted = {"t": 0.0}
    original = view.list.bubbles.paint

    def paint_hook(*args):
        if not painted["t"]:
            painted["t"] = time.perf_counter()
        return original(*args)

    view.list.bubbles.paint = paint_hook
    times: list[float] = []
    loaded: list[float] = []  # first page in the model (the GET's share)
    gc.collect()
    rss_before = rss_mb()
    rss_after_open = rss_before
    for r in range(rounds):
        client.close_chat()
        painted["t"] = 0.0
        t0 = time.perf_counter()
        session = client.open_chat(b)
        view.show_session(session, "bench")
        rows_at = {}
        opened = {"done": False}
        session.first_page_loaded.connect(lambda d=opened: d.update(done=True))
        if session.model.rowCount():  # painted from the local cache at once
            rows_at["t"] = time.perf_counter()
        session.model.rowsInserted.connect(
            lambda *_a, d=rows_at: d.setdefault("t", time.perf_counter())
        )
        await until(lambda s=session: s.model.rowCount() > 0 and painted["t"], 30)
        times.append((painted["t"] - t0) * 1000)
        loaded.append((rows_at["t"] - t0) * 1000)
        if r == 0:
            gc.collect()
            rss_after_open = rss_mb()
    print(f"chat of {count} messages, first page of {session.model.rowCount()} rows")
    print(f"time to first paint: p50={statistics.median(times):.1f} ms "
          f"min={min(times):.1f} ms max={max(times):.1f} ms (n={len(times)}; target <= 300 ms)")
    print(f"  of which first page read (GET limitToLast=50, orderBy $key): "
          f"p50={statistics.median(loaded):.1f} ms; first open: paint {times[0]:.1f} ms, "
          f"page read {loaded[0]:.1f} ms")
    # Scroll up ten pages, as a reader would (once the chat has opened: rows from the local
    # cache can be painted before that).
    await until(lambda: opened["done"], 30)
    for _ in range(10):
        before = session.model.rowCount()
        bar = view.list.verticalScrollBar()
        bar.setValue(bar.maximum())  # a change to 0 even when the last page left it there
        bar.setValue(0)
        await until(lambda n=before: session.model.rowCount() > n or not session.has_more, 30)
        await asyncio.sleep(0.05)
    gc.collect()
    rss_paged = rss_mb()
    print(f"memory: before open {rss_before:.1f} MB, after first paint "
          f"{rss_after_open:.1f} MB (+{rss_after_open - rss_before:.1f} MB), after scrolling "
          f"up to {session.model.rowCount()} rows {rss_paged:.1f} MB "
          f"(+{rss_paged - rss_before:.1f} MB; target growth <= 50 MB)")
    view.close()
    await client.stop(mark_offline=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    _app, loop = qt_loop()
    with running_suite(only=("auth", "database"), rules=RULES) as suite:
        config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
        loop.run_until_complete(scenario(config, args.messages, args.rounds))


if __name__ == "__main__":
    main()
    finish()
