"""`messenger`: the desktop client's entry point."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

T0 = time.perf_counter()


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="messenger", description="A real-time desktop messenger on Firebase."
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="a Firebase project file (apiKey, databaseURL, functionsURL); "
        "without it the bundled emulator suite is used (and started if needed)",
    )
    parser.add_argument(
        "--emulators",
        action="store_true",
        help="use the bundled emulator suite even if a project was chosen in the settings",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=os.environ.get("MESSENGER_PROFILE", ""),
        help="a separate profile (sign-in, settings, unsent messages) for another person on "
        "this machine; the bundled servers and their data are shared",
    )
    parser.add_argument("--verbose", action="store_true", help="log what happens to stderr")
    return parser.parse_args(argv)


def install_asyncgen_hooks(loop: asyncio.AbstractEventLoop) -> None:
    """qasync's run_forever does not install asyncio's async-generator hooks (the stock loop
    does), so an abandoned generator (a stream cancelled mid-read, inside httpx) would be
    finalized by the garbage collector outside the loop. These hooks do what the stock loop's
    do, with public API only: the finalizer (which the collector may call on any thread)
    schedules the generator's aclose() on this loop."""

    def finalizer(agen) -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(loop.create_task, agen.aclose())

    sys.set_asyncgen_hooks(firstiter=None, finalizer=finalizer)


def quit_on_signals(loop: asyncio.AbstractEventLoop, quit_: Callable[[], None]):
    """Ctrl-C in the terminal or a SIGTERM from the session: quit the way the window's close
    button does (offline mark, stop the servers we started). Python only runs signal
    handlers between bytecodes, so a timer wakes it up while Qt's loop is in C++; the caller
    keeps the returned timer."""
    from PySide6.QtCore import QTimer

    def request_quit(*_args) -> None:
        loop.call_soon_threadsafe(quit_)

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    wake = QTimer()
    wake.start(250)
    wake.timeout.connect(lambda: None)
    return wake


def configure_logging(verbose: bool) -> None:
    """stderr, INFO with --verbose; tokens, passwords and Authorization never get there."""
    from .redaction import install

    install()
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    configure_logging(args.verbose)
    import qasync
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    from .application import Application
    from .config import ConfigError, emulator_config, load_config_file
    from .firebase.emulator import EmulatorLauncher, find_firebase_json, suite_ports
    from .single_instance import SingleInstance
    from .store.paths import ProfileError, profile_dir, root_dir
    from .store.settings import Settings
    from .store.tokens import default_token_store

    try:
        folder = profile_dir(args.profile)
    except ProfileError as exc:
        print(f"messenger: {exc}", file=sys.stderr)
        return 2
    app = QApplication.instance() or QApplication([sys.argv[0]])
    assert isinstance(app, QApplication)  # a GUI application (the tests' qapp, or ours)
    app.setApplicationName("Messenger")
    app.setOrganizationName("Messenger")
    app.setDesktopFileName("messenger")
    # Closing the window quits through the same path as Ctrl+Q and SIGTERM (offline mark,
    # stop the servers we started); Qt's own quit on the last window would stop the loop
    # under that path and end in a traceback.
    app.setQuitOnLastWindowClosed(False)
    instance = SingleInstance(folder)
    if not instance.claim():
        which = f"the profile {args.profile!r}" if args.profile else "this profile"
        print(f"messenger: Messenger is already running for {which}; its window was brought "
              "to the front. (Another person on this machine: messenger --profile NAME.)",
              file=sys.stderr)
        return 0
    from .notifications import app_icon

    app.setWindowIcon(app_icon())
    settings = Settings(profile=args.profile)
    config_path = args.config if args.config is not None else (
        "" if args.emulators else settings.config_path
    )
    launcher = None
    if config_path:
        try:
            config = load_config_file(config_path)
        except ConfigError as exc:
            QMessageBox.critical(None, "Messenger", str(exc))
            print(f"messenger: {exc}", file=sys.stderr)
            return 2
    else:
        firebase_json = find_firebase_json()
        ports = suite_ports(firebase_json)
        config = emulator_config(ports=ports)
        launcher = EmulatorLauncher(root_dir(), firebase_json, ports=ports)

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    install_asyncgen_hooks(loop)
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="firebase")
    loop.set_default_executor(executor)
    controller = Application(config, settings,
                             lambda: default_token_store(folder, args.profile), folder,
                             executor, launcher)
    instance.activated.connect(controller.bring_to_front)

    wake = quit_on_signals(loop, controller.closed.set)  # noqa: F841 - keeps the timer alive

    if os.environ.get("MESSENGER_REPORT_STARTUP"):
        # After show(), once Qt has handled the pending expose/paint events.
        def report() -> None:
            print(f"window shown after {time.perf_counter() - T0:.3f} s", flush=True)

        controller.window_shown.connect(lambda: QTimer.singleShot(0, report))

    async def run() -> None:
        await controller.start()
        await controller.closed.wait()
        await controller.shutdown()

    try:
        with loop:
            loop.run_until_complete(run())
    except KeyboardInterrupt:
        if launcher is not None:
            launcher.stop()
    executor.shutdown(wait=False, cancel_futures=True)
    instance.release()
    return 0


if __name__ == "__main__":
    sys.exit(main())
