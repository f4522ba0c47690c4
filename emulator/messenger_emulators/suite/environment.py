"""The environment variables a program needs to reach the suite (as `firebase emulators:exec`
sets them); firebase-admin and pyrebase4 honour them without code changes."""

from __future__ import annotations

import json


def client_host(host: str) -> str:
    # A wildcard bind address is not something a client can connect to.
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def emulator_env(project_id: str, host: str, ports: dict[str, int]) -> dict[str, str]:
    """`ports` holds the bound port of every running emulator (and "hub": the hub's)."""
    reach = client_host(host)
    env = {"GCLOUD_PROJECT": project_id, "GOOGLE_CLOUD_PROJECT": project_id}
    config: dict[str, str] = {"projectId": project_id}
    if "database" in ports:
        env["FIREBASE_DATABASE_EMULATOR_HOST"] = f"{reach}:{ports['database']}"
        # An https URL whose first label is the namespace: firebase-admin maps it to the
        # emulator host above (namespace = project id), and it is also right in production.
        config["databaseURL"] = f"https://{project_id}.firebaseio.com"
    if "auth" in ports:
        env["FIREBASE_AUTH_EMULATOR_HOST"] = f"{reach}:{ports['auth']}"
    if "storage" in ports:
        # the Firebase SDKs' variable (host:port), and google-cloud-storage's (with a scheme)
        env["FIREBASE_STORAGE_EMULATOR_HOST"] = f"{reach}:{ports['storage']}"
        env["STORAGE_EMULATOR_HOST"] = f"http://{reach}:{ports['storage']}"
        config["storageBucket"] = f"{project_id}.appspot.com"
    if "functions" in ports:
        env["FUNCTIONS_EMULATOR_HOST"] = f"{reach}:{ports['functions']}"
    if "hub" in ports:
        env["FIREBASE_EMULATOR_HUB"] = f"{reach}:{ports['hub']}"
    env["FIREBASE_CONFIG"] = json.dumps(config)
    return env
