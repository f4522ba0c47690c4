"""A trigger that crashes on some messages: raises, kills its worker, or always fails.

Every message it handles in the end gets a notification written with firebase-admin to
notifications/{receiver}/{messageId} (as a real notification trigger would), so a test can see
what arrived and when. Attempts are counted per event id in files under RECORD_DIR, because
the worker process itself may die between two attempts.
"""

import os
import threading

import firebase_admin
import functions_framework
from firebase_admin import db

firebase_admin.initialize_app()
RECORD_DIR = os.environ.get("RECORD_DIR", ".")


def _attempt(event_id: str) -> int:
    # Written atomically: another event's die-once kills this process at any instruction.
    path = os.path.join(RECORD_DIR, f"attempts-{event_id}")
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    temporary = f"{path}.{os.getpid()}.{threading.get_ident()}"
    with open(temporary, "w") as f:
        f.write(str(count))
    os.replace(temporary, path)
    return count


@functions_framework.cloud_event
def on_message(event):
    message = event.get_data().get("delta")
    if not isinstance(message, dict) or "text" not in message:
        return  # a deletion
    text = message["text"]
    attempt = _attempt(event["id"])
    if "poison" in text:
        raise RuntimeError("this message always crashes the trigger")
    if "raise-twice" in text and attempt <= 2:
        raise RuntimeError(f"crash {attempt} on purpose")
    if "die-once" in text and attempt == 1:
        os._exit(3)  # the whole worker process dies mid-request
    chat, message_id = _ids(event)
    sender = message["sender"]
    receiver = next(uid for uid in chat.split("_") if uid != sender)
    db.reference(f"notifications/{receiver}/{message_id}").set(
        {"chat": chat, "text": text, "attempts": attempt})


def _ids(event) -> tuple[str, str]:
    # subject: "refs/messages/{chatId}/{messageId}"
    parts = event["subject"].split("/")
    return parts[-2], parts[-1]
