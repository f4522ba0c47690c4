"""SuiteOptions: everything a component needs to know about how the suite was started.

The shape is fixed by docs/CONTRACTS.md; every emulator's factory receives one.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_PROJECT_ID = "demo-messenger"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_REGION = "us-central1"
# The official Firebase Emulator Suite's default ports.
DEFAULT_PORTS: dict[str, int] = {"database": 9000, "auth": 9099, "storage": 9199,
                                  "functions": 5001}
# Start order; the suite stops them in reverse.
# Storage before functions: the functions worker is told where storage listens.
EMULATOR_ORDER: tuple[str, ...] = ("auth", "database", "storage", "functions")


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and "localhost": the only hosts that may skip token checks."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class SuiteOptions:
    project_id: str = DEFAULT_PROJECT_ID
    host: str = DEFAULT_HOST
    # emulator name -> port (firebase.json, defaults above; 0 = any free port)
    ports: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PORTS))
    config_dir: Path = field(default_factory=Path.cwd)  # relative paths resolve against it
    rules_path: Path | None = None  # firebase.json database.rules
    storage_rules_path: Path | None = None  # firebase.json storage.rules
    functions_source: Path = field(default_factory=lambda: Path("functions"))
    data_dir: Path | None = None  # durable journal folder (--data)
    import_dir: Path | None = None  # firebase emulators:export layout (--import)
    export_on_exit: Path | None = None
    id_token_ttl: float = 3600.0  # seconds (--id-token-ttl 5s)
    secure: bool = False  # forced on when host is not loopback
    watch: bool = False  # functions reload on change
    rules_trace: bool = False  # log every rules decision with its trace
    hub_port: int | None = None  # firebase.json emulators.hub.port; None: 4400, else any free
    compact_bytes: int | None = None  # journal bytes before a compaction; None: the default
    project_alias: str | None = None  # the .firebaserc alias --project named (.env.<alias>)

    def __post_init__(self) -> None:
        if not is_loopback(self.host):
            self.secure = True

    @property
    def namespace(self) -> str:
        """The default database namespace: the project id (as the official emulator)."""
        return self.project_id

    def port(self, name: str) -> int:
        return self.ports.get(name, DEFAULT_PORTS.get(name, 0))
