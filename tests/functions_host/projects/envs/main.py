"""Two HTTP functions that show their environment, and one that outlives its timeout."""

import json
import os
import time

import functions_framework

KEYS = ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE", "K_SERVICE", "K_REVISION", "PORT", "TZ")


def _env():
    return json.dumps({k: os.environ.get(k) for k in KEYS} | {"getenv": os.getenv("K_SERVICE")})


@functions_framework.http
def first_entry(request):
    return _env()


@functions_framework.http
def second_entry(request):
    return _env()


@functions_framework.http
def sleepy(request):
    time.sleep(float(request.args.get("s", "0")))
    return "finished"
