"""The group dialogs through the real `api` function's group routes on the real suite: create
a group, rename it, add and remove people, a plain member's view and refusals, leaving.
What the API changes comes back to every app over its own streams."""

from __future__ import annotations

from .conftest import Harness, config_for, unique_email
from .test_groups import _peer, anna_and_boris
from .test_user_chats import Admin


def _system_lines(app) -> list[str]:
    model = app.client.current.model
    return [app.client.live.system_text(model.message(r)) for r in range(model.rowCount())
            if model.message(r).system is not None]


def _check(picker, uid: str) -> None:
    picker.set_checked(uid)


def test_create_rename_add_remove_leave_through_the_dialogs(harness: Harness, suite) -> None:
    admin, anna, boris = anna_and_boris(harness, suite)
    a, b = anna.client.uid, boris.client.uid
    vera, gleb = _peer(admin, "вера"), _peer(admin, "глеб")
    for uid in (b, vera, gleb):
        harness.until(lambda u=uid: anna.client.chats.row_for_uid(u) is not None, what=uid)
    harness.until(lambda: anna.client.chats.row_for_uid(b).title == "борис", what="name")

    # New group: the "+" next to the search.
    anna.window.messenger.sidebar.new_group.click()
    dialog = anna.groups.new_dialog
    assert dialog is not None and not dialog.create_button.isEnabled()
    from messenger_desktop.views.group_dialogs import UID_ROLE

    people = [dialog.picker.list.item(i).data(UID_ROLE)
              for i in range(dialog.picker.list.count())]
    assert b in people and vera in people and a not in people  # not myself
    dialog.name.setText("  Team  ")
    assert not dialog.create_button.isEnabled()  # nobody picked yet
    _check(dialog.picker, b)
    _check(dialog.picker, vera)
    assert dialog.create_button.isEnabled()
    dialog.picker.search.setText("вер")  # search hides the others, keeps the choice
    shown = {dialog.picker.list.item(i).text() for i in range(dialog.picker.list.count())
             if not dialog.picker.list.item(i).isHidden()}
    assert shown == {"вера"} and sorted(dialog.picker.picked()) == sorted([b, vera])
    dialog.create_button.click()
    harness.until(lambda: anna.groups.new_dialog is None or dialog.error.isVisible(), 20, "created")
    assert anna.groups.new_dialog is None, dialog.error.text()
    # The new group is open at anna's, listed at both.
    harness.until(lambda: anna.client.live is not None and anna.client.live.is_group, 10,
                  "group open")
    group = anna.client.live.chat_id
    view = anna.window.messenger.chat
    harness.until(lambda: view.title.text() == "Team" and view.subtitle.text() == "3 members",
                  what="header")
    harness.until(lambda: _system_lines(anna) == ["анна created the group “Team”"],
                  what="system line")
    harness.until(lambda: (boris.client.chats.row_for_chat(group) or None)
                  and boris.client.chats.row_for_chat(group).title == "Team", what="b's row")

    # The member list: roles, the owner's actions.
    view.members_button.click()
    members = anna.groups.members_dialog
    assert members is not None
    rows = [members.members.item(i).text() for i in range(members.members.count())]
    assert rows[0] == "анна · owner (you)" and sorted(rows[1:]) == ["борис", "вера"]
    assert members.add_button.isVisibleTo(members) and members.rename.isVisibleTo(members)
    members.select(a)
    assert not members.remove.isEnabled()  # not myself: leave instead
    # Rename.
    members.name.setText("Team 2")
    members.rename.click()
    harness.until(lambda: view.title.text() == "Team 2", what="renamed header")
    harness.until(lambda: "анна renamed the group to “Team 2”" in _system_lines(anna),
                  what="renamed line")
    harness.until(lambda: boris.client.chats.row_for_chat(group).title == "Team 2",
                  what="renamed at boris")
    # Add глеб.
    members.add_button.click()
    add = anna.groups.add_dialog
    assert add is not None
    addable = [add.picker.list.item(i).data(UID_ROLE) for i in range(add.picker.list.count())]
    assert gleb in addable and b not in addable and a not in addable  # not members
    _check(add.picker, gleb)
    add.add_button.click()
    harness.until(lambda: anna.groups.add_dialog is None, 20, "added")
    harness.until(lambda: view.subtitle.text() == "4 members", what="4 members")
    harness.until(lambda: members.members.count() == 4, what="list updated live")
    harness.until(lambda: "анна added глеб" in _system_lines(anna), what="анна added глеб")
    # Remove вера.
    members.select(vera)
    assert members.remove.isEnabled()
    members.remove.click()
    harness.until(lambda: view.subtitle.text() == "3 members", what="removed")
    harness.until(lambda: "анна removed вера" in _system_lines(anna), what="анна removed вера")
    assert admin.get(f"userChats/{vera}/{group}") is None
    # The owner makes борис an admin, and back (POST /set_role; the members are told).
    assert members.role.isVisibleTo(members)
    harness.until(members.isEnabled, what="the removal's answer")
    members.select(a)
    assert not members.role.isEnabled()  # not myself
    members.select(b)
    assert members.role.isEnabled() and members.role.text() == "Make admin"
    members.role.click()
    harness.until(lambda: "борис · admin" in [members.members.item(i).text()
                                              for i in range(members.members.count())],
                  20, "борис is an admin")
    harness.until(lambda: "анна made борис an admin" in _system_lines(anna), what="role line")
    harness.until(lambda: members.isEnabled() and members.role.text() == "Remove admin",
                  what="the button turned")
    members.role.click()
    harness.until(lambda: "анна removed борис from admins" in _system_lines(anna), 20,
                  "back to a member")
    assert admin.get(f"chats/{group}/members/{b}") == "member"
    members.close_button.click()

    # Борис, a plain member: sees the list, no admin actions; the API refuses them anyway.
    boris.open_person(group)
    bview = boris.window.messenger.chat
    harness.until(lambda: boris.client.cache.count(group) > 0, what="b's cache has it")
    harness.until(lambda: boris.client.live is not None and boris.client.live.group
                  is not None, what="b's group record")
    bview.members_button.click()
    bmembers = boris.groups.members_dialog
    assert bmembers is not None
    assert not bmembers.add_button.isVisibleTo(bmembers)
    assert not bmembers.rename.isVisibleTo(bmembers) and bmembers.name.isReadOnly()
    bmembers.select(gleb)
    assert not bmembers.remove.isEnabled()
    assert not bmembers.role.isVisibleTo(bmembers)  # the owner's alone
    bmembers.rename_requested.emit("mine now")  # as if the button were there
    harness.until(lambda: bmembers.error.isVisible(), 20, "refusal shown")
    assert bmembers.error.text() == "Only the group's owner and admins may do this."
    assert bmembers.isEnabled()
    # He leaves: confirmed first; his row goes, the chat closes; anna sees it.
    box = bmembers.confirm_leave()
    box.done(box.standardButton(box.button(box.StandardButton.Yes)))
    harness.until(lambda: boris.client.chats.row_for_chat(group) is None, 20, "b left")
    harness.until(lambda: boris.client.current is None, what="b's chat closed")
    # Nor is it in his local cache (so search) any more.
    harness.until(lambda: boris.client.cache.count(group) == 0, what="b's cache forgot it")
    assert boris.groups.members_dialog is None
    harness.until(lambda: view.subtitle.text() == "2 members", what="anna sees it")
    harness.until(lambda: "борис left the group" in _system_lines(anna), what="left line")


def test_a_refused_group_keeps_the_dialog_open_with_the_reason(harness: Harness,
                                                                suite) -> None:
    config = config_for(suite)
    anna = harness.signed_in(config, unique_email("anna"), name="anna")
    admin = Admin(suite)
    ghost = _peer(admin, "ghost")
    harness.until(lambda: anna.client.chats.row_for_uid(ghost) is not None, what="listed")
    anna.window.messenger.sidebar.new_group_action.trigger()  # the menu's entry
    dialog = anna.groups.new_dialog
    dialog.name.setText("x" * 100)
    dialog.picker.set_checked(ghost)
    admin.put(f"users/{ghost}", None)  # gone before the request: the API refuses
    dialog.create_button.click()
    harness.until(lambda: dialog.error.isVisible(), 20, "reason shown")
    assert dialog.isEnabled() and dialog.name.text() == "x" * 100  # nothing typed is lost
    assert dialog.error.text().startswith("No user with id")
    dialog.reject()
    assert dialog.result() == 0 and anna.client.current is None
