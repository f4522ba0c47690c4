"""Screens and their pieces: login, main window, chat, list/bubble delegates, theme."""
