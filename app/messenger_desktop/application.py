"""Wires config, emulator launcher, session, client, window, theme, language and tray.

The flow: show the window at once; start the bundled servers if needed (busy state on the
sign-in page); sign in silently with a remembered refresh token, else wait for the form; then
run the messenger until the window closes; on the way out mark offline, close the streams and
stop only the servers this process started.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, cast
from urllib.parse import urlparse

from messenger_model.chats import is_group_id
from PySide6.QtCore import QMetaObject, QObject, Qt, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from . import i18n
from .attachments.profile_picture import bind_pictures, picture_dialog, unbind_pictures
from .config import ClientConfig, ConfigError, load_config_file
from .errors import SessionExpired, Unreachable, UserFacingError
from .firebase.emulator import EmulatorLauncher
from .firebase.session import AuthSession
from .models.chat_list import Roles as ChatRoles
from .models.presence import describe
from .notifications import Notifier
from .sound import Chime
from .store.settings import Settings
from .store.tokens import SavedSession, TokenStore
from .views.forward_dialog import ForwardDialog
from .views.main_window import MainWindow
from .views.profile_dialog import ProfileDialog
from .views.text import plain_message_box
from .views.theme import Theme

if TYPE_CHECKING:
    from .client import MessengerClient
    from .group_actions import GroupActions
    from .live_binder import LiveBinder

log = logging.getLogger(__name__)


def _preload() -> None:
    """Import what sign-in and the messenger need (httpx, pyrebase4, ...) on a worker thread,
    after the window is up: the first window does not wait for a second of imports."""
    from . import client  # noqa: F401
    from .firebase import api  # noqa: F401


class _NoTokens:
    """Stands in until the real token store is known (nothing saved, nothing loaded)."""

    name = "none"

    def load(self, account: str) -> SavedSession | None:
        return None

    def save(self, account: str, session: SavedSession) -> None:
        pass

    def clear(self, account: str) -> None:
        pass


class Application(QObject):
    window_shown = Signal()
    def __init__(
        self,
        config: ClientConfig,
        settings: Settings,
        tokens: TokenStore | Callable[[], TokenStore],
        data_dir: Path,
        executor: Executor | None = None,
        launcher: EmulatorLauncher | None = None,
        heartbeat_s: float | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.settings = settings
        # A factory is called on a worker thread once the window is up: finding a keyring
        # backend can take half a second.
        self._tokens_factory: Callable[[], TokenStore] | None = None
        self.tokens: TokenStore = _NoTokens()
        if hasattr(tokens, "load") or not callable(tokens):
            self.tokens = cast(TokenStore, tokens)  # mypy narrows neither test to the Protocol
        else:
            self._tokens_factory = tokens
        self.data_dir = data_dir
        self.executor = executor
        self.launcher = launcher
        self.heartbeat_s = heartbeat_s
        self.theme = Theme(settings.theme)
        self.window = MainWindow()
        self.notifier = Notifier(self.window)
        self.chime = Chime(data_dir)
        self.session = AuthSession(config, executor)
        self.client: MessengerClient | None = None
        self.email = ""
        self.closed = asyncio.Event()
        self._retry: Callable[[], Awaitable[None]] | None = None
        self._marking = False
        self._warm: asyncio.Future | None = None
        self._watch: asyncio.Future | None = None  # _watch_suite while the server is gone
        self.profile_dialog: ProfileDialog | None = None
        self.binder: LiveBinder | None = None  # the open chat's receipts/typing <-> its view
        self.groups: GroupActions | None = None  # new group, members, add/remove/rename/leave
        # The signed-in client's signals wired to this object and the window: cut on sign-out
        # and quit, so a late one (a stream event already read, a picture decoded) reaches
        # neither the next account's window nor a window Qt has deleted.
        self._wired: list[QMetaObject.Connection] = []
        self._wire_window()

    @property
    def account(self) -> str:
        return f"{self.config.project_id}@{urlparse(self.config.database_url).netloc}"

    # startup -------------------------------------------------------------------------------
    def _wire_window(self) -> None:
        w = self.window
        w.login.submitted.connect(
            lambda mode, email, password, stay: self._spawn(
                self.submit(mode, email, password, stay, name=w.login.display_name()))
        )
        w.login.retry_requested.connect(self._on_retry)
        w.closing.connect(self.save_window)
        w.closing.connect(self.closed.set)
        w.focus_changed.connect(self._on_focus)
        w.escape_pressed.connect(self.on_escape)
        side = w.messenger.sidebar
        side.person_selected.connect(self.open_person)
        side.theme_chosen.connect(self.set_theme)
        side.language_chosen.connect(self.set_language)
        side.sign_out_requested.connect(lambda: self._spawn(self.sign_out()))
        side.project_requested.connect(self.choose_project)
        side.profile_requested.connect(self.open_profile)
        side.sound_toggled.connect(self.set_sound)
        side.mute_requested.connect(self.set_muted)
        side.builtin_requested.connect(self.use_builtin)
        side.messages.activated.connect(self.open_search_result)
        self.notifier.chat_requested.connect(self.open_chat_id)
        self.notifier.show_window.connect(self._raise)
        self.theme.changed.connect(lambda _n: self.window.update())

    def _spawn(self, coro: Awaitable[None]) -> None:
        asyncio.ensure_future(coro)

    async def start(self) -> None:
        self.theme.apply()
        i18n.install(self.settings.language)
        self.window.messenger.sidebar.set_choices(self.settings.theme, self.settings.language)
        self.window.messenger.sidebar.set_sound(self.settings.sound)
        self.window.login.set_email(self.settings.last_email)
        self.window.login.stay.setChecked(self.settings.stay_signed_in)
        geometry = self.settings.window_geometry
        if not geometry.isEmpty():
            self.window.restoreGeometry(geometry)  # Qt moves it onto a screen that exists
        self.window.show()
        self.window.show_login()
        self.window_shown.emit()
        await self._connect()

    async def _connect(self) -> None:
        login = self.window.login
        if self.launcher is not None:
            login.set_busy(True, self.tr("Starting the local servers…"))
            try:
                await self.launcher.ensure_running()
            except UserFacingError as exc:
                login.set_busy(False)
                self._fail(str(exc), self._connect)
                return
        self._warm = asyncio.ensure_future(self._warm_up())
        if self._tokens_factory is not None:
            factory, self._tokens_factory = self._tokens_factory, None
            self.tokens = await asyncio.get_running_loop().run_in_executor(self.executor, factory)
        saved = await self._in_pool(self.tokens.load, self.account)
        if saved is None:
            login.set_busy(False)
            return
        login.set_busy(True, self.tr("Signing you in…"))
        try:
            await self.session.resume(saved.refresh_token)
        except SessionExpired:
            await self._in_pool(self.tokens.clear, self.account)
            login.set_busy(False)
            login.show_error(self.tr("Please sign in again."))
            return
        except UserFacingError as exc:
            login.set_busy(False)
            self._fail(str(exc), self._connect)
            return
        login.set_busy(False)
        self.email = saved.email
        self._enter_messenger()

    async def _in_pool(self, fn: Callable, *args):
        """Keychain calls can block (an unlock prompt, a slow D-Bus): never on the UI thread."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    async def _warm_up(self) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(self.executor, _preload)
        except Exception:  # reported properly on first real use
            log.debug("preloading failed", exc_info=True)
        await self.session.warm_up()

    def _fail(self, message: str, retry: Callable[[], Awaitable[None]] | None) -> None:
        self._retry = retry
        self.window.login.show_error(message, can_retry=retry is not None)

    def _on_retry(self) -> None:
        if self._retry is not None:
            retry, self._retry = self._retry, None
            self._spawn(retry())

    # sign in / register ------------------------------------------------------------------
    async def submit(self, mode: str, email: str, password: str, stay: bool,
                     name: str = "") -> None:
        if self.client is not None:
            # Signed in already (a remembered session resumed first): a second client would
            # run beside the first, both draining one upload queue, the first one orphaned.
            return
        login = self.window.login
        login.set_busy(True)
        from .firebase.api import AccountsApi

        if self.launcher is not None and await self.launcher.check() == "restart":
            # The suite this app started died while nobody was signed in: start it again
            # rather than answer "can't reach the server".
            login.set_busy(True, self.tr("Starting the local servers…"))
            try:
                await self.launcher.ensure_running()
            except UserFacingError as exc:
                login.set_busy(False)
                self._fail(str(exc), lambda: self.submit(mode, email, password, stay, name))
                return
            login.set_busy(True)
        api = AccountsApi(self.config.functions_url)
        try:
            if mode == "register":
                creds = await api.register(email, password)
            else:
                creds = await api.login(email, password)
            tokens = await self.session.sign_in_with_custom_token(creds.custom_token, creds.user_id)
        except Unreachable as exc:
            login.set_busy(False)
            self._fail(str(exc), lambda: self.submit(mode, email, password, stay, name))
            return
        except UserFacingError as exc:
            login.set_busy(False)
            login.show_error(str(exc))
            return
        except Exception:  # a bug must still end in a sentence, and keep what was typed
            log.exception("sign-in failed")
            login.set_busy(False)
            self._fail(self.tr("Something went wrong while signing in. Please try again."),
                       lambda: self.submit(mode, email, password, stay, name))
            return
        login.set_busy(False)
        self.settings.last_email = email
        self.settings.stay_signed_in = stay
        self.email = email
        if stay:
            self._remember(tokens.uid, tokens.refresh_token)
        else:
            await self._in_pool(self.tokens.clear, self.account)
        login.password.clear()
        login.name.clear()
        self._enter_messenger(new_name=name if mode == "register" else "")

    def _remember(self, uid: str, refresh_token: str) -> None:
        saved = SavedSession(uid, self.email, refresh_token)
        store, account = self.tokens, self.account

        def save() -> None:
            try:
                store.save(account, saved)
            except Exception as exc:  # a broken keychain must not stop the sign-in
                log.warning("could not remember the session: %r", exc)

        # A keychain can block (an unlock prompt, a slow D-Bus): never on the UI thread.
        asyncio.get_running_loop().run_in_executor(self.executor, save)

    def _on_token_refreshed(self) -> None:
        t = self.session.tokens
        if t is not None and self.settings.stay_signed_in:
            self._remember(t.uid, t.refresh_token)

    # the messenger -------------------------------------------------------------------------
    def _enter_messenger(self, new_name: str = "") -> None:
        from .client import MessengerClient
        from .group_actions import GroupActions
        from .live_binder import LiveBinder
        from .models.presence import HEARTBEAT_S

        heartbeat_s = HEARTBEAT_S if self.heartbeat_s is None else self.heartbeat_s
        client = MessengerClient(self.session, self.data_dir, self.executor, heartbeat_s)
        self.client = client
        page = self.window.messenger
        page.sidebar.set_model(client.chats)
        client.chats.set_muted(self.settings.muted_chats)
        page.chat.drafts = client.drafts
        self.binder = LiveBinder(client, page.chat)
        page.sidebar.messages.set_searcher(
            client.search,
            lambda chat_id: (row.title if (row := client.chats.row_for_chat(chat_id))
                             else chat_id))
        self.groups = GroupActions(client, self.window, self.open_chat_id)
        page.chat.people = client.chats
        page.chat.message_actions.forward_targets = lambda: ForwardDialog.chats_of(
            client.chats, ChatRoles.ChatId, ChatRoles.UpdatedAt)
        page.chat.attachments.bind(client)
        # People's pictures wherever avatars are painted (issue 17).
        self._wired = [bind_pictures(client, self.window, self._update_me)]
        self._update_me()
        page.show_placeholder()
        self._wired += [
            client.connection_changed.connect(page.set_connected),
            client.connection_changed.connect(self._on_connection),
            client.unread_changed.connect(self._on_unread),
            client.message_notification.connect(self._on_notification),
            client.session_ended.connect(lambda msg: self._spawn(self.sign_out(msg))),
            client.chats.dataChanged.connect(self._on_chats_changed),
            client.chats.rowsRemoved.connect(self._on_chat_gone),
            client.chat_access_lost.connect(self._on_access_lost),
            client.profile_changed.connect(self._update_me),
        ]
        self.session.refreshed.connect(self._on_token_refreshed)
        client.start()
        self.window.show_messenger()
        if new_name:  # chosen at registration: the account's profile exists now
            self._spawn(self._set_initial_name(client, new_name))

    async def _set_initial_name(self, client: MessengerClient, name: str) -> None:
        try:
            await client.set_display_name(name)
        except UserFacingError as exc:  # the name can still be set in the profile
            log.warning("could not set the display name: %s", exc)

    def _update_me(self) -> None:
        if self.client is None:
            return
        where = (
            self.tr("built-in local servers")
            if self.launcher is not None or self.config.source == "bundled emulator suite"
            else self.config.project_id
        )
        client = self.client
        email = client.my_email or self.email
        name = client.my_name or email or client.uid
        self.window.messenger.sidebar.set_me(name, where, client.uid, email)
        self.window.set_account(name)

    def open_profile(self) -> None:
        client = self.client
        if client is None:
            return
        dialog = ProfileDialog(client.uid, client.my_email or self.email, client.my_name,
                               self.window, read_receipts=client.read_receipts)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.save_requested.connect(
            lambda name: self._spawn(self._save_profile(client, dialog, name))
        )
        dialog.finished.connect(lambda _r: setattr(self, "profile_dialog", None))
        picture_dialog(dialog, client)  # choose or remove my picture (issue 17)
        self.profile_dialog = dialog
        dialog.open()  # window-modal, but the event loop (and asyncio) keeps running

    async def _save_profile(self, client: MessengerClient, dialog, name: str) -> None:
        try:
            await client.set_display_name(name)
            receipts = dialog.read_receipts.isChecked()
            if receipts != client.read_receipts:
                await client.set_read_receipts(receipts)
        except UserFacingError as exc:
            dialog.show_error(str(exc))
            return
        dialog.accept()

    def open_person(self, uid: str) -> None:
        """Open the chat of a row of the list: a person's uid, or a group's chat id."""
        client = self.client
        if client is None:
            return
        row = client.chats.row_for_uid(uid)
        title = row.title if row else uid
        session = client.open_chat_id(uid) if is_group_id(uid) else client.open_chat(uid)
        chat = self.window.messenger.chat
        if chat.session is not session:
            chat.show_session(session, title)
            session.incoming.connect(lambda _m: self._maybe_mark_read())
        self._update_chat_subtitle()
        self.window.messenger.show_chat()
        self.window.messenger.sidebar.select_uid(uid)
        self._maybe_mark_read()

    def on_escape(self) -> None:
        """Esc: first the search in the chat, then the people search, then the open chat."""
        page = self.window.messenger
        if self.window.pages.currentWidget() is not page or page.sidebar.clear_search():
            return
        if page.chat.search.active:
            page.chat.search.close()
            return
        self.close_chat()

    def close_chat(self) -> None:
        client = self.client
        if client is None or client.current is None:
            return
        page = self.window.messenger
        page.chat.close_session()
        client.close_chat()
        page.show_placeholder()
        page.sidebar.list.clearSelection()
        page.sidebar.list.setFocus()

    def open_chat_id(self, chat_id: str) -> None:
        if self.client is None:
            return
        if is_group_id(chat_id):
            self._raise()
            self.open_person(chat_id)
            return
        others = [p for p in chat_id.split("_") if p != self.client.uid]
        if others:
            self._raise()
            self.open_person(others[0])

    def open_search_result(self, chat_id: str, message_id: str, query: str) -> None:
        """A message found in all chats: its chat, scrolled to it, with the search in it."""
        self.open_chat_id(chat_id)
        client = self.client
        if client is None or client.current is None or client.current.chat_id != chat_id:
            return
        self.window.messenger.chat.search.open(query, at_id=message_id)

    def bring_to_front(self) -> None:
        """Another start of this profile asked for the window (single_instance.py)."""
        self._raise()

    # the bundled suite ---------------------------------------------------------------------
    def _on_connection(self, connected: bool) -> None:
        if not connected and self.launcher is not None and self._watch is None:
            self._watch = asyncio.ensure_future(self._watch_suite())

    async def _watch_suite(self) -> None:
        """The streams lost the server. If the bundled suite is gone: restart it when this
        app started it (or the app that did has quit), else say that we wait for it."""
        page = self.window.messenger
        launcher = self.launcher
        assert launcher is not None
        try:
            while (self.client is not None and not self.client.hub.connected
                   and not self.closed.is_set()):
                verdict = await launcher.check()
                if verdict == "restart":
                    page.show_status(self.tr("The local servers stopped. Restarting them…"))
                    try:
                        await launcher.ensure_running()
                    except UserFacingError as exc:
                        page.show_status(str(exc))
                        await asyncio.sleep(5)
                        continue
                    if self.client is not None:
                        self.client.hub.retry_now()  # now, not at the next backoff step
                elif verdict == "wait":
                    page.show_status(self.tr(
                        "Waiting for the local servers, which another program started…"))
                await asyncio.sleep(1.0)
        finally:
            self._watch = None

    def _raise(self) -> None:
        self.window.showNormal()
        self.window.raise_()
        self.window.activateWindow()

    def _unwire(self) -> None:
        for connection in self._wired:
            QObject.disconnect(connection)
        self._wired = []

    def _on_unread(self, count: int) -> None:
        self.window.set_unread(count)
        self.notifier.set_unread(count)

    def _on_chats_changed(self, *_args) -> None:
        self._update_chat_subtitle()
        self._maybe_mark_read()

    def _on_chat_gone(self, *_args) -> None:
        """A group's entry went (I was removed, or left): close it if it is open."""
        client = self.client
        if client is None or client.current is None:
            return
        chat_id = client.current.chat_id
        if is_group_id(chat_id) and client.chats.row_for_chat(chat_id) is None:
            self._no_longer_a_member()

    def _on_access_lost(self, chat_id: str) -> None:
        """The open chat's messages stream ended with `cancel` (removed from the group, even
        if the chat-list entry has not gone, or goes later)."""
        client = self.client
        if client is not None and client.current is not None \
                and client.current.chat_id == chat_id and is_group_id(chat_id):
            self._no_longer_a_member()

    def _no_longer_a_member(self) -> None:
        self.close_chat()
        self.window.messenger.show_placeholder(
            self.tr("You are no longer a member of this group"))

    def _update_chat_subtitle(self) -> None:
        client = self.client
        if client is None or client.current is None:
            return
        if is_group_id(client.current.chat_id):
            if self.binder is not None:
                self.binder.update_header()
            return
        idx = client.chats.index_for_uid(client.current.other_uid)
        chat = self.window.messenger.chat
        if idx.isValid():
            chat.title.setText(str(idx.data(ChatRoles.Name)))
            chat.set_subtitle(str(idx.data(ChatRoles.PresenceText)))
        else:
            status = client.chats.status(client.current.other_uid)
            chat.set_subtitle(describe(status, client.clock.now_ms()))

    def _chat_in_view(self, chat_id: str) -> bool:
        client = self.client
        return (
            client is not None
            and client.current is not None
            and client.current.chat_id == chat_id
            and self.window.isActiveWindow()
            and self.window.pages.currentWidget() is self.window.messenger
        )

    def _on_focus(self, active: bool) -> None:
        if active:
            self._maybe_mark_read()

    def _maybe_mark_read(self) -> None:
        """Opening (or looking at) a chat resets my unread counter for it."""
        client = self.client
        if client is None or client.current is None or self._marking:
            return
        chat_id = client.current.chat_id
        row = client.chats.row_for_chat(chat_id)
        if row is None or row.unread <= 0 or not self._chat_in_view(chat_id):
            return
        self._marking = True

        async def run() -> None:
            try:
                await client.mark_read(chat_id)
            finally:
                self._marking = False

        self._spawn(run())

    def _on_notification(self, chat_id: str, sender: str, preview: str) -> None:
        if self._chat_in_view(chat_id):
            return
        if chat_id in self.settings.muted_chats:
            return  # muted: the badge counts it, nothing pops up or sounds
        self.notifier.notify(chat_id, sender, preview)
        if self.settings.sound:
            self.chime.play()

    def set_sound(self, on: bool) -> None:
        self.settings.sound = on

    def set_muted(self, uid: str, mute: bool) -> None:
        client = self.client
        if client is None:
            return
        row = client.chats.row_for_uid(uid)
        if row is None:
            return
        muted = self.settings.muted_chats
        if mute:
            muted.add(row.chat_id)
        else:
            muted.discard(row.chat_id)
        self.settings.muted_chats = muted
        client.chats.set_muted(muted)

    # menu actions ---------------------------------------------------------------------------
    def set_theme(self, choice: str) -> None:
        self.settings.theme = choice
        self.theme.set_choice(choice)
        self.window.messenger.chat.list.bubbles.clear_cache()
        self.window.messenger.chat.list.viewport().update()

    def set_language(self, choice: str) -> None:
        self.settings.language = choice
        i18n.install(choice)
        self._update_me()
        if self.client is not None:
            self.client.chats.refresh_presence()
            self._update_chat_subtitle()

    def choose_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self.window, self.tr("Firebase project file"), "", self.tr("JSON files (*.json)")
        )
        if not path:
            return
        try:
            config = load_config_file(path)
        except ConfigError as exc:
            plain_message_box(self.window, QMessageBox.Icon.Warning,
                              self.tr("Firebase project"), str(exc)).exec()
            return
        self.settings.config_path = path
        plain_message_box(
            self.window, QMessageBox.Icon.Information, self.tr("Firebase project"),
            self.tr("Messenger will use the project {0} from the next start.").format(
                config.project_id
            ),
        ).exec()

    def use_builtin(self) -> None:
        self.settings.config_path = ""
        QMessageBox.information(
            self.window,
            self.tr("Firebase project"),
            self.tr("Messenger will use the built-in local servers from the next start."),
        )

    async def sign_out(self, message: str = "") -> None:
        client, self.client = self.client, None
        await self._in_pool(self.tokens.clear, self.account)
        if self.binder is not None:
            self.binder.detach()
            self.binder = None
        if self.groups is not None:
            self.groups.detach()
            self.groups = None
        if client is not None:
            self._unwire()
            self.window.messenger.chat.clear_session()
            unbind_pictures()
            self.window.messenger.sidebar.messages.set_searcher(None)
            await client.stop(mark_offline=not message)
        self.session.close()
        self.session = AuthSession(self.config, self.executor)
        self.window.set_unread(0)
        self.window.set_account("")
        self.notifier.set_unread(0)
        self.window.login.set_mode("login")  # an account exists: sign in, not register
        self.window.login.set_email(self.settings.last_email)
        self.window.show_login()
        if message:
            self.window.login.show_error(message)

    def save_window(self) -> None:
        self.settings.window_geometry = self.window.saveGeometry()

    async def shutdown(self) -> None:
        self.save_window()
        if self._warm is not None and not self._warm.done():
            self._warm.cancel()
        if self._watch is not None:
            self._watch.cancel()
        if self.client is not None:
            self._unwire()
            unbind_pictures()
            await self.client.stop()
            self.client = None
        self.session.close()
        self.notifier.hide()
        if self.launcher is not None:
            self.launcher.stop()
