"""Shared pytest setup: Qt offscreen everywhere, so tests never need a display."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
