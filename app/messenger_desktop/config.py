"""Where the client connects: the bundled emulator suite (default) or a real Firebase project.

A project file (`messenger --config PATH`, or chosen in the settings) is the JSON a Firebase
console shows for a web app, plus the functions base URL:

    {"apiKey": "...", "projectId": "my-project",
     "databaseURL": "https://my-project-default-rtdb.firebaseio.com",
     "functionsURL": "https://us-central1-my-project.cloudfunctions.net/api"}

Adding `"emulator": true`, `"authEmulatorHost": "127.0.0.1:9099"` and
`"storageEmulatorHost": "127.0.0.1:9199"` points it at an emulator suite that is already
running somewhere else. Optional: `"storageBucket"` (default PROJECT.appspot.com) and
`"attachmentMaxBytes"` (default 25 MB, what storage.rules allows).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROJECT_ID = "demo-messenger"
DEFAULT_REGION = "us-central1"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORTS = {"database": 9000, "auth": 9099, "functions": 5001, "storage": 9199}
STORAGE_URL = "https://firebasestorage.googleapis.com"  # the Firebase Storage REST API
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024  # storage.rules' limit; a project file may lower it
# The emulators accept any API key; Firebase's own tools use this placeholder.
EMULATOR_API_KEY = "fake-api-key"


class ConfigError(ValueError):
    """The project file cannot be used; str() is a sentence for the user."""


@dataclass(frozen=True)
class ClientConfig:
    api_key: str
    project_id: str
    database_url: str
    functions_url: str  # base URL of the `api` function; /register and /login hang off it
    emulator: bool = False
    auth_emulator_host: str | None = None  # "host:port" when auth goes to an emulator
    database_params: dict[str, str] = field(default_factory=dict)  # e.g. {"ns": project}
    source: str = "bundled emulator suite"  # shown in the settings
    storage_url: str = STORAGE_URL  # Cloud Storage for Firebase (`/v0/b/BUCKET/o`)
    storage_bucket: str = ""  # default: PROJECT.appspot.com
    attachment_max_bytes: int = ATTACHMENT_MAX_BYTES

    @property
    def bucket(self) -> str:
        return self.storage_bucket or f"{self.project_id}.appspot.com"

    @property
    def description(self) -> str:
        return self.source


def emulator_config(
    host: str = DEFAULT_HOST,
    ports: dict[str, int] | None = None,
    project_id: str = DEFAULT_PROJECT_ID,
) -> ClientConfig:
    p = {**DEFAULT_PORTS, **(ports or {})}
    return ClientConfig(
        api_key=EMULATOR_API_KEY,
        project_id=project_id,
        database_url=f"http://{host}:{p['database']}",
        functions_url=f"http://{host}:{p['functions']}/{project_id}/{DEFAULT_REGION}/api",
        emulator=True,
        auth_emulator_host=f"{host}:{p['auth']}",
        database_params={"ns": project_id},
        storage_url=f"http://{host}:{p['storage']}",
    )


def load_config_file(path: str | Path) -> ClientConfig:
    p = Path(path).expanduser()
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"The project file {p} does not exist.") from exc
    except OSError as exc:
        raise ConfigError(f"Could not read the project file {p}: {exc.strerror}.") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"The project file {p} is not valid JSON (line {exc.lineno}).") from exc
    if not isinstance(doc, dict):
        raise ConfigError(f"The project file {p} must hold a JSON object.")
    missing = [k for k in ("apiKey", "databaseURL", "functionsURL") if not doc.get(k)]
    if missing:
        raise ConfigError(f"The project file {p} is missing {', '.join(missing)}.")
    project_id = str(doc.get("projectId") or DEFAULT_PROJECT_ID)
    emulator = bool(doc.get("emulator"))
    return ClientConfig(
        api_key=str(doc["apiKey"]),
        project_id=project_id,
        database_url=str(doc["databaseURL"]).rstrip("/"),
        functions_url=str(doc["functionsURL"]).rstrip("/"),
        emulator=emulator,
        auth_emulator_host=doc.get("authEmulatorHost") if emulator else None,
        database_params={"ns": project_id} if emulator else {},
        source=str(p),
        storage_url=(f"http://{doc['storageEmulatorHost']}" if emulator
                     and doc.get("storageEmulatorHost") else STORAGE_URL),
        storage_bucket=str(doc.get("storageBucket") or ""),
        attachment_max_bytes=_max_bytes(doc.get("attachmentMaxBytes"), p),
    )


def _max_bytes(value: object, p: Path) -> int:
    if value is None:
        return ATTACHMENT_MAX_BYTES
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"attachmentMaxBytes in {p} must be a positive number of bytes.")
    return value
