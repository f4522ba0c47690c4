"""The functions' own environment variables, from dotenv files, as Firebase loads them
(firebase-tools src/functions/env.ts): in the functions folder, `.env`, then
`.env.<project id>` (or `.env.<alias>`: not both), then, in the emulator only, `.env.local`;
a later file wins. Keys are POSIX names, not reserved ones (FIREBASE_CONFIG, PORT,
K_SERVICE...) nor with a reserved prefix (FIREBASE_, X_GOOGLE_, EXT_, KIT_). Values may be
quoted; double quotes take \\n-style escapes and may span lines.
"""

from __future__ import annotations

import re
from pathlib import Path

EMULATOR_DOTENV = ".env.local"
RESERVED_PREFIXES = ("X_GOOGLE_", "FIREBASE_", "EXT_", "KIT_")
RESERVED_PREFIX_ALLOWLIST = ("FIREBASE_SECRET_REF_", "EXT_MIGRATED_SYSTEM_", "EXT_SELECTED_EVENTS")
RESERVED_KEYS = frozenset({
    "FIREBASE_CONFIG", "CLOUD_RUNTIME_CONFIG", "EVENTARC_CLOUD_EVENT_SOURCE", "ENTRY_POINT",
    "GCP_PROJECT", "GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT", "FUNCTION_TRIGGER_TYPE",
    "FUNCTION_NAME", "FUNCTION_MEMORY_MB", "FUNCTION_TIMEOUT_SEC", "FUNCTION_IDENTITY",
    "FUNCTION_REGION", "FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION",
    "PORT", "K_CONFIGURATION",
})
# env.ts's LINE_RE (flags g, m, s): key = value, quoted or not, then an optional comment.
LINE = re.compile(
    r"""^\s*(?:export)?\s*([\w./]+)\s*=[\f\t\v]*(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|[^#\r\n]*)?"""
    r"""\s*(?:#[^\n]*)?$""", re.M | re.S | re.ASCII)
QUOTED = re.compile(r"""^(["'])(.*)\1$""", re.S)
ESCAPES = {"\\n": "\n", "\\r": "\r", "\\t": "\t", "\\v": "\v", "\\\\": "\\", "\\'": "'",
           '\\"': '"'}
ESCAPE = re.compile(r"""\\[nrtv\\'"]""")
KEY = re.compile(r"^[A-Z_][A-Z0-9_]*$")


class DotenvError(ValueError):
    """A dotenv file that does not load; str() names the file and what is wrong."""


def parse(text: str) -> tuple[dict[str, str], list[str]]:
    """(key -> value, lines that are neither a pair nor a comment)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    envs: dict[str, str] = {}
    for match in LINE.finditer(text):
        key, value = match.group(1), (match.group(2) or "").strip()
        quoted = QUOTED.match(value)
        if quoted:
            value = quoted.group(2)
            if quoted.group(1) == '"':
                value = ESCAPE.sub(lambda m: ESCAPES[m.group(0)], value)
        envs[key] = value
    errors = [line.strip() for line in LINE.sub("", text).split("\n")
              if line.strip() and not line.strip().startswith("#")]
    return envs, errors


def key_problem(key: str) -> str | None:
    if key in RESERVED_KEYS:
        return f"Key {key} is reserved for internal use."
    if not KEY.match(key):
        return (f"Key {key} must start with an uppercase ASCII letter or underscore, and then "
                "consist of uppercase ASCII letters, digits, and underscores.")
    if any(key.startswith(p) for p in RESERVED_PREFIXES) and \
            not any(key.startswith(k) for k in RESERVED_PREFIX_ALLOWLIST):
        return f"Key {key} starts with a reserved prefix ({' '.join(RESERVED_PREFIXES)})"
    return None


def env_files(folder: Path, project_id: str, alias: str | None = None) -> list[Path]:
    names = [".env", f".env.{project_id}"]
    if alias and alias != project_id:
        names.append(f".env.{alias}")
    names.append(EMULATOR_DOTENV)
    return [folder / name for name in names if (folder / name).is_file()]


def load_user_envs(folder: Path, project_id: str, alias: str | None = None
                   ) -> tuple[dict[str, str], list[Path]]:
    """The functions' variables and the files they came from; DotenvError if one is bad."""
    files = env_files(folder, project_id, alias)
    names = [f.name for f in files]
    if alias and f".env.{project_id}" in names and f".env.{alias}" in names:
        raise DotenvError(f"Can't have both dotenv files with projectId (.env.{project_id}) "
                          f"and projectAlias (.env.{alias}) as extensions.")
    envs: dict[str, str] = {}
    for file in files:
        try:
            parsed, errors = parse(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise DotenvError(f"Failed to load environment variables from {file}: {exc}") \
                from None
        if errors:
            raise DotenvError(f"Failed to load environment variables from {file}: Invalid "
                              f"dotenv file, error on lines: {','.join(errors)}")
        problems = [p for p in map(key_problem, parsed) if p]
        if problems:
            raise DotenvError(f"Failed to load environment variables from {file}: "
                              + " ".join(problems))
        envs.update(parsed)
    return envs, files
