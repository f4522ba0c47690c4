"""Storage-triggered functions for tests/storage/test_events.py: each records the event it got
in the database; the finalize one also reads the object back through google-cloud-storage
(STORAGE_EMULATOR_HOST, set by the functions host), as a thumbnail function would."""

import firebase_admin
import functions_framework
from firebase_admin import db
from google.cloud import storage

firebase_admin.initialize_app()


def _record(event, **extra):
    data = event.data
    db.reference(f"/storageEvents/{event['id']}").set({
        "type": event["type"], "source": event["source"], "subject": event["subject"],
        "name": data["name"], "bucket": data["bucket"], "size": data["size"],
        "contentType": data.get("contentType"), **extra})


@functions_framework.cloud_event
def on_finalized(event):
    data = event.data
    body = storage.Client().bucket(data["bucket"]).blob(data["name"]).download_as_bytes()
    _record(event, bytesRead=len(body))


@functions_framework.cloud_event
def on_deleted(event):
    _record(event)
