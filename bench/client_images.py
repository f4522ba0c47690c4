"""A chat of 500 pictures in the real client: scrolling frame times and memory (issue 17).

    .venv/bin/python -m bench.client_images [--images 500]

The suite (auth, database, storage) runs on free ports; two chats are seeded through the
admin APIs: 500 messages of text, and 500 messages each with a picture (a 1600x1200 photo-like
JPEG in Storage and its 320x240 thumbnail at thumbs/<name>, as the thumbnail function makes
it; bench.storage_thumbnail times the function itself). A real MessengerClient with a data
folder signs in, the real ChatView is shown offscreen (900x700), every page of the chat is
loaded, and the list is scrolled from the top to the bottom in 120 px steps, each step
painted synchronously (the frame's time: scroll, layout, paint; decoding runs off the GUI
thread and lands between frames). Three passes over the picture chat: cold (thumbnails
downloaded), warm (from memory and the disk cache), and the text chat for comparison.
Memory: RSS after the text chat was read through, and after the picture chat was read
through with every thumbnail loaded (target: <= 100 MB more).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from messenger_desktop.client import MessengerClient
from messenger_desktop.config import emulator_config
from messenger_desktop.firebase.session import AuthSession
from messenger_desktop.models.chat_list import direct_chat_id
from messenger_desktop.views.chat_view import ChatView
from messenger_desktop.views.theme import Theme
from messenger_model import attachments
from messenger_model.push_ids import new_push_id

from bench.client_support import (
    REPO,
    RULES,
    finish,
    percentile,
    qt_loop,
    rss_mb,
    unsigned_custom_token,
    until,
)
from tests.support.suite import running_suite

FRAME_MS = 1000 / 60
PROFILE = False


def pictures() -> tuple[bytes, bytes]:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(7)
    noise = rng.integers(0, 256, (150, 200, 3), dtype=np.uint8)
    img = Image.fromarray(noise).resize((1600, 1200), Image.Resampling.BILINEAR)
    big, small = io.BytesIO(), io.BytesIO()
    img.save(big, "JPEG", quality=85)
    img.resize((320, 240), Image.Resampling.LANCZOS).save(small, "JPEG", quality=80)
    return big.getvalue(), small.getvalue()


def seed(config, chat_id: str, a: str, b: str, count: int, with_pictures: bool) -> None:
    base = int(time.time() * 1000) - count * 1000
    msgs = {}
    big, small = pictures() if with_pictures else (b"", b"")
    storage = f"{config.storage_url}/v0/b/{config.bucket}/o"
    owner = {"Authorization": "Bearer owner"}
    with httpx.Client(timeout=60) as http:
        for i in range(count):
            sender = a if i % 2 else b
            mid = new_push_id(base + i * 1000)
            value: dict = {"sender": sender, "text": f"Message {i}: lorem ipsum dolor",
                           "ts": base + i * 1000}
            if with_pictures:
                path = attachments.object_path(chat_id, sender, mid, "photo.jpg")
                for name, body in ((path, big), (attachments.thumb_path(path), small)):
                    r = http.post(storage, params={"name": name}, content=body,
                                  headers={**owner, "Content-Type": "image/jpeg"})
                    r.raise_for_status()
                value["text"] = "" if i % 3 else f"Picture {i}"
                value["attachment"] = attachments.Attachment(
                    path, f"IMG_{i:04}.jpg", len(big), "image/jpeg",
                    attachments.thumb_path(path), 1600, 1200).as_value()
            msgs[mid] = value
        r = http.put(f"{config.database_url}/messages/{chat_id}.json",
                     params={"auth": "owner", "ns": config.project_id}, json=msgs)
        r.raise_for_status()


async def read_through(client: MessengerClient, view: ChatView, other: str) -> None:
    """Open the chat and load every page (scrolling up as a reader would)."""
    client.close_chat()
    session = client.open_chat(other)
    view.show_session(session, "bench")
    await until(lambda: session.model.rowCount() > 0, 30)
    while session.has_more:
        before = session.model.rowCount()
        view.list.verticalScrollBar().setValue(0)
        await until(lambda n=before: session.model.rowCount() > n or not session.has_more, 30)
        await asyncio.sleep(0.02)


CPU_FRAMES: dict[int, list[float]] = {}  # id(frames) -> the same frames' GUI-thread CPU (ms)


async def scroll(view: ChatView, wait_pictures=None) -> list[float]:
    """Top to bottom in 120 px steps, each step painted now; returns frame times (ms). The
    GUI thread's CPU time of each frame goes to CPU_FRAMES: a frame long in wall time but
    short in CPU waited for a core (the machine's load), not for its own work."""
    bar = view.list.verticalScrollBar()
    bar.setValue(0)
    await asyncio.sleep(0.05)
    frames: list[float] = []
    cpu: list[float] = []
    CPU_FRAMES[id(frames)] = cpu
    value = 0
    while True:
        t0, c0 = time.perf_counter(), time.thread_time()
        bar.setValue(value)
        view.list.viewport().repaint()
        frames.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
        await asyncio.sleep(0)  # what arrived meanwhile (decoded thumbnails) lands here
        if wait_pictures is not None:
            await wait_pictures()
        if value >= bar.maximum():
            break
        value = min(bar.maximum(), value + 120)
    return frames


def line(name: str, frames: list[float]) -> str:
    over = sum(1 for f in frames if f > FRAME_MS)
    cpu = CPU_FRAMES.get(id(frames), [])
    cpu_part = (f"; CPU p50={percentile(cpu, 50):.1f} p99={percentile(cpu, 99):.1f} "
                f"max={max(cpu):.1f} ms, over 16.7 ms: {sum(1 for f in cpu if f > FRAME_MS)}"
                if cpu else "")
    return (f"  {name:<34} frames={len(frames)} p50={percentile(frames, 50):.1f} ms "
            f"p99={percentile(frames, 99):.1f} ms max={max(frames):.1f} ms, "
            f"over 16.7 ms: {over}{cpu_part}")


async def scenario(config, count: int) -> None:
    me, text_peer, picture_peer = (uuid.uuid4().hex[:28] for _ in range(3))
    seed(config, direct_chat_id(me, text_peer), me, text_peer, count, False)
    seed(config, direct_chat_id(me, picture_peer), me, picture_peer, count, True)
    folder = Path(tempfile.mkdtemp(prefix="bench-images-"))
    session = AuthSession(config)
    await session.sign_in_with_custom_token(unsigned_custom_token(me), me)
    client = MessengerClient(session, folder)
    client.start()
    Theme("light").apply()
    view = ChatView()
    view.attachments.bind(client)
    view.resize(900, 700)
    view.show()
    gc.collect()
    rss_start = rss_mb()
    await read_through(client, view, text_peer)
    text_frames = await scroll(view)
    gc.collect()
    rss_text = rss_mb()
    await read_through(client, view, picture_peer)
    images = client.images

    async def settle() -> None:  # every visible thumbnail loaded before the next frame
        await until(lambda: not images._loading, 30)  # noqa: SLF001 - the bench waits on it

    cold = await scroll(view, settle)
    if PROFILE:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    warm = await scroll(view)
    if PROFILE:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    gc.collect()
    rss_pictures = rss_mb()
    loaded = sum(1 for r in range(client.current.model.rowCount())
                 if client.current.model.message(r).attachment is not None)
    print(f"chats of {count} messages; {loaded} picture bubbles read through, "
          f"decoded thumbnails in memory {images.memory_bytes() / 2**20:.1f} MB "
          f"(budget {40} MB)")
    print("scrolling top to bottom, 120 px a frame (900x700 view, offscreen):")
    print(line("text chat", text_frames))
    print(line("pictures, cold (thumbnails fetched)", cold))
    print(line("pictures, warm (memory/disk cache)", warm))
    print(f"memory: start {rss_start:.1f} MB, text chat read through {rss_text:.1f} MB, "
          f"picture chat read through {rss_pictures:.1f} MB: "
          f"+{rss_pictures - rss_text:.1f} MB for {loaded} picture bubbles (target <= 100 MB)")
    view.close()
    await client.stop(mark_offline=False)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=500)
    parser.add_argument("--profile", action="store_true",
                        help="print where the warm pass's GUI thread spends its time")
    args = parser.parse_args()
    global PROFILE
    PROFILE = args.profile
    _app, loop = qt_loop()
    with running_suite(only=("auth", "database", "storage"), rules=RULES,
                       storage_rules=REPO / "storage.rules") as suite:
        config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
        loop.run_until_complete(scenario(config, args.images))


if __name__ == "__main__":
    main()
    finish()
