"""Errors of the suite, and every text the command line prints on failure (one place)."""

from __future__ import annotations


class SuiteError(Exception):
    """A failure the command line reports as one sentence (exit status 1, no traceback)."""


class ConfigError(SuiteError):
    """firebase.json (or a file it names) is missing or invalid."""


class UnknownEmulatorError(SuiteError):
    """--only names an emulator that does not exist (or is not built yet)."""


class PortInUseError(SuiteError):
    """An emulator could not bind its port. Raised by Emulator.start()."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name, self.host, self.port = name, host, port
        super().__init__(MSG_PORT_IN_USE.format(name=name, host=host, port=port))


MSG_PORT_IN_USE = (
    "Could not start the {name} emulator: port {port} on {host} is not open (another process "
    "is using it). Stop that process or choose another port in firebase.json."
)
MSG_HOST_UNUSABLE = "Could not use {host}:{port} for the {name} emulator: {detail}"
MSG_CONFIG_MISSING = "Could not load config file {path}."  # firebase-tools' text
# firebase-tools' texts (commandUtils.ts, requireConfig.ts, command.ts)
MSG_NO_CONFIG_DEFAULTS = "Could not find config (firebase.json) so using defaults."
MSG_NOT_IN_PROJECT = "Not in a Firebase project directory (could not locate firebase.json)"
MSG_BAD_PROJECT_ID = "Invalid project id: {project}."
MSG_EXPORT_CWD_DANGER = (
    '"--export-on-exit" must not point to the current directory or parents. Please choose a '
    "new/dedicated directory for exports."
)
MSG_HUB_PORT_IN_USE = (
    "Could not start the emulator hub: port {port} on {host} is not open (another process is "
    "using it). Stop that process or choose another port in firebase.json (emulators.hub.port)."
)
MSG_CONFIG_INVALID = "The config file {path} is not valid JSON: {detail}"
MSG_CONFIG_SHAPE = "The config file {path} is invalid: {detail}"
MSG_RULES_MISSING = "The database rules file {path} (database.rules in {config}) does not exist."
MSG_STORAGE_RULES_MISSING = (
    "The storage rules file {path} (storage.rules in {config}) does not exist."
)
MSG_UNKNOWN_EMULATOR = "No emulator named {name!r}. Available emulators: {available}."
MSG_NOT_BUILT = (
    "The {name} emulator is not available in this installation (module {module} is missing). "
    "Available emulators: {available}."
)
MSG_BAD_DURATION = "Invalid duration {text!r}: use a number of seconds, or e.g. 5s, 10m, 1h."
MSG_IMPORT_MISSING = "Could not import data: {path} is not a folder."
MSG_IMPORT_ABSENT = 'Directory "{path}" does not exist.'  # firebase-tools' (controller.ts)
MSG_IMPORT_INVALID = "Could not import data from {path}: {detail}"
MSG_EXPORT_FAILED = "Could not export data to {path}: {detail}"
MSG_EXPORT_NO_TARGET = (  # firebase-tools' EXPORT_ON_EXIT_USAGE_ERROR
    '"--export-on-exit" must be used with "--import [dir]" or provide a dir directly to '
    '"--export-on-exit [dir]"'
)
MSG_FUNCTIONS_MISSING = (
    "The functions source folder {path} (functions.source in {config}) does not exist."
)
MSG_INTERNAL = "The emulator suite stopped on an internal error: {detail}"
