"""Refresh the translation sources and compile them: `python -m messenger_desktop.i18n.update`.

pyside6-lupdate collects every tr()/translate() text from the package into messenger_ru.ts
(keeping translations already made; edit the .ts with pyside6-linguist or any editor), then
pyside6-lrelease compiles it to messenger_ru.qm, which the app loads. Commit both files.
"""

from __future__ import annotations

import html
import re
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


_CONTEXT = re.compile(r"(<context>\s*<name>(.*?)</name>)(.*?)(\n</context>)", re.S)
_PLURAL = re.compile(r'\s*<message numerus="yes">.*?</message>', re.S)
_SOURCE = re.compile(r"<source>(.*?)</source>", re.S)


def _with_locations(block: str, locations: str) -> str:
    """`block` with its <location> elements replaced by `locations`."""
    match = re.search(r"(?:\s*<location[^>]*/>)+", block)
    if match is None:
        return block
    return block[:match.start()] + locations + block[match.end():]


def keep_plurals(before: str, after: str, code: str) -> str:
    """Put back the plural entries pyside6-lupdate lost. The 6.11 lupdate (which `make
    install` picks on Python 3.11) does not see `translate("Ctx", "… %n …", None, n)` as a
    plural: it rewrites such an entry as a singular one to translate again, or drops it.
    Every plural entry of `before` whose text the `code` still has comes back whole (its
    forms, as translated), replacing a flattened copy (with lupdate's locations) or where
    it was dropped."""
    contexts = {m.group(2): m for m in _CONTEXT.finditer(before)}
    out = after
    for name, ctx in contexts.items():
        for plural in _PLURAL.finditer(ctx.group(3)):
            block = plural.group(0)
            source = _SOURCE.search(block)
            if source is None or html.unescape(source.group(1)) not in code:
                continue  # gone from the code: let it go
            here = next((m for m in _CONTEXT.finditer(out) if m.group(2) == name), None)
            if here is None:
                continue  # the context is gone from the code
            body = here.group(3)
            flat = re.search(r"\s*<message>((?:\s*<location[^>]*/>)*)\s*<source>"
                             + re.escape(source.group(1)) + r"</source>.*?</message>", body,
                             re.S)
            if flat is None and f"<source>{source.group(1)}</source>" in body:
                continue  # still a plural entry
            if flat is not None:
                locations = flat.group(1)
                restored = _with_locations(block, locations) if locations else block
                body = body[:flat.start()] + restored + body[flat.end():]
            else:
                body = body + block
            out = out[:here.start(3)] + body + out[here.end(3):]
    return out


def main() -> int:
    sources = sorted(str(p) for p in PACKAGE.rglob("*.py") if "i18n" not in p.parts)
    for lang in LANGUAGES:
        ts = HERE / f"messenger_{lang}.ts"
        before = ts.read_text(encoding="utf-8") if ts.exists() else ""
        subprocess.run(
            [tool("pyside6-lupdate"), *sources, "-no-obsolete", "-source-language", "en",
             "-target-language", lang, "-ts", str(ts)],
            check=True,
        )
        code = "\n".join(Path(p).read_text(encoding="utf-8") for p in sources)
        ts.write_text(keep_plurals(before, ts.read_text(encoding="utf-8"), code),
                      encoding="utf-8")
        subprocess.run(
            [tool("pyside6-lrelease"), str(ts), "-qm", str(HERE / f"messenger_{lang}.qm")],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
