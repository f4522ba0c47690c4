"""Refresh the translation sources and compile them: `python -m messenger_desktop.i18n.update`.

pyside6-lupdate collects every tr()/translate() text from the package into messenger_ru.ts
(keeping translations already made; edit the .ts with pyside6-linguist or any editor), then
pyside6-lrelease compiles it to messenger_ru.qm, which the app loads. Commit both files.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
LANGUAGES = ("ru",)


def tool(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} was not found; install PySide6 (it ships {name}).")
    return found


def main() -> int:
    sources = sorted(str(p) for p in PACKAGE.rglob("*.py") if "i18n" not in p.parts)
    for lang in LANGUAGES:
        ts = HERE / f"messenger_{lang}.ts"
        subprocess.run(
            [tool("pyside6-lupdate"), *sources, "-no-obsolete", "-source-language", "en",
             "-target-language", lang, "-ts", str(ts)],
            check=True,
        )
        subprocess.run(
            [tool("pyside6-lrelease"), str(ts), "-qm", str(HERE / f"messenger_{lang}.qm")],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
