"""Protocol constants and every text the functions host returns or logs (one place)."""

from __future__ import annotations

# ---- CloudEvents (Eventarc's shape for Realtime Database events) ------------------------------
EVENT_PREFIX = "google.firebase.database.ref.v1."
EVENT_WRITTEN = EVENT_PREFIX + "written"
EVENT_CREATED = EVENT_PREFIX + "created"
EVENT_UPDATED = EVENT_PREFIX + "updated"
EVENT_DELETED = EVENT_PREFIX + "deleted"
EVENT_TYPES = (EVENT_WRITTEN, EVENT_CREATED, EVENT_UPDATED, EVENT_DELETED)
EVENT_DATA_TYPE = "type.googleapis.com/google.events.firebase.database.v1.ReferenceEventData"
EVENT_SOURCE = "//firebasedatabase.googleapis.com/projects/_/locations/{location}/instances/{ns}"
DATABASE_LOCATION = "us-central1"
SPEC_VERSION = "1.0"
# Cloud Storage object events (Eventarc's types; the data is the JSON API's storage#object)
STORAGE_FINALIZED = "google.cloud.storage.object.v1.finalized"
STORAGE_DELETED = "google.cloud.storage.object.v1.deleted"
STORAGE_METADATA_UPDATED = "google.cloud.storage.object.v1.metadataUpdated"
STORAGE_EVENT_TYPES = (STORAGE_FINALIZED, STORAGE_DELETED, STORAGE_METADATA_UPDATED)
STORAGE_SOURCE = "//storage.googleapis.com/projects/_/buckets/{bucket}"
LOG_NO_STORAGE = ("Storage triggers are declared but the storage emulator is not running: "
                  "they will not fire.")

# ---- worker protocol (lines on the worker's stdout) -------------------------------------------
WORKER_READY = "@@messenger-functions-worker ready "  # + JSON {"port": N, "functions": [...]}
WORKER_FAILED = "@@messenger-functions-worker failed "  # + JSON {"error": "..."}
WORKER_LOG_PREFIX = "[{name}] "
WORKER_OWN_NAME = "functions"  # prefix of lines printed outside any function call

# ---- manifest errors ----------------------------------------------------------------------------
MANIFEST_MISSING = "No functions manifest: {path} does not exist."
MANIFEST_INVALID_JSON = "The functions manifest {path} is not valid JSON: {detail}"
MANIFEST_SHAPE = "The functions manifest {path} is invalid: {detail}"
MANIFEST_NO_MAIN = "The functions source {path} has no main.py."

# ---- HTTP answers of the host (function code answers for itself) -------------------------------
NO_SUCH_FUNCTION = (
    "Function {region}-{name} does not exist in project {project}; valid HTTP functions are: "
    "{valid}."
)
WRONG_PROJECT = (
    "This functions emulator serves project {project} in region {region}; the URL asks for "
    "project {asked_project}, region {asked_region}."
)
WORKER_NOT_READY = "The functions worker did not become ready within {timeout:.0f} s."
WORKER_LOAD_FAILED = "The functions could not be loaded: {error}"
WORKER_NO_SECRET = "Only the functions host may call this worker (its per-run secret is missing)."
BROWSER_TOKEN = (
    "This request comes from a web page (Origin header) and carries {what}; the suite lets no "
    "web page act as the admin or with a token whose signature is not checked (start the suite "
    "with --secure for signed tokens)."
)
WORKER_UNREACHABLE = "The functions worker is unreachable (it is restarting): {detail}"

# ---- logs ------------------------------------------------------------------------------------
LOG_WORKER_READY = "Functions worker ready in {seconds:.1f} s: {names}"
LOG_WORKER_FAILED = "Functions failed to load: {error}"
LOG_WORKER_EXITED = "Functions worker exited with status {code}; restarting in {delay:.1f} s."
LOG_RELOAD = "Change in {path}: reloading functions."
LOG_RETRY = (
    "Trigger {name} failed for {ref} (attempt {attempt}/{max_attempts}: {detail}); retrying in "
    "{delay:.1f} s."
)
LOG_DROPPED = (
    "Trigger {name} gave up on event {event_id} for {ref} after {attempts} attempts ({detail}); "
    "the event is dropped."
)
LOG_REFUSED = (
    "Trigger {name} refused event {event_id} for {ref} with HTTP {status}; the event is dropped "
    "(only 5xx and connection errors are retried)."
)
LOG_QUEUE_FULL = (
    "Trigger {name} has {limit} events waiting; the next ones wait on disk (first: {ref}) "
    "until it catches up. The function is slower than the writes: see its log."
)
LOG_QUEUE_RECOVERED = (
    "Trigger {name} caught up with its events on disk: {count} waited there ({total} in all); "
    "none was lost."
)
LOG_SPILL_FAILED = (
    "Trigger {name}: could not write waiting events to disk ({error}); keeping them in memory."
)
LOG_NO_DATABASE = (
    "Functions declare database triggers but the database emulator is not running: triggers "
    "are inactive."
)
# the official emulator's words (functionsRuntimeWorker.ts)
LOG_TIMEOUT = ("Your function {name} timed out after ~{seconds}s. To configure this timeout, see "
               "https://firebase.google.com/docs/functions/manage-functions"
               "#set_timeout_and_memory_allocation.")
LOG_DOTENV = "Loaded environment variables from {files}"
LOG_DOTENV_FAILED = "The functions' dotenv files were not loaded: {error}"
DISCOVERY_FAILED = ("Could not list the functions of {path} with the firebase_functions SDK "
                    "(its admin server, /__/functions.yaml): {detail}")
LOG_DISCOVERED = "Functions found: {names} (from {where})"
LOG_TRIGGER_SKIPPED = ("Function {name} is not emulated: its trigger ({kind}) has no emulator "
                       "in this suite.")
