"""A `firebase_functions` project (no functions.json) with storage triggers, as a thumbnail
function would be written: the suite discovers them through the SDK's /__/functions.yaml."""

from firebase_admin import db, initialize_app
from firebase_functions import storage_fn

initialize_app()


@storage_fn.on_object_finalized()
def onfinalized(event: storage_fn.CloudEvent[storage_fn.StorageObjectData]) -> None:
    db.reference("/sdkEvents").push({"kind": "finalized", "name": event.data.name,
                                     "size": event.data.size, "bucket": event.data.bucket,
                                     "contentType": event.data.content_type})


@storage_fn.on_object_deleted()
def ondeleted(event: storage_fn.CloudEvent[storage_fn.StorageObjectData]) -> None:
    db.reference("/sdkEvents").push({"kind": "deleted", "name": event.data.name})
