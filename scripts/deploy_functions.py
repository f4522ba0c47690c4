#!/usr/bin/env python3
"""Print (and with --run, execute) the `gcloud functions deploy` commands for functions/.

The commands come from functions/functions.json, the same manifest the local functions host
reads, so what runs locally is what gets deployed. Needs nothing but the standard library;
--run needs the Google Cloud CLI (`gcloud`), signed in to an account that may deploy.

    python scripts/deploy_functions.py --project my-project
    python scripts/deploy_functions.py --project my-project --run
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SOURCE = REPO / "functions"
MODEL = REPO / "model" / "messenger_model"  # the data model shared with the app
BUNDLE = REPO / "build" / "functions"  # what gets uploaded: functions/ plus messenger_model/
MANIFEST = SOURCE / "functions.json"
STORAGE_MEMORY = "1Gi"  # Pillow decodes up to 60 MP pictures
HTTP_MEMORY = "512Mi"  # gen2 ties CPU to memory; bcrypt wants a whole vCPU (see docs)
DB_EVENT = "google.firebase.database.ref.v1.written"


class DeployError(Exception):
    """A problem the script reports as one sentence (exit status 2)."""


def load_manifest(path: Path) -> dict:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DeployError(f"No functions manifest at {path}.") from None
    except json.JSONDecodeError as error:
        raise DeployError(f"{path} is not valid JSON: {error}") from None
    functions = manifest.get("functions")
    if not isinstance(functions, list) or not functions:
        raise DeployError(f"{path} declares no functions.")
    for spec in functions:
        if not isinstance(spec, dict) or not {"name", "entryPoint", "trigger"} <= set(spec):
            raise DeployError(f"{path}: every function needs name, entryPoint and trigger.")
    return manifest


def database_url(instance: str, database_region: str) -> str:
    # Instances in us-central1 keep the firebaseio.com domain; the others use their region's.
    if database_region == "us-central1":
        return f"https://{instance}.firebaseio.com"
    return f"https://{instance}.{database_region}.firebasedatabase.app"


def env_vars(args: argparse.Namespace) -> str:
    """--set-env-vars value; FIREBASE_CONFIG is JSON (commas), hence gcloud's ^|^ delimiter."""
    config = {
        "projectId": args.project,
        "databaseURL": args.database_url
        or database_url(args.database_instance or f"{args.project}-default-rtdb",
                        args.database_region),
    }
    pairs = {"FIREBASE_CONFIG": json.dumps(config, separators=(",", ":")),
             "FORWARDED_HOPS": "1"}
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DeployError(f"--env needs KEY=VALUE, got {item!r}.")
        pairs[key] = value
    for key, value in pairs.items():
        if "|" in value:
            raise DeployError(f"The value of {key} must not contain '|'.")
    return "^|^" + "|".join(f"{key}={value}" for key, value in pairs.items())


def bundle(source: Path = SOURCE, model: Path = MODEL, dest: Path = BUNDLE) -> Path:
    """Copies functions/ and the shared model package into `dest` (replacing it): Cloud
    Functions uploads one folder, and the functions import `messenger_model` from it."""
    if not (source / "main.py").is_file() or not (model / "__init__.py").is_file():
        raise DeployError(f"{source} or {model} is missing: run from a full checkout.")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(source, dest, ignore=ignore)
    shutil.copytree(model, dest / model.name, ignore=ignore)
    return dest


def commands(manifest: dict, args: argparse.Namespace) -> list[list[str]]:
    region = args.region or manifest.get("region", "us-central1")
    runtime = manifest.get("runtime", "python311")
    instance = args.database_instance or f"{args.project}-default-rtdb"
    result = []
    for spec in manifest["functions"]:
        if args.only and spec["name"] not in args.only:
            continue
        command = [
            "gcloud", "functions", "deploy", spec["name"],
            "--gen2",
            f"--project={args.project}",
            f"--region={region}",
            f"--runtime={runtime}",
            f"--source={args.source}",
            f"--entry-point={spec['entryPoint']}",
            f"--set-env-vars={env_vars(args)}",
        ]
        trigger = spec["trigger"]
        if "http" in trigger:
            command += [
                "--trigger-http",
                # The API checks ID tokens itself; the desktop client has no Google identity.
                "--allow-unauthenticated",
                f"--memory={HTTP_MEMORY}",
                "--cpu=1",
                "--concurrency=8",
            ]
        elif "database" in trigger:
            database = trigger["database"]
            if database.get("eventType", DB_EVENT) != DB_EVENT:
                raise DeployError(f"{spec['name']}: only {DB_EVENT} triggers are supported.")
            command += [
                f"--trigger-event-filters=type={DB_EVENT}",
                f"--trigger-event-filters=database={instance}",
                f"--trigger-event-filters-path-pattern=ref={database['ref']}",
                # Eventarc delivers from the database's own region.
                f"--trigger-location={args.database_region}",
                "--retry",  # the handler is idempotent (see docs/functions.md)
            ]
        elif "storage" in trigger:
            storage = trigger["storage"]
            event = storage.get("eventType", "")
            if not event.startswith("google.cloud.storage.object.v1."):
                raise DeployError(f"{spec['name']}: unknown storage event {event!r}.")
            bucket = storage.get("bucket", "*")
            if bucket == "*":  # the default bucket, as the emulator reads "*"
                bucket = args.storage_bucket or f"{args.project}.appspot.com"
            command += [
                f"--trigger-event-filters=type={event}",
                f"--trigger-event-filters=bucket={bucket}",
                # Eventarc delivers from the bucket's own region.
                f"--trigger-location={args.storage_region}",
                f"--memory={STORAGE_MEMORY}",
                "--retry",  # the thumbnail function is idempotent and skips what it cannot use
            ]
        else:
            raise DeployError(f"{spec['name']}: unknown trigger {sorted(trigger)}.")
        if args.service_account:
            command.append(f"--service-account={args.service_account}")
        if spec.get("timeoutSeconds"):  # the emulator enforces the same (functions.json)
            command.append(f"--timeout={spec['timeoutSeconds']}s")
        result.append(command)
    if not result:
        raise DeployError("No function matched --only.")
    return result


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", required=True, help="Firebase / Google Cloud project id")
    parser.add_argument("--region", help="functions region (default: functions.json's)")
    parser.add_argument("--database-instance", help="default: PROJECT-default-rtdb")
    parser.add_argument("--database-region", default="us-central1",
                        help="region of the Realtime Database instance (default us-central1)")
    parser.add_argument("--database-url", help="override the databaseURL given to the functions")
    parser.add_argument("--storage-bucket",
                        help="the default bucket (default: PROJECT.appspot.com)")
    parser.add_argument("--storage-region", default="us-central1",
                        help="the bucket's region (Eventarc triggers run there)")
    parser.add_argument("--service-account", help="runtime service account (optional)")
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE",
                        help="extra environment variable (e.g. BCRYPT_ROUNDS=12); repeatable")
    parser.add_argument("--only", action="append", metavar="NAME", help="deploy only NAME")
    parser.add_argument("--source", default=str(BUNDLE.relative_to(REPO)), help=argparse.SUPPRESS)
    parser.add_argument("--manifest", default=str(MANIFEST), help=argparse.SUPPRESS)
    parser.add_argument("--run", action="store_true", help="execute the commands")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    try:
        planned = commands(load_manifest(Path(args.manifest)), args)
        if args.source == str(BUNDLE.relative_to(REPO)):
            bundle()
    except DeployError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for command in planned:
        print(shlex.join(command))
    if not args.run:
        return 0
    if shutil.which("gcloud") is None:
        print("error: gcloud is not installed; see https://cloud.google.com/sdk/docs/install",
              file=sys.stderr)
        return 2
    for command in planned:
        print(f"\n$ {shlex.join(command)}", flush=True)
        status = subprocess.call(command, cwd=REPO)  # --source is relative to the repo
        if status != 0:
            print(f"error: {command[3]} failed to deploy (exit status {status}).", file=sys.stderr)
            return status
    return 0


if __name__ == "__main__":
    sys.exit(main())
