"""Check a rules file, or simulate one request against it, from the command line.

    python -m messenger_emulators.rules database.rules.json
    python -m messenger_emulators.rules database.rules.json --data export.json \\
        --auth '{"uid": "alice"}' read /messages/alice_bob
    python -m messenger_emulators.rules database.rules.json --uid alice \\
        write /messages/alice_bob/m1 '{"sender": "alice", "text": "hi", "ts": {".sv": "timestamp"}}'

Exit status: 0 when the rules load (and the request, if any, is allowed), 1 when it is
denied, 2 when the rules or the arguments are bad. Writes are PUTs (null deletes); a
{".sv": "timestamp"} becomes `now`, as the database resolves it before asking the rules.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import RulesError, RuleSet


def _split(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def _set_at(root: Any, path: tuple[str, ...], value: Any) -> Any:
    if not path:
        return value
    node = dict(root) if isinstance(root, dict) else {}
    child = _set_at(node.get(path[0]), path[1:], value)
    if child is None:
        node.pop(path[0], None)
    else:
        node[path[0]] = child
    return node or None


def _resolve(value: Any, now: int) -> Any:
    if isinstance(value, dict):
        if value == {".sv": "timestamp"}:
            return now
        return {k: _resolve(v, now) for k, v in value.items()}
    return value


def _json_arg(parser: argparse.ArgumentParser, text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        parser.error(f"{what} is not JSON: {exc}")  # exits with status 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m messenger_emulators.rules",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("rules", type=Path, help="the rules file (database.rules.json)")
    parser.add_argument("--data", type=Path, help="the database as JSON (default: empty)")
    parser.add_argument("--auth", default="null", help="the rules `auth` variable as JSON")
    parser.add_argument("--uid", help="shorthand: a user signed in with a custom token")
    parser.add_argument("--now", type=int, help="milliseconds since the epoch (default: now)")
    parser.add_argument("op", nargs="?", choices=["read", "write"])
    parser.add_argument("path", nargs="?", default="/")
    parser.add_argument("value", nargs="?", default="null", help="write: the new value (JSON)")
    args = parser.parse_intermixed_args(argv)
    try:
        rules = RuleSet.from_text(args.rules.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"{args.rules}: {exc.strerror}", file=sys.stderr)
        return 2
    except RulesError as exc:
        print(f"{args.rules}: {exc}", file=sys.stderr)
        return 2
    if args.op is None:
        print(f"{args.rules}: the rules load")
        return 0
    root = None
    if args.data:
        try:
            root = _json_arg(parser, args.data.read_text(encoding="utf-8"), "--data")
        except OSError as exc:
            print(f"{args.data}: {exc.strerror}", file=sys.stderr)
            return 2
    auth = _json_arg(parser, args.auth, "--auth")
    if args.uid is not None:
        auth = {"uid": args.uid, "provider": "custom",
                "token": {"sub": args.uid, "firebase": {"sign_in_provider": "custom"}}}
    now = args.now if args.now is not None else int(time.time() * 1000)
    path = _split(args.path)
    if args.op == "read":
        decision = rules.can_read(path, auth, root, now)
    else:
        value = _resolve(_json_arg(parser, args.value, "the value"), now)
        decision = rules.can_write([(path, value)], auth, root, _set_at(root, path, value), now)
    print("\n".join(decision.trace))
    print("ALLOWED" if decision.allowed else "DENIED")
    return 0 if decision.allowed else 1
