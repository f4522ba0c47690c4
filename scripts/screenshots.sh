#!/usr/bin/env bash
# Screenshots of the desktop client's main screens, light and dark, into docs/screenshots/.
# Runs the real client against the real emulator suite (free ports) under Xvfb, so what you
# see is what the xcb platform draws. Installs Xvfb, the xcb libraries and a font with
# Cyrillic with apt-get when they are missing (see the Linux notes in the README).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
OUT=docs/screenshots

need=""
command -v Xvfb >/dev/null 2>&1 || need="$need xvfb"
for pkg in libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 \
           libxcb-xkb1 libxkbcommon-x11-0 libxcb-shape0 libxcb-randr0 libxcb-xinerama0 \
           fonts-dejavu-core fonts-noto-color-emoji; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need="$need $pkg"
done
if [ -n "$need" ]; then
  echo "installing:$need"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null
fi

# A free display number, and Xvfb on it for as long as this script runs.
display=99
while [ -e "/tmp/.X11-unix/X$display" ] || [ -e "/tmp/.X$display-lock" ]; do
  display=$((display + 1))
done
Xvfb ":$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
trap 'kill "$xvfb_pid" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done

mkdir -p "$OUT"
export DISPLAY=":$display" QT_QPA_PLATFORM=xcb MESSENGER_NO_KEYRING=1
export MESSENGER_DATA_DIR="$(mktemp -d)"
"$PY" - "$OUT" <<'PYTHON'
"""Drive two real clients into a conversation and grab the window in each state."""
import asyncio
import os
import sys
import time

sys.path.insert(0, os.getcwd())
from pathlib import Path

import httpx
import qasync
from messenger_model.chats import direct_chat_id
from messenger_model.push_ids import new_push_id
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from messenger_desktop.application import Application
from messenger_desktop.config import emulator_config
from messenger_desktop.store.settings import Settings
from messenger_desktop.store.tokens import FileTokenStore
from tests.support.suite import running_suite

OUT = Path(sys.argv[1])
RULES = Path("database.rules.json").read_text()
app = QApplication([])
app.setQuitOnLastWindowClosed(False)
loop = qasync.QEventLoop(app)
asyncio.set_event_loop(loop)


async def until(pred, timeout=20.0):
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("screenshot scene did not settle")
        await asyncio.sleep(0.02)


def client(config, name):
    folder = Path(os.environ["MESSENGER_DATA_DIR"]) / name
    folder.mkdir(parents=True, exist_ok=True)
    settings = Settings(QSettings(str(folder / "s.ini"), QSettings.Format.IniFormat))
    return Application(config, settings, FileTokenStore(folder), folder)


async def sign_up(c, email, name="", password="correct horse battery"):
    await c.start()
    c.window.login.set_mode("register")
    c.window.login.name.setText(name)
    c.window.login.email.setText(email)
    c.window.login.password.setText(password)
    c.window.login.submit.click()
    await until(lambda: c.client is not None)


async def grab(c, name, widget=None):
    await asyncio.sleep(0.4)
    app.processEvents()
    (widget or c.window).grab().save(str(OUT / f"{name}.png"))
    print("wrote", OUT / f"{name}.png")


class Admin:
    """Writes history the way an import would (the suite's admin, over REST)."""

    def __init__(self, suite):
        self.base, self.ns = suite.database_url, suite.ns

    def call(self, method, path, value):
        r = httpx.request(method, f"{self.base}/{path}.json", params={"ns": self.ns},
                          headers={"Authorization": "Bearer owner"}, json=value, timeout=10)
        r.raise_for_status()


def days_ago(days, hour, minute=0):
    t = time.localtime(time.time() - days * 86400)
    return int(time.mktime((t.tm_year, t.tm_mon, t.tm_mday, hour, minute, 0, 0, 0, -1)) * 1000)


def history(me, other, lines):
    """{push id: message} for (sender is me?, text, ts) lines."""
    out = {}
    for mine, text, ts in lines:
        out[new_push_id(ts)] = {"sender": me if mine else other, "text": text, "ts": ts}
    return out


def landscape(path):
    """A photo-like picture: a sunset sky, hills and a lake (Pillow), 1600x1066."""
    from PIL import Image, ImageDraw, ImageFilter

    w, h = 1600, 1066
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h):
        t = y / h
        draw.line([(0, y), (w, y)], fill=(int(255 - 120 * t), int(150 + 40 * t),
                                          int(90 + 140 * t)))
    draw.ellipse((1050, 330, 1250, 530), fill=(255, 214, 120))
    draw.polygon([(0, 640), (300, 430), (620, 610), (900, 470), (1250, 650), (1600, 500),
                  (1600, 1066), (0, 1066)], fill=(70, 92, 110))
    draw.polygon([(0, 760), (420, 600), (800, 740), (1180, 620), (1600, 760), (1600, 1066),
                  (0, 1066)], fill=(40, 66, 80))
    draw.rectangle((0, 860, w, h), fill=(96, 140, 170))
    img.filter(ImageFilter.GaussianBlur(2)).save(path, "JPEG", quality=90)


async def scene(config, suite):
    admin = Admin(suite)
    me = client(config, "me")
    for theme in ("light", "dark"):
        me.set_theme(theme)
    me.set_theme("light")
    await me.start()
    me.window.resize(1000, 680)
    me.window.login.email.setText("maria@example.com")
    me.window.login.password.setText("secret")
    await grab(me, "login-light")
    me.set_theme("dark")
    me.window.login.set_mode("register")
    me.window.login.name.setText("Maria Santos")
    me.window.login.show_error("An account with this email already exists.")
    await grab(me, "register-error-dark")
    me.set_theme("light")

    people = {}
    names = {"ivan.petrov": "Иван Петров", "sofia.lind": "Sofia Lind", "tom.baker": "Tom Baker",
             "anna.k": "Anna K."}
    for login, name in names.items():
        other = client(config, login)
        await sign_up(other, f"{login}@example.com", name)
        people[login] = other
    me.window.login.set_mode("register")
    me.window.login.name.setText("Maria Santos")
    me.window.login.email.setText("maria@example.com")
    me.window.login.password.setText("correct horse battery")
    me.window.login.submit.click()
    await until(lambda: me.client is not None)
    uid = me.client.uid
    for other in people.values():
        await until(lambda o=other: o.client.chats.row_for_uid(uid) is not None)
    ivan = people["ivan.petrov"]
    ivan_chat = direct_chat_id(uid, ivan.client.uid)
    # Earlier days of the conversation: date separators above each day's first message.
    admin.call("PATCH", f"messages/{ivan_chat}", history(uid, ivan.client.uid, [
        (False, "Can you send me the draft of the design notes?", days_ago(6, 10, 12)),
        (True, "Sure, tomorrow morning.", days_ago(6, 10, 20)),
        (True, "Here they are: https://example.com/notes/v1", days_ago(1, 9, 5)),
        (False, "Thanks! I will read them tonight.", days_ago(1, 18, 40)),
    ]))
    admin.call("PATCH", f"userChats/{uid}/{ivan_chat}", {"readAt": days_ago(0, 0, 1)})
    script = [
        ("sofia.lind", "Are we still on for Friday?"),
        ("tom.baker", "The build is green again, details: https://example.com/ci/1234"),
        ("ivan.petrov", "Привет! Как дела?"),
        ("ivan.petrov", "I pushed the design notes, have a look when you can.\nNo rush."),
    ]
    for login, text in script:
        o = people[login]
        o.open_person(uid)
        o.client.current.send(text)
        await until(lambda o=o: o.client.current.model.rowCount() and
                    not o.client.current.model.message(o.client.current.model.rowCount() - 1).pending)
        await asyncio.sleep(0.15)
    await until(lambda: me.client.chats.total_unread() >= 4)
    await people["anna.k"].shutdown()  # offline: shows "last seen"
    me.window.raise_()
    me.window.activateWindow()
    await until(lambda: me.window.isActiveWindow(), 5)
    me.open_person(ivan.client.uid)
    await until(lambda: me.client.current.model.rowCount() == 6)
    me.window.messenger.chat.scroll_to_newest()
    me.client.current.send("Doing well, thanks! Reading them now.")
    await until(lambda: ivan.client.current.model.rowCount() == 7)
    ivan.client.current.send("Great. Tell me what you think!")
    await until(lambda: me.client.current.model.rowCount() == 7)
    # Ivan reads it: Maria's messages show ✓✓ (read receipts, issue 15).
    await until(lambda: ivan.client.chats.row_for_uid(uid).unread > 0
                or ivan._chat_in_view(ivan_chat))
    await ivan.client.mark_read(ivan_chat)
    doing = next(me.client.current.model.message(r)
                 for r in range(me.client.current.model.rowCount())
                 if me.client.current.model.message(r).text.startswith("Doing well"))
    await until(lambda: me.client.live.mark(doing).state == "read")
    me.window.messenger.chat.input.setPlainText("Looks good so far")
    await until(lambda: me.client.chats.row_for_uid(ivan.client.uid).unread == 0)
    await grab(me, "chat-light")
    me.set_theme("dark")
    await grab(me, "chat-dark")
    me.set_theme("light")
    me.set_language("ru")
    await asyncio.sleep(0.2)
    await grab(me, "chat-light-ru")
    me.set_language("en")

    # A long chat with unread messages: it opens at the first one, under the divider.
    sofia = people["sofia.lind"]
    sofia_chat = direct_chat_id(uid, sofia.client.uid)
    topics = ["the venue", "the guest list", "the music", "the cake", "the photos",
              "the invitations", "the budget", "the timing"]
    lines = []
    for i, topic in enumerate(topics * 2):
        lines.append((i % 2 == 1, f"What do we do about {topic}?" if i % 2 == 0
                      else f"I'll take care of {topic}.", days_ago(1, 17, i)))
    unread_lines = [(False, text, days_ago(0, 0, 0) + 3600_000 * 9 + i * 60_000) for i, text in
                    enumerate(["Good morning!", "I found a place for Friday.",
                               "It has a garden and a small stage.",
                               "They can do dinner for twenty.", "Shall I book it?",
                               "They need an answer by noon.", "Here is the menu: "
                               "https://example.com/menu", "The soup looks great.",
                               "And there is parking for everyone.", "Tom says yes.",
                               "Anna too, if we start after six.", "Six it is?",
                               "I can pick up the cake on the way.",
                               "Call me when you are up."])]
    admin.call("PATCH", f"userChats/{uid}/{sofia_chat}", {"readAt": days_ago(1, 23)})
    admin.call("PATCH", f"messages/{sofia_chat}", history(uid, sofia.client.uid, lines))
    admin.call("PATCH", f"messages/{sofia_chat}",
               history(uid, sofia.client.uid, unread_lines))
    await until(lambda: me.client.chats.row_for_uid(sofia.client.uid).unread >= 15)
    me.open_person(sofia.client.uid)
    chat = me.window.messenger.chat
    await until(lambda: chat.to_bottom.isVisible())
    await grab(me, "unread-light")
    me.set_theme("dark")
    await grab(me, "unread-dark")

    # The profile dialog: the name others see, and the avatar it gives.
    for theme in ("light", "dark"):
        me.set_theme(theme)
        me.open_profile()
        await until(lambda: me.profile_dialog is not None and me.profile_dialog.isVisible())
        await grab(me, f"profile-{theme}", me.profile_dialog)
        me.profile_dialog.reject()
        await asyncio.sleep(0.1)

    # Search, from the local cache: in the open chat (Ctrl+F), and across chats (sidebar).
    tom = people["tom.baker"]
    tom_chat = direct_chat_id(uid, tom.client.uid)
    admin.call("PATCH", f"messages/{tom_chat}", history(uid, tom.client.uid, [
        (False, "Friday works for me, after six.", days_ago(0, 8, 30)),
        (True, "Great, see you Friday then!", days_ago(0, 8, 34)),
    ]))
    me.open_person(tom.client.uid)
    await until(lambda: me.client.current.model.rowCount() >= 3)
    me.open_person(sofia.client.uid)
    await until(lambda: me.client.current.model.rowCount() >= 30)
    chat.search.open("cake")
    await until(lambda: chat.search_bar.count.text() == "1 of 3")
    for theme in ("light", "dark"):
        me.set_theme(theme)
        await grab(me, f"search-chat-{theme}")
    chat.search.close()
    side = me.window.messenger.sidebar
    side.search.setText("friday")
    await until(lambda: side.messages.model.rowCount() >= 4 and side.messages.isVisible())
    for theme in ("light", "dark"):
        me.set_theme(theme)
        await grab(me, f"search-all-{theme}")
    side.search.clear()
    # Message actions: a reply with its quote, an edited message, reactions, a forward, and
    # a reply being written (the bar over the composer).
    me.set_theme("light")
    me.window.raise_()
    me.window.activateWindow()  # looking at it: opening the chat marks it read
    await until(lambda: me.window.isActiveWindow(), 5)
    me.open_person(tom.client.uid)
    mine = me.client.current
    await until(lambda: mine.synced and mine.model.rowCount() >= 3)

    def rows(session):
        return [session.model.message(r) for r in range(session.model.rowCount())]

    build = next(m for m in rows(mine) if m.text.startswith("The build is green"))
    chat = me.window.messenger.chat
    chat.message_actions.start_reply(build)
    chat.input.setPlainText("Great news! Was it the flaky cache test again?")
    chat.send_button.click()
    await until(lambda: rows(mine)[-1].reply_to == build.id and not rows(mine)[-1].pending)
    reply_id = rows(mine)[-1].id
    tom.open_person(uid)
    theirs = tom.client.current
    await until(lambda: theirs.model.get(reply_id) is not None)
    theirs.send("Yes, it timed out on the slow runner. I raised the timeout to 5 s.")
    await until(lambda: rows(theirs)[-1].text.endswith("5 s.") and not rows(theirs)[-1].pending)
    fixed = rows(theirs)[-1].id
    await theirs.actions.edit(fixed, "Yes, it timed out on the slow runner. "
                                     "I raised the timeout to 10 s.")
    await theirs.actions.react(reply_id, "👍")
    await theirs.actions.react(fixed, "🙏")
    await until(lambda: mine.model.get(fixed) is not None and mine.model.get(fixed).edited_at)
    await mine.actions.react(fixed, "🙏")
    ivan_note = next(m for m in rows(ivan.client.current)
                     if m.text.startswith("I pushed the design notes"))
    ivan.client.current.actions.forward(ivan_note.id, [direct_chat_id(ivan.client.uid,
                                                                     tom.client.uid)])
    tom.open_person(ivan.client.uid)
    await until(lambda: rows(tom.client.current) and rows(tom.client.current)[-1].forwarded_from
                and not rows(tom.client.current)[-1].pending)
    fwd = rows(tom.client.current)[-1]
    tom.client.current.actions.forward(fwd.id, [direct_chat_id(uid, tom.client.uid)])
    await until(lambda: rows(mine)[-1].forwarded_from is not None
                and len(mine.model.get(fixed).reactions) == 2)
    chat.message_actions.start_reply(mine.model.get(fixed))
    chat.input.setPlainText("Thanks, I'll")
    chat.scroll_to_newest()
    await grab(me, "actions-light")
    me.set_theme("dark")
    await grab(me, "actions-dark")
    chat.message_actions.cancel()
    chat.input.clear()

    # A group: names and avatars on the bubbles, a system line, "read by N" on my message,
    # and Tom typing (issue 15).
    from PySide6.QtTest import QTest

    me.set_theme("light")
    others = [ivan.client.uid, sofia.client.uid, tom.client.uid]
    group = await me.groups.api.create_group("Design team", others)
    me.open_person(group)
    for person, text in ((ivan, "I uploaded the new mockups to the shared folder."),
                         (sofia, "The colours look much calmer now 👍"),
                         (tom, "Can we keep the old icons for one more release?")):
        await until(lambda p=person: p.client.chats.row_for_chat(group) is not None)
        person.open_person(group)
        person.client.current.send(text)
        await until(lambda p=person: not p.client.current.model.message(
            p.client.current.model.rowCount() - 1).pending)
        await asyncio.sleep(0.2)
    me.client.current.send("Yes, let's decide on Friday. I'll book the room.")
    mine = me.client.current
    await until(lambda: not mine.model.message(mine.model.rowCount() - 1).pending)
    for person in (ivan, sofia):
        await until(lambda p=person: p.client.chats.row_for_chat(group).unread > 0
                    or p._chat_in_view(group))
        await person.client.mark_read(group)
    last = mine.model.message(mine.model.rowCount() - 1)
    await until(lambda: len(me.client.live.mark(last).readers) == 2)
    chat.scroll_to_newest()
    for theme in ("light", "dark"):
        me.set_theme(theme)
        QTest.keyClicks(tom.window.messenger.chat.input, "S")
        await until(lambda: chat.typing_text != "")
        await grab(me, f"group-{theme}")
        members = me.groups.show_members()
        await until(lambda m=members: m.isVisible() and m.members.count() == 4)
        await grab(me, f"group-members-{theme}", members)
        members.reject()
    tom.window.messenger.chat.input.clear()

    # Pictures and files (issue 17): a photo and a PDF from Sofia, and my upload under way.
    media = Path(os.environ["MESSENGER_DATA_DIR"]) / "media"
    media.mkdir(exist_ok=True)
    landscape(media / "IMG_2041.jpg")
    (media / "Design notes v2.pdf").write_bytes(b"%PDF-1.4\n" + os.urandom(180_000))
    sofia.open_person(uid)
    sofia_chat = sofia.client.current
    for item in ("IMG_2041.jpg", "Design notes v2.pdf"):
        await sofia.window.messenger.chat.attachments.attach([media / item])
        await until(lambda: sofia_chat.model.message(sofia_chat.model.rowCount() - 1)
                    .attachment is not None and not sofia_chat.model.message(
                        sofia_chat.model.rowCount() - 1).pending, 30)
        if item.endswith(".jpg"):
            sofia_chat.send("The view from the hotel, last night 🌄")
            await asyncio.sleep(0.3)
    me.open_person(sofia.client.uid)
    mine = me.client.current
    await until(lambda: sum(1 for r in range(mine.model.rowCount())
                            if mine.model.message(r).attachment) == 2, 30)
    photo_msg = next(mine.model.message(r) for r in range(mine.model.rowCount())
                     if mine.model.message(r).attachment
                     and mine.model.message(r).attachment.is_image)
    await until(lambda: me.client.images.thumbnail(photo_msg.attachment) is not None, 30)
    # My upload, staged at 42 %: the queue is paused so the bar stays put for the picture.
    me.client.uploads.stop()
    (media / "Budget 2027.xlsx").write_bytes(os.urandom(2_400_000))
    await me.window.messenger.chat.attachments.attach([media / "Budget 2027.xlsx"])
    pending = mine.model.message(mine.model.rowCount() - 1)
    me.client.uploads._sent[pending.id] = int(pending.attachment.size * 0.42)
    me.window.messenger.chat.scroll_to_newest()
    for theme in ("light", "dark"):
        me.set_theme(theme)
        await grab(me, f"attachments-{theme}")
    me.client.uploads.cancel(pending.id)
    me.client.uploads.start()

    me.open_person(ivan.client.uid)
    me.set_theme("dark")
    # A real outage: the servers go away; a message waits, visibly, with the banner up.
    suite.kill()
    me.window.messenger.chat.input.clear()
    me.client.current.send("This one waits until the connection is back")
    banner = me.window.messenger.banner
    await until(lambda: banner.isVisibleTo(me.window), 20)
    await grab(me, "offline-pending-dark")
    # The servers are gone: nothing to say goodbye to; the process ends below.


with running_suite(rules=RULES, storage_rules=Path("storage.rules").resolve()) as suite:
    config = emulator_config("127.0.0.1", suite.ports, suite.project_id)
    loop.run_until_complete(scene(config, suite))
sys.stdout.flush()
os._exit(0)  # skip PySide6's finalizer GC (it can abort at exit after all work is done)
PYTHON
echo "screenshots in $OUT"
