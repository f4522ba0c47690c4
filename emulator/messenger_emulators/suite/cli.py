"""`messenger-emulators start|exec`: the bundled suite's answer to `firebase emulators:*`."""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..persistence import COMPACT_ENV
from .config import (
    CONFIG_NAME,
    FirebaseConfig,
    find_config,
    load_config,
    read_aliases,
    resolve_alias,
    resolve_project,
)
from .errors import (
    MSG_BAD_DURATION,
    MSG_BAD_PROJECT_ID,
    MSG_CONFIG_MISSING,
    MSG_EXPORT_CWD_DANGER,
    MSG_EXPORT_NO_TARGET,
    MSG_FUNCTIONS_MISSING,
    MSG_IMPORT_ABSENT,
    MSG_IMPORT_MISSING,
    MSG_INTERNAL,
    MSG_NO_CONFIG_DEFAULTS,
    MSG_NOT_IN_PROJECT,
    MSG_RULES_MISSING,
    MSG_STORAGE_RULES_MISSING,
    ConfigError,
    SuiteError,
)
from .options import DEFAULT_PORTS, EMULATOR_ORDER, SuiteOptions, is_loopback

DEBUG_ENV = "MESSENGER_EMULATORS_DEBUG"  # set: print tracebacks of every failure
SCRIPT_STOP_GRACE = 10.0  # seconds between SIGTERM and SIGKILL for an exec'd command
PARENT_ENV = "MESSENGER_EMULATORS_EXIT_WITH_PARENT"  # set: stop when the parent process dies
PARENT_POLL = 1.0
READY_LINE = "All emulators ready! It is now safe to connect your app."
PROJECT_ID = re.compile(r"^(?:[^:]+:)?[a-z0-9-]+$")  # firebase-tools' command.ts
DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$")
UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


def parse_duration(text: str) -> float:
    match = DURATION.match(text)
    if not match or float(match.group(1)) <= 0:
        raise argparse.ArgumentTypeError(MSG_BAD_DURATION.format(text=text))
    return float(match.group(1)) * UNITS[match.group(2)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="messenger-emulators",
        description="A local Firebase emulator suite (Realtime Database, Auth, Functions).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    start = commands.add_parser("start", help="start the emulators until Ctrl-C")
    run = commands.add_parser("exec", help="start the emulators, run a command, stop")
    run.add_argument("script", help="shell command to run once the emulators are ready")
    for sub in (start, run):
        sub.add_argument("--only", help="comma-separated emulators (default: " +
                         ",".join(EMULATOR_ORDER) + ")")
        sub.add_argument("--project", help="project id (default: .firebaserc, else "
                         "demo-messenger); also the database namespace")
        sub.add_argument("--config", default=None, help=f"path to {CONFIG_NAME} "
                         f"(default: ./{CONFIG_NAME} or the nearest parent folder's)")
        sub.add_argument("--import", dest="import_dir", help="load data from an export folder")
        sub.add_argument("--export-on-exit", nargs="?", const="", default=None,
                         help="write an export folder when stopping (default: the --import one)")
        sub.add_argument("--data", help="keep the database durably in this folder (journal)")
        sub.add_argument("--host", help="listening host for every emulator (default: "
                         "firebase.json, else 127.0.0.1; non-loopback forces signed tokens)")
        sub.add_argument("--secure", action="store_true",
                         help="secure mode on any host: signed tokens only, the admin only from "
                         "this machine (forced on beyond loopback; the desktop app uses it)")
        sub.add_argument("--id-token-ttl", type=parse_duration, default=3600.0,
                         help="lifetime of ID tokens from the Auth emulator, e.g. 5s (default 1h)")
        sub.add_argument("--watch", action="store_true", help="reload functions on change")
        sub.add_argument("--rules-trace", action="store_true",
                         help="log every rules decision with its trace")
    return parser


def _config(args: argparse.Namespace, only: list[str]) -> FirebaseConfig:
    """firebase.json as the CLI finds it: --config, else here or in a parent folder. Without
    one, the CLI starts emulators given with --only on defaults (with a warning), except
    functions, which need the file (commandUtils.ts beforeEmulatorCommand)."""
    if args.config:
        path = Path(args.config)
        if not path.is_file():
            raise ConfigError(MSG_CONFIG_MISSING.format(path=args.config))
        return load_config(path)
    found = find_config(Path.cwd())
    if found is not None:
        return load_config(found)
    if not args.only or "functions" in only:
        raise ConfigError(MSG_NOT_IN_PROJECT)
    _say(f"⚠  {MSG_NO_CONFIG_DEFAULTS}")
    here = Path.cwd().resolve()
    return FirebaseConfig(path=here / CONFIG_NAME, aliases=read_aliases(here))


def _export_target(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """(import, export) folders as the CLI's setExportOnExitOptions decides them: an --import
    folder that does not exist yet and is also the export folder is not imported (a first run
    starts empty and exports there on exit)."""
    imported, exported = args.import_dir, args.export_on_exit
    if exported is None:
        return imported, None
    if imported:
        exported = exported or imported
        if not Path(imported).resolve().is_dir() and imported == exported:
            imported = None
    if not exported:
        raise SuiteError(MSG_EXPORT_NO_TARGET)
    target = Path(exported).resolve()
    here = Path.cwd().resolve()
    if here == target or target in here.parents:
        raise SuiteError(MSG_EXPORT_CWD_DANGER)
    return imported, exported


def _compact_bytes() -> int | None:
    """The journal's compaction threshold from the environment (tests set it low)."""
    value = os.environ.get(COMPACT_ENV, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) <= 0:
        raise ConfigError(f"{COMPACT_ENV} must be a positive number of bytes, got {value!r}.")
    return int(value)


def options_from_args(args: argparse.Namespace) -> tuple[SuiteOptions, list[str]]:
    from .registry import resolve

    only = resolve(args.only.split(",")) if args.only else list(EMULATOR_ORDER)
    config = _config(args, only)
    if not args.only and "storage" not in config.configured:
        # Storage starts by default only when firebase.json configures it (a "storage"
        # section or emulators.storage), as firebase-tools starts only configured emulators:
        # a project without it does not get a listener on 9199 it never asked for.
        only = [name for name in only if name != "storage"]
    host = args.host or next(
        (config.hosts[n] for n in ("database", "auth", "storage", "functions")
         if n in config.hosts),
        "127.0.0.1",
    )
    ports = {name: config.ports.get(name, DEFAULT_PORTS[name]) for name in DEFAULT_PORTS}
    if "database" in only and config.rules_path is not None and not config.rules_path.is_file():
        raise ConfigError(MSG_RULES_MISSING.format(path=config.rules_path, config=config.path))
    if "storage" in only and config.storage_rules_path is not None and \
            not config.storage_rules_path.is_file():
        raise ConfigError(MSG_STORAGE_RULES_MISSING.format(path=config.storage_rules_path,
                                                          config=config.path))
    functions_source = config.functions_source or (config.config_dir / "functions")
    if "functions" in only and not functions_source.is_dir():
        raise ConfigError(MSG_FUNCTIONS_MISSING.format(path=functions_source, config=config.path))
    imported, exported = _export_target(args)
    import_dir = Path(imported).resolve() if imported else None
    if import_dir is not None and not import_dir.is_dir():
        raise SuiteError((MSG_IMPORT_MISSING if import_dir.exists() else MSG_IMPORT_ABSENT)
                         .format(path=import_dir))
    project = resolve_project(args.project, config.aliases) or SuiteOptions.project_id
    alias = resolve_alias(args.project, config.aliases)
    if not PROJECT_ID.match(project):
        raise SuiteError(MSG_BAD_PROJECT_ID.format(project=project))
    options = SuiteOptions(
        project_id=project,
        host=host,
        ports=ports,
        config_dir=config.config_dir,
        rules_path=config.rules_path,
        storage_rules_path=config.storage_rules_path,
        functions_source=functions_source,
        data_dir=Path(args.data).resolve() if args.data else None,
        import_dir=import_dir,
        export_on_exit=Path(exported).resolve() if exported else None,
        id_token_ttl=args.id_token_ttl,
        watch=args.watch,
        rules_trace=args.rules_trace,
        hub_port=config.hub_port,
        project_alias=alias,
        secure=args.secure,
        compact_bytes=_compact_bytes(),
    )
    return options, only


def _say(line: str, stream: Any = None) -> None:
    """A line for whoever started us. Their end of the pipe may be gone (a test runner killed
    outright): then nobody is listening, and saying so must never stop the shutdown."""
    try:
        print(line, file=stream or sys.stdout, flush=True)
    except (BrokenPipeError, OSError):
        devnull = open(os.devnull, "w")  # noqa: SIM115 - for the rest of the process
        sys.stdout = sys.stderr = devnull


async def _run(options: SuiteOptions, only: list[str], script: str | None) -> int:
    from .environment import emulator_env
    from .runner import Suite

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()

    def on_signal() -> None:
        if stop.is_set():
            # A second Ctrl-C while stopping: leave now. Every acknowledged write is already
            # in the journal, so this is no worse than a crash.
            print("Forced exit.", file=sys.stderr, flush=True)
            os._exit(130)
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    watchdog = asyncio.ensure_future(_watch_parent(stop)) if os.environ.get(PARENT_ENV) else None
    suite = Suite(options, only)
    await suite.start()
    status = 0
    try:
        for name in only:
            emulator = suite.get(name)
            lines = emulator.describe() if emulator is not None else []
            fallback = f"{name} emulator listening on {options.host}:{suite.ports[name]}"
            for line in lines or [fallback]:
                _say(line)
        for line in suite.hub.describe() if suite.hub is not None else []:
            _say(line)
        if options.secure:
            where = "" if is_loopback(options.host) else " (not loopback)"
            _say(f"Secure mode, listening on {options.host}{where}: unsigned tokens are "
                 "refused and the admin acts only from this machine.")
        _say(READY_LINE)
        if script is None:
            await stop.wait()
            _say("Shutting down the emulators...")
        else:
            reachable = dict(suite.ports)
            if suite.hub is not None:
                reachable["hub"] = suite.hub.port
            env = {**os.environ, **emulator_env(options.project_id, options.host, reachable)}
            # Not at a terminal: its own process group, so that stopping it reaches whatever
            # the shell started. At a terminal it stays in the foreground group (it may read
            # the keyboard), where Ctrl-C reaches all of it anyway.
            own_group = not (sys.stdin is not None and sys.stdin.isatty())
            child = await asyncio.create_subprocess_shell(
                script, env=env, start_new_session=own_group
            )
            waiter = asyncio.ensure_future(child.wait())
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            if not waiter.done():
                await _end_child(child, own_group, waiter)
            stopper.cancel()
            code = child.returncode or 0
            status = 128 - code if code < 0 else code  # killed by a signal: as a shell reports
            _say(f"Script exited with code {status}. Shutting down the emulators...")
    finally:
        if watchdog is not None:
            watchdog.cancel()
        await suite.stop()
    return status


async def _watch_parent(stop: asyncio.Event) -> None:
    """Stop when the process that started us is gone (a test runner killed outright), so no
    orphaned suite keeps ports and CPU on a shared machine."""
    parent = os.getppid()
    while not stop.is_set():
        await asyncio.sleep(PARENT_POLL)
        if os.getppid() != parent:
            stop.set()  # first: the line below goes to the parent, which may be gone with it
            _say("The parent process is gone: stopping.", sys.stderr)


async def _end_child(child: asyncio.subprocess.Process, own_group: bool,
                     waiter: asyncio.Future) -> None:
    """SIGTERM, then SIGKILL after a grace period: the whole group when it has its own."""
    for sig, grace in ((signal.SIGTERM, SCRIPT_STOP_GRACE), (signal.SIGKILL, None)):
        try:
            if own_group:
                os.killpg(child.pid, sig)
            else:
                child.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            await asyncio.wait_for(asyncio.shield(waiter), grace)
            return
        except TimeoutError:
            continue


def _configure_logging() -> None:
    """Emulators log at INFO what a developer wants to see (--rules-trace decisions, worker
    reloads, secure mode): to stderr, one line each; library chatter stays at WARNING."""
    import logging

    from ..redaction import install

    install()  # tokens, passwords and Authorization headers never reach the log
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("aiohttp").setLevel(logging.WARNING)
    logging.getLogger("asyncio").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _configure_logging()
    try:
        from ..persistence.errors import PersistenceError

        options, only = options_from_args(args)
        return asyncio.run(_run(options, only, args.script if args.command == "exec" else None))
    except (SuiteError, PersistenceError, ValueError) as exc:
        # ValueError: what components raise for bad input (an ill-formed rules file...).
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        print(f"Error: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        # A bug somewhere in the suite: the traceback is what its author needs.
        traceback.print_exc()
        print(f"Error: {MSG_INTERNAL.format(detail=exc)}", file=sys.stderr, flush=True)
        return 2


if __name__ == "__main__":
    sys.exit(main())
