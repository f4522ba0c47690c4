"""One app instance of bench.client_soak: the real Application, driven by commands on stdin.

    python -m bench.client_soak_app CONFIG_JSON FOLDER EMAIL

Set up as `messenger` sets itself up (qasync loop, executor, the signal wake-up timer), with
its own settings, token file and data folder; it registers through the sign-in form, prints
`{"ready": uid}` and then runs one JSON command per stdin line, answering `{"done": id, ...}`
on stdout. `stats` is answered at once from the reader thread (None's reference count), even
while a long command runs. A crash ends the process; the parent sees it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from messenger_desktop.application import Application
from messenger_desktop.config import ClientConfig
from messenger_desktop.main import quit_on_signals
from messenger_desktop.store.settings import Settings
from messenger_desktop.store.tokens import FileTokenStore
from PySide6.QtCore import QSettings

from bench.client_support import qt_loop

OUT_LOCK = threading.Lock()
MAX_IN_FLIGHT = 50  # sending: the outbox holds at most this many (a fast typist, not a paste)
SCROLL_STEP_S = 0.016  # one step a frame


def say(doc: dict) -> None:
    with OUT_LOCK:
        sys.stdout.write(json.dumps(doc) + "\n")
        sys.stdout.flush()


async def until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out: {what}")
        await asyncio.sleep(0.02)


async def until_fine(predicate, timeout: float, what: str) -> None:
    """`until`, checking every 2 ms (for latencies)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out: {what}")
        await asyncio.sleep(0.002)


def census(top: int) -> dict:
    """Live objects by type after a full collection: the app's own classes and asyncio's
    handles, the ones a leak round after round shows up in (--census)."""
    import collections
    import gc

    gc.collect()
    counts = collections.Counter(
        f"{type(o).__module__}.{type(o).__qualname__}" for o in gc.get_objects())
    mine = {k: v for k, v in counts.items()
            if k.startswith(("messenger_desktop", "asyncio", "_asyncio", "qasync"))}
    return {"top": dict(counts.most_common(top)), "app": mine}


class Driver:
    def __init__(self, app: Application) -> None:
        self.app = app

    @property
    def client(self):
        assert self.app.client is not None, "signed out"
        return self.app.client

    @property
    def chat(self):
        return self.app.window.messenger.chat

    async def open(self, peer: str) -> dict:
        before = self.client.current
        self.app.open_person(peer)
        session = self.client.current
        if session is not before:  # its first page is read on the next turn of the loop
            loaded = asyncio.Event()
            session.first_page_loaded.connect(loaded.set)
            await asyncio.wait_for(loaded.wait(), 30)
        return {"rows": session.model.rowCount()}

    def close(self) -> dict:
        self.client.close_chat()
        self.chat.session = None
        self.app.window.messenger.show_placeholder()
        return {}

    async def send(self, peer: str, count: int, prefix: str) -> dict:
        await self.open(peer)
        outbox = self.client.outbox
        t0 = time.monotonic()
        for i in range(count):
            while len(outbox.pending(self.client.current.chat_id)) >= MAX_IN_FLIGHT:
                await asyncio.sleep(0.005)
            text = f"{prefix} {i}: " + "lorem ipsum dolor sit amet " * (1 + i % 4)
            self.client.current.send(text)
            if i % 10 == 0:
                await asyncio.sleep(0)  # let Qt paint and the streams deliver
        chat_id = self.client.current.chat_id
        await until(lambda: not outbox.pending(chat_id), 300, "outbox drained")
        return {"seconds": round(time.monotonic() - t0, 1)}

    async def wait_rows(self, count: int, timeout: float) -> dict:
        session = self.client.current
        await until(lambda: session.model.rowCount() >= count, timeout, f"{count} rows")
        return {"rows": session.model.rowCount()}

    async def scroll(self, seconds: float, pages: int, passes: int | None = None) -> dict:
        """Up by a third of a screen a frame until `pages` older pages were loaded (or the top),
        then back down to the bottom; again until `seconds` or `passes` are over."""
        bar = self.chat.list.verticalScrollBar()
        session = self.client.current
        end = time.monotonic() + seconds
        done = 0
        while time.monotonic() < end and (passes is None or done < passes):
            start_rows = session.model.rowCount()
            while time.monotonic() < end:
                bar.setValue(bar.value() - max(1, bar.pageStep() // 3))
                await asyncio.sleep(SCROLL_STEP_S)
                loaded = session.model.rowCount() - start_rows
                if bar.value() <= 0 and (not session.has_more or loaded >= pages * 50):
                    break
            while time.monotonic() < end and bar.value() < bar.maximum():
                bar.setValue(bar.value() + max(1, bar.pageStep() // 3))
                await asyncio.sleep(SCROLL_STEP_S)
            done += 1
        return {"passes": done, "rows": session.model.rowCount()}

    async def cycle(self, peers: list[str]) -> dict:
        """Open each chat, look at it for a moment, close it."""
        for peer in peers:
            await self.open(peer)
            await asyncio.sleep(0.2)
            self.close()
            await asyncio.sleep(0.05)
        return {"chats": len(peers)}

    def chats(self) -> dict:
        return {"rows": self.client.chats.rowCount()}

    async def act(self, count: int) -> dict:
        """Message actions on the newest messages of the open chat: react to the other
        person's (cycling through the emoji, so a reaction changes or goes), edit my own,
        reply to theirs."""
        from messenger_desktop.views.emoji_picker import REACTIONS

        session = self.client.current
        model, me = session.model, self.client.uid
        rows = [model.message(r) for r in range(max(0, model.rowCount() - 4 * count),
                                                model.rowCount())]
        theirs = [m for m in rows if m.sender != me and not m.pending][-count:]
        mine = [m for m in rows if m.sender == me and not m.pending and m.text
                and not m.text.endswith(" (edited)")][-count:]
        for i, msg in enumerate(theirs):
            await session.actions.react(msg.id, REACTIONS[(i + len(msg.reactions)) % 6])
        for msg in mine:
            await session.actions.edit(msg.id, msg.text + " (edited)")
        if theirs:
            session.send("a reply to that", reply_to=theirs[-1].id)
        return {"reactions": len(theirs), "edits": len(mine)}

    # typing indicators (bench.client_typing) -----------------------------------------------
    async def attach(self, count: int, round_: int) -> dict:
        """Pictures through the attach path (issue 17): prepared, uploaded, sent; waits until
        the last is confirmed and its thumbnail (the function's, or the original) is shown."""
        import tempfile

        from PySide6.QtGui import QColor, QImage

        folder = Path(tempfile.mkdtemp(prefix="soak-pictures-"))
        files = []
        for i in range(count):
            image = QImage(640, 480, QImage.Format.Format_RGB32)
            image.fill(QColor.fromHsv((round_ * 37 + i * 53) % 360, 160, 220))
            file = folder / f"picture-{round_}-{i}.png"
            image.save(str(file))
            files.append(file)
        session = self.client.current
        await self.chat.attachments.attach(files)
        model = session.model

        def sent() -> bool:
            done = [model.message(r) for r in range(model.rowCount())
                    if model.message(r).attachment is not None
                    and model.message(r).sender == self.client.uid  # not the other's
                    and model.message(r).attachment.name.startswith(f"picture-{round_}-")
                    and not model.message(r).pending]
            return len(done) == count

        await until(sent, 120, "pictures sent")
        self.chat.scroll_to_newest()
        return {"pictures": count}

    def type_keys(self, count: int) -> dict:
        """`count` keystrokes into the open chat's input; the wall time of the first."""
        from PySide6.QtTest import QTest

        at = time.time()
        for _ in range(count):
            QTest.keyClicks(self.chat.input, "a")
        return {"at": at}

    def stop_typing(self) -> dict:
        """Clear the input and stop typing, as sending does (the entry is deleted)."""
        self.chat.input.clear()
        self.chat.sent.emit()
        return {"at": time.time()}

    async def wait_typing(self, shown: bool, timeout: float) -> dict:
        """Until the typing line shows (or is gone): the wall time it changed."""
        await until_fine(lambda: bool(self.chat.typing_text) == shown, timeout, "typing line")
        return {"at": time.time(), "text": self.chat.typing_text}

    async def run(self, cmd: dict) -> dict:
        name = cmd["cmd"]
        if name == "collected_refs":
            # On the GUI thread (objects freed here may be Qt's): None's count once every
            # unreachable object is gone, so garbage waiting for the collector does not
            # count as a loss.
            import gc

            gc.collect()
            return {"none_refs": sys.getrefcount(None)}
        if name == "census":
            return census(cmd.get("top", 25))
        if name == "open":
            return await self.open(cmd["peer"])
        if name == "close":
            return self.close()
        if name == "send":
            return await self.send(cmd["peer"], cmd["count"], cmd.get("prefix", "msg"))
        if name == "wait_rows":
            return await self.wait_rows(cmd["count"], cmd.get("timeout", 300))
        if name == "scroll":
            return await self.scroll(cmd["seconds"], cmd.get("pages", 10), cmd.get("passes"))
        if name == "cycle":
            return await self.cycle(cmd["peers"])
        if name == "chats":
            return self.chats()
        if name == "act":
            return await self.act(cmd["count"])
        if name == "attach":
            return await self.attach(cmd["count"], cmd["round"])
        if name == "type":
            return self.type_keys(cmd.get("count", 1))
        if name == "stop_typing":
            return self.stop_typing()
        if name == "wait_typing":
            return await self.wait_typing(cmd["shown"], cmd.get("timeout", 10))
        raise ValueError(f"unknown command {name}")


def read_commands(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue) -> None:
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "stats":
            # From this thread, at once: getrefcount is safe under the GIL.
            say({"stats": cmd["id"], "none_refs": sys.getrefcount(None)})
            continue
        loop.call_soon_threadsafe(queue.put_nowait, cmd)
    # End of input: the parent is done (or gone); quit even in the middle of a command.
    loop.call_soon_threadsafe(queue.put_nowait, {"cmd": "quit", "id": -1})


async def main_async(app: Application, email: str) -> None:
    await app.start()
    login = app.window.login
    login.set_mode("register")
    login.email.setText(email)
    login.password.setText("soak password 1")
    login.submit.click()
    await until(lambda: app.client is not None, 60, "sign-in")
    client = app.client
    await until(lambda: client.chats.is_loaded, 30, "people list")
    say({"ready": client.uid})
    queue: asyncio.Queue = asyncio.Queue()
    loop = asyncio.get_running_loop()
    threading.Thread(target=read_commands, args=(loop, queue), daemon=True).start()
    driver = Driver(app)
    running: set[asyncio.Task] = set()

    async def execute(cmd: dict) -> None:
        try:
            result = await driver.run(cmd)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the parent, which stops the run
            say({"done": cmd["id"], "error": f"{type(exc).__name__}: {exc}"})
            return
        say({"done": cmd["id"], **result})

    async def on_close() -> None:  # the window closed, or SIGTERM
        await app.closed.wait()
        queue.put_nowait({"cmd": "quit", "id": -1})

    watcher = asyncio.ensure_future(on_close())
    while True:
        cmd = await queue.get()
        if cmd["cmd"] == "quit":
            break
        # Commands run one at a time, in order; quit does not wait for the current one.
        previous = list(running)
        task = asyncio.ensure_future(_after(previous, execute(cmd)))
        running.add(task)
        task.add_done_callback(running.discard)
    watcher.cancel()
    for task in running:
        task.cancel()
    await app.shutdown()


async def _after(tasks: list[asyncio.Task], coro) -> None:
    for task in tasks:
        try:
            await task
        except asyncio.CancelledError:
            pass
    await coro


def main() -> None:
    config_doc, folder, email = json.loads(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    config = ClientConfig(**config_doc)
    qapp, loop = qt_loop()
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="firebase")
    loop.set_default_executor(executor)
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    app = Application(config, settings, FileTokenStore(folder), folder, executor, None)
    app.window.resize(1000, 700)
    wake = quit_on_signals(loop, app.closed.set)  # noqa: F841 - as `messenger` does
    with loop:
        loop.run_until_complete(main_async(app, email))
    say({"bye": True})


if __name__ == "__main__":
    main()
    from bench.client_support import finish

    finish()
