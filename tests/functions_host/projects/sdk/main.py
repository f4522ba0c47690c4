"""A functions project as `firebase init functions` makes it (the firebase_functions SDK), with
no functions.json: the suite discovers it through the SDK's /__/functions.yaml."""

import json
import os
import time

from firebase_admin import initialize_app
from firebase_functions import db_fn, https_fn

initialize_app()
ENV_KEYS = ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION", "PORT",
            "TZ", "GREETING", "PROJECT_ONLY", "LOCAL_ONLY", "GCLOUD_PROJECT")


@https_fn.on_request()
def hello(req: https_fn.Request) -> https_fn.Response:
    env = {k: os.environ.get(k) for k in ENV_KEYS}
    return https_fn.Response(json.dumps({"path": req.path, "env": env,
                                         "tz": time.strftime("%Z")}),
                             content_type="application/json")


@https_fn.on_request(timeout_sec=2)
def slow(req: https_fn.Request) -> https_fn.Response:
    time.sleep(float(req.args.get("s", "0")))
    return https_fn.Response("done")


@db_fn.on_value_written(reference="/items/{itemId}")
def on_item_written(event: db_fn.Event[db_fn.Change]) -> None:
    line = {"params": event.params, "after": event.data.after, "before": event.data.before,
            "env": {k: os.environ.get(k) for k in ENV_KEYS}}
    with open(os.path.join(os.environ["RECORD_DIR"], "items.jsonl"), "a") as f:
        f.write(json.dumps(line) + "\n")
