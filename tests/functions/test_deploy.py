"""scripts/deploy_functions.py: the gcloud commands it prints come from functions.json."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys

from .stack import FUNCTIONS, REPO

SCRIPT = REPO / "scripts" / "deploy_functions.py"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=30, cwd=REPO)


def test_prints_one_gen2_command_per_declared_function():
    run = _run("--project", "my-proj", "--env", "BCRYPT_ROUNDS=12")
    assert run.returncode == 0, run.stderr
    commands = [shlex.split(line) for line in run.stdout.splitlines()]
    manifest = json.loads((FUNCTIONS / "functions.json").read_text())
    assert [c[3] for c in commands] == [f["name"] for f in manifest["functions"]]
    by_name = {c[3]: c for c in commands}
    for spec in manifest["functions"]:
        command = by_name[spec["name"]]
        assert command[:3] == ["gcloud", "functions", "deploy"]
        for flag in ("--gen2", "--runtime=python311", f"--entry-point={spec['entryPoint']}",
                     "--source=build/functions", "--project=my-proj", "--region=us-central1"):
            assert flag in command, (flag, command)
        env = next(arg for arg in command if arg.startswith("--set-env-vars="))
        assert "BCRYPT_ROUNDS=12" in env
        config = json.loads(env.split("FIREBASE_CONFIG=", 1)[1].split("|", 1)[0])
        assert config == {"projectId": "my-proj",
                          "databaseURL": "https://my-proj-default-rtdb.firebaseio.com"}
    assert "--trigger-http" in by_name["api"]
    trigger = by_name["onmessagewritten"]
    assert "--trigger-event-filters=type=google.firebase.database.ref.v1.written" in trigger
    assert "--trigger-event-filters=database=my-proj-default-rtdb" in trigger
    assert "--trigger-event-filters-path-pattern=ref=/messages/{chatId}/{messageId}" in trigger
    assert "--trigger-location=us-central1" in trigger
    thumbs = by_name["onobjectfinalized"]
    assert "--trigger-event-filters=type=google.cloud.storage.object.v1.finalized" in thumbs
    assert "--trigger-event-filters=bucket=my-proj.appspot.com" in thumbs


def test_the_bundle_carries_the_shared_model():
    """Cloud Functions uploads one folder: functions/ plus messenger_model/ (model/)."""
    run = _run("--project", "my-proj")
    assert run.returncode == 0, run.stderr
    bundle = REPO / "build" / "functions"
    assert (bundle / "main.py").is_file() and (bundle / "requirements.txt").is_file()
    for name in ("__init__.py", "unread.py", "limits.py", "chats.py", "paths.py"):
        assert (bundle / "messenger_model" / name).read_text() == (
            REPO / "model" / "messenger_model" / name).read_text()
    # the bundle imports on its own (no site-packages): the functions find the model in it
    check = subprocess.run(
        [sys.executable, "-S", "-c", "import sys; sys.path[:0] = ['.'];"
         "import messenger_functions.unread, messenger_model.unread as u; print(u.__file__)"],
        cwd=bundle, capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == str(bundle / "messenger_model" / "unread.py")


def test_regional_database_and_bad_input():
    run = _run("--project", "p", "--database-region", "europe-west1", "--only", "onmessagewritten")
    assert run.returncode == 0, run.stderr
    assert "https://p-default-rtdb.europe-west1.firebasedatabase.app" in run.stdout
    assert "--trigger-location=europe-west1" in run.stdout
    assert len(run.stdout.splitlines()) == 1
    bad = _run("--project", "p", "--env", "NOEQUALS")
    assert bad.returncode == 2 and "KEY=VALUE" in bad.stderr and "Traceback" not in bad.stderr
    missing = _run("--project", "p", "--manifest", "/nonexistent/functions.json")
    assert missing.returncode == 2 and "No functions manifest" in missing.stderr
