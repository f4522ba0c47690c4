"""The window comes back where it was, at the size it had; its title names the account."""

from __future__ import annotations

from .conftest import Harness, config_for, unique_email


def test_size_and_position_are_remembered(harness: Harness, suite) -> None:
    config = config_for(suite)
    folder = harness.tmp / "geometry"
    app = harness.client(config, folder=folder)
    harness.run(app.start())
    assert app.window.windowTitle() == "Messenger"  # nobody signed in yet
    app.window.resize(760, 520)
    app.window.move(30, 50)
    harness.until(lambda: app.window.size().width() == 760, what="resized")
    pos = app.window.pos()
    harness.run(app.shutdown())
    app.window.close()

    again = harness.client(config, folder=folder)
    harness.run(again.start())
    assert (again.window.width(), again.window.height()) == (760, 520)
    # (the offscreen platform's fake frame can shift it by a few pixels)
    moved = again.window.pos() - pos
    assert abs(moved.x()) <= 8 and abs(moved.y()) <= 8, (again.window.pos(), pos)

    # A fresh profile opens at the default size.
    fresh = harness.client(config, folder=harness.tmp / "fresh")
    harness.run(fresh.start())
    assert (fresh.window.width(), fresh.window.height()) != (760, 520)


def test_title_names_the_account(harness: Harness, suite) -> None:
    email = unique_email("titled")
    app = harness.signed_in(config_for(suite), email, name="titled")
    local = email.split("@")[0]
    harness.until(lambda: app.window.windowTitle() == f"Messenger — {local}", what="title")
    harness.run(app.sign_out())
    assert app.window.windowTitle() == "Messenger"
