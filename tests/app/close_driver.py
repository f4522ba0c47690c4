"""Runs the real `messenger` entry point (main.main) and drives its window the way a person
would: registers through the sign-in form if it shows, then closes the window on request.

    python -m tests.app.close_driver WORKDIR EMAIL [messenger arguments...]

It touches WORKDIR/ready once the messenger page shows (signed in), and closes the window
(the title bar's close button: QWidget.close) as soon as WORKDIR/close exists. The exit
status is main()'s. Only public Qt API is used to find the window; nothing in the app is
patched.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main() -> int:
    work, email, rest = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
    app = QApplication([sys.argv[0]])  # main() uses this one
    from messenger_desktop import main as entry
    from messenger_desktop.views.main_window import MainWindow

    state = {"submitted": False, "ready": False, "closed": False}

    def poll() -> None:
        win = next((w for w in app.topLevelWidgets() if isinstance(w, MainWindow)), None)
        if win is None or state["closed"]:
            return
        login = win.login
        if (win.pages.currentWidget() is login and not state["submitted"]
                and login.submit.isEnabled() and login.isVisible()):
            login.set_mode("register")
            login.email.setText(email)
            login.password.setText("correct horse battery")
            login.submit.click()
            state["submitted"] = True
        if win.pages.currentWidget() is win.messenger and not state["ready"]:
            state["ready"] = True
            (work / "ready").touch()
        if state["ready"] and (work / "close").exists():
            state["closed"] = True
            win.close()

    timer = QTimer()
    timer.timeout.connect(poll)
    timer.start(50)
    return entry.main(rest)


if __name__ == "__main__":
    sys.exit(main())
