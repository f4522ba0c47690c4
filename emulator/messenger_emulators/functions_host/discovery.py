"""Which functions a source folder holds, found as firebase-tools finds them:

1. `functions.json` (this project's manifest, docs/CONTRACTS.md) when there is one;
2. else `functions.yaml` in the folder (firebase-tools' detectFromYaml);
3. else a `firebase_functions` project as `firebase init functions` makes it (main.py with
   `@https_fn.on_request`, `@db_fn.on_value_written`...): the SDK's own admin server,
   `python <firebase_functions>/private/serving.py` with ADMIN_PORT set, run in the folder,
   answers `GET /__/functions.yaml` (firebase-tools src/deploy/functions/runtimes/python), and
   `/__/quitquitquit` ends it.

The YAML's endpoints become FunctionSpecs: `httpsTrigger` and `callableTrigger` are HTTP
functions, `eventTrigger`s of the Realtime Database (google.firebase.database.ref.v1.*) are
database triggers (ref from eventFilterPathPatterns or eventFilters, instance likewise, "*" by
default), Cloud Storage object events (google.cloud.storage.object.v1.finalized, .deleted,
.metadataUpdated) are storage triggers (bucket from eventFilters); other triggers (Firestore,
schedules, Pub/Sub...) are skipped with a warning, as the suite does not emulate their
sources. The discovery runs the suite's Python, the same the worker runs (firebase-tools would
use the folder's `venv`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from . import messages as msg
from .manifest import (
    DEFAULT_REGION,
    MAIN_FILE,
    MANIFEST_FILE,
    DatabaseTrigger,
    FunctionSpec,
    Manifest,
    ManifestError,
    StorageTrigger,
    check_timeout,
    load_manifest,
    parse_ref,
)

log = logging.getLogger("messenger_emulators.functions")
YAML_FILE = "functions.yaml"
DISCOVERY_TIMEOUT_S = 60.0
POLL_S = 0.1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def uses_sdk(source: Path) -> bool:
    """main.py imports the firebase_functions SDK."""
    try:
        text = (source / MAIN_FILE).read_text(encoding="utf-8")
    except OSError:
        return False
    return "firebase_functions" in text


def manifest_from_endpoints(source: Path, doc: Any, where: str) -> Manifest:
    """A Manifest from the SDK's functions.yaml document (specVersion v1alpha1)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("endpoints") or {}, dict):
        raise ManifestError(msg.MANIFEST_SHAPE.format(path=where,
                                                      detail="no endpoints mapping"))
    functions: list[FunctionSpec] = []
    region = None
    for name, endpoint in (doc.get("endpoints") or {}).items():
        try:
            spec = _endpoint(str(name), endpoint)
        except ValueError as exc:
            raise ManifestError(msg.MANIFEST_SHAPE.format(path=where, detail=exc)) from None
        if spec is None:
            continue
        regions = endpoint.get("region") if isinstance(endpoint, dict) else None
        if region is None and isinstance(regions, list) and regions and \
                isinstance(regions[0], str):
            region = regions[0]
        functions.append(spec)
    return Manifest(source, region or DEFAULT_REGION, tuple(functions))


def _endpoint(name: str, endpoint: Any) -> FunctionSpec | None:
    if not isinstance(endpoint, dict):
        raise ValueError(f"endpoint {name} must be a mapping")
    entry_point = endpoint.get("entryPoint") or name
    http = "httpsTrigger" in endpoint or "callableTrigger" in endpoint
    timeout = check_timeout(endpoint.get("timeoutSeconds"), http, f"endpoints.{name}")
    if http:
        return FunctionSpec(name, entry_point, timeout_s=timeout)
    trigger = endpoint.get("eventTrigger")
    if not isinstance(trigger, dict):
        trigger = {}  # none (or not a mapping): skipped below as an unknown kind
    event_type = trigger.get("eventType")
    if event_type in msg.STORAGE_EVENT_TYPES:
        # storage_fn.on_object_finalized / _deleted: the SDK names the bucket (its option, or
        # FIREBASE_CONFIG's storageBucket, which the host sets when storage runs)
        bucket = (trigger.get("eventFilters") or {}).get("bucket") or "*"
        return FunctionSpec(name, entry_point, timeout_s=timeout,
                            storage=StorageTrigger(event_type, str(bucket)))
    if event_type not in msg.EVENT_TYPES:
        kind = event_type or next((k for k in endpoint if k.endswith("Trigger")), "unknown")
        log.warning(msg.LOG_TRIGGER_SKIPPED.format(name=name, kind=kind))
        return None
    filters = {**(trigger.get("eventFilters") or {}),
               **(trigger.get("eventFilterPathPatterns") or {})}
    ref = filters.get("ref")
    if not isinstance(ref, str) or not ref.strip("/"):
        raise ValueError(f"endpoint {name}: a database trigger needs a ref")
    instance = filters.get("instance") or "*"
    return FunctionSpec(name, entry_point,
                        DatabaseTrigger(event_type, "/" + ref.strip("/"), str(instance),
                                        parse_ref(ref)), timeout)


def _serve_and_read(source: Path, env: dict[str, str]) -> str:
    """Run the SDK's admin server in `source` and read /__/functions.yaml (blocking)."""
    import subprocess

    port = _free_port()
    script = ("import os, runpy, firebase_functions; runpy.run_path(os.path.join("
              "os.path.dirname(firebase_functions.__file__), 'private', 'serving.py'), "
              "run_name='__main__')")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=source,
                               env={**env, "ADMIN_PORT": str(port)},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + DISCOVERY_TIMEOUT_S
    try:
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout \
                    else ""
                raise ManifestError(msg.DISCOVERY_FAILED.format(
                    path=source, detail=output.strip()[-2000:] or f"exit {process.returncode}"))
            try:
                with urllib.request.urlopen(f"{base}/__/functions.yaml", timeout=5) as answer:
                    return answer.read().decode()
            except urllib.error.HTTPError as exc:
                detail = exc.read().decode(errors="replace")[-2000:]
                raise ManifestError(msg.DISCOVERY_FAILED.format(path=source,
                                                                detail=detail)) from None
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise ManifestError(msg.DISCOVERY_FAILED.format(
                        path=source, detail=f"no answer within {DISCOVERY_TIMEOUT_S:g} s")
                    ) from None
                time.sleep(POLL_S)
    finally:
        with contextlib.suppress(OSError, urllib.error.URLError):
            urllib.request.urlopen(f"{base}/__/quitquitquit", timeout=2).close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def discover(source: Path, env: dict[str, str]) -> Manifest:
    """The functions of `source` (blocking: run it off the event loop)."""
    source = Path(source)
    if (source / MANIFEST_FILE).is_file() or not (
            (source / YAML_FILE).is_file() or uses_sdk(source)):
        return load_manifest(source)  # also its "missing manifest" error
    import yaml

    if (source / YAML_FILE).is_file():
        where = str(source / YAML_FILE)
        try:
            doc = yaml.safe_load((source / YAML_FILE).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ManifestError(msg.MANIFEST_SHAPE.format(path=where, detail=exc)) from None
    else:
        where = f"{source / MAIN_FILE} (the firebase_functions SDK's /__/functions.yaml)"
        text = _serve_and_read(source, env)
        try:
            doc = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ManifestError(msg.MANIFEST_SHAPE.format(path=where, detail=exc)) from None
    manifest = manifest_from_endpoints(source, doc, where)
    log.info(msg.LOG_DISCOVERED.format(
        names=", ".join(f.name for f in manifest.functions) or "no functions", where=where))
    return manifest


async def discover_async(source: Path, env: dict[str, str]) -> Manifest:
    return await asyncio.to_thread(discover, source, env)
