"""Display names: optional at registration, editable in the profile dialog, shown everywhere
(list, header, sidebar, window title, avatar initials), checked against the rules' limit."""

from __future__ import annotations

import pytest
from messenger_desktop.errors import UserFacingError
from messenger_desktop.profile import NAME_MAX, display_name_problem
from messenger_desktop.views.avatar import initials
from messenger_desktop.views.profile_dialog import ProfileDialog
from PySide6.QtWidgets import QDialogButtonBox

from .conftest import Harness, config_for, unique_email
from .test_user_chats import Admin


def test_initials_come_from_the_name() -> None:
    assert initials("Анна Петрова") == "АП"
    assert initials("bob.smith@example.com") == "BS"
    assert initials("alice") == "AL"
    assert initials("(Zoë)") == "ZO"
    assert initials("🙂 Smile") == "SM"
    assert initials("") == "?" and initials("<>") == "?"


def test_name_length_counts_utf16_units_like_the_rules() -> None:
    assert display_name_problem("x" * NAME_MAX) == ""
    assert str(NAME_MAX) in display_name_problem("x" * (NAME_MAX + 1))
    assert display_name_problem("🙂" * (NAME_MAX // 2)) == ""  # two units each
    assert display_name_problem("🙂" * (NAME_MAX // 2 + 1)) != ""


def _save(dialog: ProfileDialog, name: str) -> None:
    dialog.name.setText(name)
    dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()


def test_name_at_registration_and_in_the_profile(harness: Harness, suite) -> None:
    admin = Admin(suite)
    config = config_for(suite)
    email = unique_email("anna")
    anna = harness.client(config, name="anna")
    harness.run(anna.start())
    login = anna.window.login
    assert not login.name.isVisibleTo(login)  # signing in: no name field
    login.set_mode("register")
    assert login.name.isVisibleTo(login)
    login.name.setText("  Анна   Петрова ")
    login.email.setText(email)
    login.password.setText("correct horse battery")
    login.submit.click()
    harness.until(lambda: anna.client is not None, 20, "registered")
    uid = anna.client.uid
    harness.until(lambda: admin.get(f"users/{uid}/displayName") == "Анна Петрова",
                  what="name stored")
    side = anna.window.messenger.sidebar
    harness.until(lambda: side.me.text() == "Анна Петрова", what="my name in the sidebar")
    assert anna.window.windowTitle() == "Messenger — Анна Петрова"

    # Someone registered without a name: the server's default (the email's local part).
    bob_email = unique_email("bob")
    bob = harness.signed_in(config, bob_email, name="bob")
    harness.until(lambda: bob.client.chats.row_for_uid(uid) is not None, what="anna listed")
    assert bob.client.chats.row_for_uid(uid).title == "Анна Петрова"
    assert bob.window.windowTitle() == "Messenger — " + bob_email.split("@")[0]

    # The profile dialog: opened from the avatar; a new name reaches Bob live.
    side.avatar.click()
    dialog = anna.profile_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.name.text() == "Анна Петрова"
    _save(dialog, "Anna P.")
    harness.until(lambda: anna.profile_dialog is None, what="dialog closed")
    assert admin.get(f"users/{uid}/displayName") == "Anna P."
    harness.until(lambda: bob.client.chats.row_for_uid(uid).title == "Anna P.", what="live")
    assert side.me.text() == "Anna P." and anna.window.windowTitle().endswith("— Anna P.")
    bob.open_person(uid)
    assert bob.window.messenger.chat.title.text() == "Anna P."

    # Too long: a sentence, nothing written (the field itself stops at the limit).
    with pytest.raises(UserFacingError):
        harness.run(anna.client.set_display_name("x" * (NAME_MAX + 1)))
    assert admin.get(f"users/{uid}/displayName") == "Anna P."

    # Emptied: the name is removed and the email shows instead, everywhere.
    side.profile_action.trigger()
    dialog = anna.profile_dialog
    _save(dialog, "   ")
    harness.until(lambda: anna.profile_dialog is None, what="dialog closed")
    assert admin.get(f"users/{uid}/displayName") is None
    harness.until(lambda: bob.client.chats.row_for_uid(uid).title == email, what="email shown")
    assert side.me.text() == email
    harness.until(lambda: bob.window.messenger.chat.title.text() == email, what="header")
