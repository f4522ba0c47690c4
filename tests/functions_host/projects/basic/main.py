"""A test function project: HTTP echo, failures, and triggers that record their CloudEvents."""

import json
import os
import time

import firebase_admin
import functions_framework
from firebase_admin import auth, db

# At import, as real projects do: must run once even with several functions in this file.
firebase_admin.initialize_app()
RECORD_DIR = os.environ.get("RECORD_DIR", ".")


@functions_framework.http
def api(request):
    print(f"api called with {request.method} {request.path}")
    if request.path == "/db":
        # The function reaches the database emulator through FIREBASE_CONFIG and the env.
        return json.dumps(db.reference("/").child(request.args["key"]).get())
    if request.path == "/token":
        # As the app's login does: a custom token for the uid (signed in secure mode).
        token = auth.create_custom_token(request.args["uid"], {"via": "function"})
        return token.decode() if isinstance(token, bytes) else token
    if request.path == "/headers":
        # What the host told the function about the caller (and nothing it must not see).
        return {"headers": {k: v for k, v in request.headers.items()},
                "remote_addr": request.remote_addr,
                "secret_in_env": any("SECRET" in k for k in os.environ)}
    if request.path == "/stream":
        def chunks():
            for i in range(3):
                yield f"chunk{i}\n"
        return chunks(), 200, {"Content-Type": "text/plain"}
    return {
        "method": request.method,
        "path": request.path,
        "query": request.query_string.decode(),
        "args": request.args.to_dict(),
        "body": request.get_data(as_text=True),
        "env": {k: os.environ.get(k) for k in (
            "GCLOUD_PROJECT", "FIREBASE_CONFIG", "FIREBASE_DATABASE_EMULATOR_HOST",
            "FIREBASE_AUTH_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS")},
    }


@functions_framework.http
def boom(request):
    raise RuntimeError("boom on purpose")


@functions_framework.http
def crash(request):
    os._exit(7)  # the whole worker dies: the host must restart it


def _record(name, event):
    line = json.dumps({"attributes": {k: v for k, v in event.get_attributes().items()},
                       "data": event.get_data(), "pid": os.getpid(), "at": time.time()})
    with open(os.path.join(RECORD_DIR, f"{name}.jsonl"), "a") as f:
        f.write(line + "\n")


@functions_framework.cloud_event
def record_event(event):
    print(f"recording {event['ref']}")
    _record(event["type"].rsplit(".", 1)[1] + "-" + event["ref"].split("/")[0], event)


@functions_framework.cloud_event
def flaky(event):
    """Fails the first two deliveries of each event (counted in a file), then records it."""
    counter = os.path.join(RECORD_DIR, f"flaky-{event['id']}.count")
    count = int(open(counter).read()) if os.path.exists(counter) else 0
    with open(counter, "w") as f:
        f.write(str(count + 1))
    if count < 2:
        raise RuntimeError(f"flaky failure {count + 1}")
    _record("flaky", event)


@functions_framework.cloud_event
def crashy(event):
    """Kills the whole worker on the first delivery of each event; records the redelivery."""
    marker = os.path.join(RECORD_DIR, f"crashy-{event['id']}.seen")
    if not os.path.exists(marker):
        open(marker, "w").close()
        os._exit(1)
    _record("crashy", event)
