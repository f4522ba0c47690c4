"""Fails on use of a dependency's private names in product code (app/ and functions/).

Product code stands on public surfaces: a private attribute of firebase-admin, pyrebase4,
httpx, asyncio or Qt may change in any release, and a fresh install picks the newest one.
The check is syntactic, so it works without importing anything:

- `from package import _name` and `import package._module` of a package that is not ours;
- `obj._name` on anything but `self`, `cls`, `super()` or a class or module of our own:
  without types, an attribute read off another object may be a dependency's (a
  firebase-admin `Reference`, a `requests.Response`), so product code keeps its private
  state behind its own methods instead.

Dunder names (`__init__`, `__dict__`) are public protocol, not private.
Usage: python scripts/check_private_use.py [ROOT ...]   (default: app functions)
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

OWN_PACKAGES = {"messenger_desktop", "messenger_functions", "messenger_model", "main"}


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _python_files(roots: Iterable[Path]) -> Iterator[Path]:
    for root in roots:
        yield from (p for p in sorted(root.rglob("*.py")) if ".venv" not in p.parts)


def _own_scopes(trees: dict[Path, ast.AST]) -> set[str]:
    """Names of our own classes and modules: `Theme._colors` reads our own state."""
    names = {path.stem for path in trees}
    for tree in trees.values():
        names.update(n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef))
    return names


def _on_own_object(node: ast.Attribute, own: set[str]) -> bool:
    value = node.value
    if isinstance(value, ast.Name):
        return value.id in ("self", "cls") or value.id in own
    return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id == "super")


def _top_package(module: str | None) -> str:
    return (module or "").split(".")[0]


def violations(roots: Iterable[Path]) -> list[str]:
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in _python_files(roots)}
    own = _own_scopes(trees)
    found: list[str] = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            where = f"{path}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                if _top_package(node.module) in OWN_PACKAGES:
                    continue
                parts = (node.module or "").split(".")
                for part in parts:
                    if _is_private(part):
                        found.append(f"{where}: imports private module {node.module}")
                        break
                for alias in node.names:
                    if _is_private(alias.name):
                        found.append(f"{where}: imports private {node.module}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if _top_package(alias.name) in OWN_PACKAGES:
                        continue
                    if any(_is_private(part) for part in alias.name.split(".")):
                        found.append(f"{where}: imports private module {alias.name}")
            elif isinstance(node, ast.Attribute) and _is_private(node.attr):
                if _on_own_object(node, own):
                    continue
                found.append(f"{where}: reads private .{node.attr} of {ast.unparse(node.value)}")
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [Path("app"), Path("functions")]
    found = violations(roots)
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} private-name use(s) of dependencies in product code", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
