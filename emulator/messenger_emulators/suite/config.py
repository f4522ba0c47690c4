"""firebase.json (and .firebaserc) -> the parts of SuiteOptions they decide.

Keys honoured, as the Firebase CLI reads them:
    emulators.<database|auth|functions>.port   int (or a numeric string); 0 = any free port
    emulators.<name>.host                      the listening host (one host for the suite)
    database.rules                             rules file, relative to firebase.json
                                               (also the list form: [{"instance", "rules"}])
    functions.source                           functions folder (also the list form: codebases)
and `.firebaserc` projects.default beside it, for the project id when --project is absent.
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
    functions_source: Path | None = None
    default_project: str | None = None

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


def _section(path: Path, doc: dict, key: str) -> object:
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
    for name in DEFAULT_PORTS:
        entry = emulators.get(name)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            raise _shape(path, f"emulators.{name} must be an object")
        if "port" in entry:
            config.ports[name] = _port(path, name, entry["port"])
        host = entry.get("host")
        if host is not None:
            if not isinstance(host, str) or not host:
                raise _shape(path, f"emulators.{name}.host must be a host name or address")
            config.hosts[name] = host

    database = _section(path, doc, "database")
    if database and database.get("rules") is not None:
        if not isinstance(database["rules"], str):
            raise _shape(path, "database.rules must be a file name")
        config.rules_path = (config.config_dir / database["rules"]).resolve()

    functions = _section(path, doc, "functions")
    if functions and functions.get("source") is not None:
        if not isinstance(functions["source"], str):
            raise _shape(path, "functions.source must be a folder name")
        config.functions_source = (config.config_dir / functions["source"]).resolve()

    config.default_project = _default_project(config.config_dir / ".firebaserc")
    return config


def _default_project(rc_path: Path) -> str | None:
    try:
        doc = json.loads(rc_path.read_text(encoding="utf-8"))
        project = doc["projects"]["default"]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # .firebaserc is optional; a broken one is the CLI's business, not ours
    return project if isinstance(project, str) and project else None
