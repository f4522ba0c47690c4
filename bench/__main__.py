"""`python -m bench` lists the benchmarks; `python -m bench all` runs each with its defaults.

Each benchmark is a module that prints its own figures: `python -m bench.<name> --help`.
The load test (`python -m bench.load`) and the client soak (`python -m bench.client_soak`) are
left out of `all`: they run for minutes.
"""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent
HELPERS = {"client_support", "client_soak_app", "db_common", "__main__"}
LONG = {"client_soak"}  # listed, but not run by `all`


def benchmarks() -> list[tuple[str, str]]:
    found = []
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.name in HELPERS or info.ispkg:
            continue
        tree = ast.parse((HERE / f"{info.name}.py").read_text(encoding="utf-8"))
        summary = (ast.get_docstring(tree) or "").split("\n")[0]
        found.append((info.name, summary))
    return sorted(found)


def main(argv: list[str]) -> int:
    names = benchmarks()
    if argv[:1] != ["all"]:
        for name, summary in names:
            print(f"python -m bench.{name:<18} {summary}")
        print("python -m bench.load               Load test: N users chatting through the suite")
        print("\n`python -m bench all` runs every benchmark above with its defaults, but the "
              "10-minute client_soak.")
        return 0
    failed = []
    for name, summary in names:
        if name in LONG:
            continue
        print(f"\n=== bench.{name}: {summary}", flush=True)
        if subprocess.call([sys.executable, "-m", f"bench.{name}"]) != 0:
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
