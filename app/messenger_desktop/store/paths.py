"""Where the app keeps things: one folder per OS user, a profile per person inside it.

    <root>/                       the user's data folder (Qt's GenericDataLocation)/messenger
        emulator-data/            the bundled suite's database: ONE per OS user, shared by
                                  `make run`, `make emulators` and every app instance
        emulators.log             the output of a suite the app started
        emulators-owner.json      which app process started the running suite
        session-*.json, outbox-*.json, drafts-*.json   the default profile's files
        profiles/<NAME>/          `messenger --profile NAME`: another person's files and
                                  settings (two people on one machine)

Each app instance keeps its own sign-in, outbox, drafts and settings (its profile) but never
its own database: whichever instance starts the suite starts it on the same folder, so nobody's
history "disappears" because someone else's instance came first.

MESSENGER_HOME moves the root (tests, screenshots); MESSENGER_DATA_DIR, the older override,
still names a profile folder directly.

    python -m messenger_desktop.store.paths suite     # prints the suite's folder (make emulators)
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

PROFILE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")


class ProfileError(ValueError):
    """The profile name cannot be used as a folder name; str() says why."""


def root_dir() -> Path:
    override = os.environ.get("MESSENGER_HOME")
    if override:
        path = Path(override)
    else:
        from PySide6.QtCore import QStandardPaths

        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
        path = Path(base or Path.home() / ".local" / "share") / "messenger"
    path.mkdir(parents=True, exist_ok=True)
    return path


def suite_data_dir() -> Path:
    """The bundled suite's `--data` folder: the same for every instance and profile."""
    return root_dir() / "emulator-data"


def check_profile(name: str) -> str:
    if not PROFILE_RE.match(name):
        raise ProfileError(
            f"The profile name {name!r} can't be used: use 1-40 letters, digits, '.', '_' or "
            "'-', starting with a letter or digit."
        )
    return name


def profile_dir(name: str = "") -> Path:
    """A profile's folder (tokens, outbox, drafts, settings); "" is the default profile."""
    override = os.environ.get("MESSENGER_DATA_DIR")
    if override and not name:
        path = Path(override)
    elif name:
        path = root_dir() / "profiles" / check_profile(name)
    else:
        path = root_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path


def main(argv: list[str]) -> int:
    if argv == ["suite"]:
        print(suite_data_dir())
        return 0
    print("usage: python -m messenger_desktop.store.paths suite", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
