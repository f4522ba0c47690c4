"""Which emulators exist, and where their factories live (imported only when started)."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable

from .errors import MSG_NOT_BUILT, MSG_UNKNOWN_EMULATOR, UnknownEmulatorError
from .options import EMULATOR_ORDER

REGISTRY: dict[str, str] = {
    "auth": "messenger_emulators.auth.component:create",
    "database": "messenger_emulators.database.component:create",
    "functions": "messenger_emulators.functions_host.component:create",
    "storage": "messenger_emulators.storage.component:create",
}


def _module_exists(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def available() -> list[str]:
    return [name for name in EMULATOR_ORDER if _module_exists(REGISTRY[name].split(":")[0])]


def resolve(names: Iterable[str]) -> list[str]:
    """The requested names, validated, in start order."""
    wanted = [name.strip() for name in names if name.strip()]
    for name in wanted:
        if name not in REGISTRY:
            raise UnknownEmulatorError(
                MSG_UNKNOWN_EMULATOR.format(name=name, available=", ".join(available()) or "none")
            )
        module = REGISTRY[name].split(":")[0]
        if not _module_exists(module):
            raise UnknownEmulatorError(
                MSG_NOT_BUILT.format(
                    name=name, module=module, available=", ".join(available()) or "none"
                )
            )
    return [name for name in EMULATOR_ORDER if name in wanted]


def load_factory(name: str) -> Callable:
    module_name, _, attr = REGISTRY[name].partition(":")
    return getattr(importlib.import_module(module_name), attr)
