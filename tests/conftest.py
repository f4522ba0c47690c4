"""Shared pytest setup: Qt offscreen everywhere, so tests never need a display."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Other projects' test suites, run in a subprocess by our tests (tests/upstream/README.md).
collect_ignore = ["upstream"]
