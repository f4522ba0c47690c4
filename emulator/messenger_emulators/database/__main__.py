"""Run the database emulator alone: `python -m messenger_emulators.database [--port N]`.

Prints `ready http://HOST:PORT` once it accepts connections (benchmarks and scripts wait for
that line). The suite CLI (`messenger-emulators start`) is the usual way to run it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from pathlib import Path

from .component import DatabaseEmulator


async def _serve(args: argparse.Namespace) -> None:
    rules = Path(args.rules).read_text(encoding="utf-8") if args.rules else None
    emulator = DatabaseEmulator(project_id=args.project, host=args.host, port=args.port,
                                rules_text=rules, keepalive_s=args.keepalive,
                                rules_trace=args.rules_trace)
    await emulator.start()
    print(f"ready {emulator.url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await emulator.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m messenger_emulators.database")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000, help="0 picks a free port")
    parser.add_argument("--project", default="demo-messenger")
    parser.add_argument("--rules", help="a database.rules.json file (default: open rules)")
    parser.add_argument("--keepalive", type=float, default=30.0, help="seconds")
    parser.add_argument("--rules-trace", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(_serve(args))
    except (OSError, ValueError, _port_in_use_type()) as exc:
        # a busy port, an unreadable or invalid rules file: one sentence, no traceback
        print(exc, file=sys.stderr)
        return 1
    return 0


def _port_in_use_type() -> type[Exception]:
    try:
        from messenger_emulators.suite.errors import PortInUseError
    except ImportError:
        return OSError
    return PortInUseError


if __name__ == "__main__":
    sys.exit(main())
