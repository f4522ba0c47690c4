"""firebase.json (and .firebaserc) -> the parts of SuiteOptions they decide.

Keys honoured, as the Firebase CLI reads them:
    emulators.<database|auth|storage|functions>.port   int (or a numeric string); 0 = any free port
    emulators.<name>.host                      the listening host (one host for the suite)
    database.rules                             rules file, relative to firebase.json
    storage.rules                              storage.rules file (also the list form:
                                               [{"bucket", "rules"}], first entry)
                                               (also the list form: [{"instance", "rules"}])
    functions.source                           functions folder (also the list form: codebases)
    emulators.hub.port / emulators.hub.host    the hub (GET /emulators), default 4400
and `.firebaserc` beside it: its `projects` aliases (`--project staging`, the single alias,
`default`), resolved as the CLI's command.ts applyRC does.

Without --config, firebase.json is looked for in the working folder and then in its parents,
as firebase-tools' detectProjectRoot does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import MSG_CONFIG_INVALID, MSG_CONFIG_MISSING, MSG_CONFIG_SHAPE, ConfigError
from .options import DEFAULT_PORTS

CONFIG_NAME = "firebase.json"


@dataclass
class FirebaseConfig:
    path: Path
    ports: dict[str, int] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)
    rules_path: Path | None = None
    storage_rules_path: Path | None = None
    functions_source: Path | None = None
    aliases: dict[str, str] = field(default_factory=dict)  # .firebaserc projects
    hub_port: int | None = None
    hub_host: str | None = None
    # emulators firebase.json mentions (an `emulators.<name>` entry or a product section)
    configured: set[str] = field(default_factory=set)

    @property
    def default_project(self) -> str | None:
        return resolve_project(None, self.aliases)

    @property
    def config_dir(self) -> Path:
        return self.path.parent


def _shape(path: Path, detail: str) -> ConfigError:
    return ConfigError(MSG_CONFIG_SHAPE.format(path=path, detail=detail))


def _port(path: Path, name: str, value: object) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 65535:
        raise _shape(path, f"emulators.{name}.port must be a port number (0-65535), not {value!r}")
    return value


def _section(path: Path, doc: dict, key: str) -> dict | None:
    value = doc.get(key)
    if isinstance(value, list):
        # The multi-target forms ("database": [{"instance", "rules"}], "functions": [codebases]):
        # this suite serves one database and one codebase, so it takes the first.
        value = value[0] if value else None
    if value is not None and not isinstance(value, dict):
        raise _shape(path, f"{key!r} must be an object")
    return value


def load_config(path: Path | str) -> FirebaseConfig:
    path = Path(path).resolve()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(MSG_CONFIG_MISSING.format(path=path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(MSG_CONFIG_INVALID.format(path=path, detail=exc)) from exc
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ConfigError(MSG_CONFIG_INVALID.format(path=path, detail=exc)) from exc
    if not isinstance(doc, dict):
        raise _shape(path, "the top level must be an object")

    config = FirebaseConfig(path=path)
    emulators = doc.get("emulators") or {}
    if not isinstance(emulators, dict):
        raise _shape(path, "'emulators' must be an object")
    for name in (*DEFAULT_PORTS, "hub"):
        entry = emulators.get(name)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise _shape(path, f"emulators.{name} must be an object")
        port = _port(path, name, entry["port"]) if "port" in entry else None
        host = entry.get("host")
        if host is not None and (not isinstance(host, str) or not host):
            raise _shape(path, f"emulators.{name}.host must be a host name or address")
        if name == "hub":
            config.hub_port, config.hub_host = port, host
            continue
        if port is not None:
            config.ports[name] = port
        if host is not None:
            config.hosts[name] = host

    config.configured = {name for name in DEFAULT_PORTS
                         if name in emulators or doc.get(name) is not None}

    database = _section(path, doc, "database")
    if database and database.get("rules") is not None:
        if not isinstance(database["rules"], str):
            raise _shape(path, "database.rules must be a file name")
        config.rules_path = (config.config_dir / database["rules"]).resolve()

    storage = _section(path, doc, "storage")
    if storage and storage.get("rules") is not None:
        if not isinstance(storage["rules"], str):
            raise _shape(path, "storage.rules must be a file name")
        config.storage_rules_path = (config.config_dir / storage["rules"]).resolve()

    functions = _section(path, doc, "functions")
    if functions and functions.get("source") is not None:
        if not isinstance(functions["source"], str):
            raise _shape(path, "functions.source must be a folder name")
        config.functions_source = (config.config_dir / functions["source"]).resolve()

    config.aliases = read_aliases(config.config_dir)
    return config


def find_config(start: Path) -> Path | None:
    """firebase.json in `start` or the nearest parent that has one (detectProjectRoot.ts)."""
    folder = start.resolve()
    while True:
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
        if folder.parent == folder:
            return None
        folder = folder.parent


def read_aliases(folder: Path) -> dict[str, str]:
    """`.firebaserc` projects (alias -> project id) in `folder`; {} when absent or broken."""
    try:
        doc = json.loads((folder / ".firebaserc").read_text(encoding="utf-8"))
        projects = doc["projects"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # .firebaserc is optional; a broken one is the CLI's business, not ours
    if not isinstance(projects, dict):
        return {}
    return {k: v for k, v in projects.items() if isinstance(v, str) and v}


def resolve_alias(requested: str | None, aliases: dict[str, str]) -> str | None:
    """The .firebaserc alias the project was chosen by (None: given as an id, or no alias);
    the functions' `.env.<alias>` file is read by it."""
    if requested:
        return requested if requested in aliases else None
    if len(aliases) == 1:
        return next(iter(aliases))
    return "default" if "default" in aliases else None


def resolve_project(requested: str | None, aliases: dict[str, str]) -> str | None:
    """--project as an alias or an id; else the only alias; else the `default` alias."""
    if requested:
        return aliases.get(requested, requested)
    if len(aliases) == 1:
        return next(iter(aliases.values()))
    return aliases.get("default")
