"""The functions worker: a subprocess that runs the function code under functions-framework.

    python -m messenger_emulators.functions_host.worker SOURCE_DIR FUNCTIONS_JSON

``FUNCTIONS_JSON`` is a JSON list of ``{"name", "entryPoint", "signatureType"}``. Each function
gets functions-framework's own ``create_app(target, source, signature_type)``; one WSGI
dispatcher routes ``/NAME/<suffix>`` to it with ``PATH_INFO = "/<suffix>"`` (what Cloud
Functions shows the function), served by werkzeug's threaded server on a free loopback port.

Database triggers (CloudEvent functions) are also invoked through a lean event channel, as the
official emulator invokes functions in-process in its Node runtime: a second loopback port
takes length-prefixed frames (channel.py), each one event in binary content mode (the ``ce-*``
headers and the JSON body the HTTP POST would carry). The worker turns it into the very object
functions-framework would pass, ``cloudevents.http.from_http(headers, body)``, calls the user
function on a fixed pool of threads and answers with the status functions-framework's view
would give (200, 400 for something that is not a CloudEvent, 500 if the function raised, its
traceback printed). The HTTP route of those functions stays served as well.

Only the host may call: every HTTP request must carry the run's secret and every event-channel
connection must start with it (secret.py); anything else gets 403 or a closed connection.

Protocol with the host, on stdout: one ``WORKER_READY {"port": N, "events": M}`` line when
serving, or one ``WORKER_FAILED {"error": ...}`` line (then exit 3) if the code cannot be
loaded. Every other line is function output, prefixed with the function's name. The worker
exits when its stdin closes, so it never outlives the host, even one killed with SIGKILL.
"""

from __future__ import annotations

import io
import json
import os
import queue
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from ..suite.collector import CollectorPolicy
from . import channel, event_decode, function_env
from . import messages as msg
from .secret import MAX_SECRET_BYTES, SECRET_ENV, SECRET_ENVIRON, matches

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
# Invocations of CloudEvent functions at once (the host keeps at most DeliveryPolicy.concurrency
# per function in flight, the rest wait here): like a Cloud Functions instance's concurrency
# setting (2nd gen: 80 by default). The unread trigger's writes of invocations running at once
# share database writes of at most 60 paths, up to 6 at once (functions/messenger_functions/
# update_batch.py), so invocations at once are what lets it keep up: an invocation waits one
# database round trip for its write, and the round trip grows with the database's queue.
# Measured (bench.unread_pileup --window 4, 20,000 messages, 2 cores): with one unbounded
# write at a time, 16 threads left unread ids up to 9.0 s late and 64 up to 1.9-2.6 s; with
# the bounded concurrent writes, 64 threads up to 0.35-1.26 s, 128 up to 0.33-0.68 s.
EVENT_THREADS = int(os.environ.get("MESSENGER_WORKER_EVENT_THREADS", "128"))
# The worker runs below the database's CPU priority (a higher nice value): on a busy machine
# the database's requests, which clients wait for, go first, and queued trigger events catch
# up (they are at-least-once and queued). On Cloud Functions the two never share a CPU at all.
# Measured: docs/reliability.md. 0 keeps the host's priority.
WORKER_NICE = int(os.environ.get("MESSENGER_WORKER_NICE", "10"))
_current = threading.local()


class PrefixingStream(io.TextIOBase):
    """A text stream that writes whole lines, each prefixed with the running function's name."""

    def __init__(self, out: Any, lock: threading.Lock) -> None:
        self._out = out
        self._lock = lock
        self._partial = threading.local()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._out, "encoding", "utf-8")

    def reconfigure(self, **kwargs: Any) -> None:
        """As sys.stdout's (the firebase_functions SDK sets utf-8 at import): the real one."""
        reconfigure = getattr(self._out, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(**kwargs)

    def write(self, text: str) -> int:
        buffered = getattr(self._partial, "text", "") + text
        *lines, rest = buffered.split("\n")
        self._partial.text = rest
        if lines:
            prefix = msg.WORKER_LOG_PREFIX.format(name=getattr(_current, "name",
                                                                msg.WORKER_OWN_NAME))
            with self._lock:
                self._out.write("".join(f"{prefix}{line}\n" for line in lines))
                self._out.flush()
        return len(text)

    def flush(self) -> None:
        rest = getattr(self._partial, "text", "")
        if rest:
            self.write("\n")


def _cache_module_loading() -> None:
    """Load main.py once even though every function gets its own create_app.

    functions-framework executes the source file at each create_app; a module that calls
    ``firebase_admin.initialize_app()`` at import would then fail from the second function on.
    """
    from functions_framework import _function_registry as registry

    original = registry.load_function_module
    loaded: dict[str, Any] = {}

    class _AlreadyLoaded:
        def exec_module(self, module: Any) -> None:
            pass

    class _Spec:
        loader = _AlreadyLoaded()

    def load_once(source: str) -> tuple[Any, Any]:
        if source in loaded:
            return loaded[source], _Spec()
        module, spec = original(source)
        loaded[source] = module
        return module, spec

    registry.load_function_module = load_once


def _not_found(start_response: Callable, name: str) -> list[bytes]:
    body = json.dumps({"error": f"No function named {name!r} in this worker."}).encode()
    start_response("404 Not Found", [("Content-Type", "application/json"),
                                     ("Content-Length", str(len(body)))])
    return [body]


def _forbidden(start_response: Callable) -> list[bytes]:
    body = json.dumps({"error": msg.WORKER_NO_SECRET}).encode()
    start_response("403 Forbidden", [("Content-Type", "application/json"),
                                     ("Content-Length", str(len(body)))])
    return [body]


def make_dispatcher(apps: dict[str, WSGIApp], secret: bytes,
                    envs: dict[str, dict[str, str]] | None = None) -> WSGIApp:
    """`envs`: each function's own environment values (function_env.py)."""
    envs = envs or {}

    def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
        # Only the host, which holds the run's secret, may call (secret.py); the function
        # never sees the header.
        if not matches(environ.pop(SECRET_ENVIRON, None), secret):
            return _forbidden(start_response)
        name, _, rest = environ.get("PATH_INFO", "/").lstrip("/").partition("/")
        app = apps.get(name)
        if app is None:
            return _not_found(start_response, name)
        environ["PATH_INFO"] = "/" + rest
        # werkzeug serves each request on its own thread: the name labels its output, and
        # the function sees its own FUNCTION_TARGET, K_SERVICE... (function_env.py)
        _current.name = name
        function_env.enter(envs.get(name))
        return app(environ, start_response)
    return dispatch


def load_apps(source_dir: str, functions: list[dict[str, str]]
              ) -> tuple[dict[str, WSGIApp], dict[str, Callable[[Any], Any]]]:
    """functions-framework's app per function, and the user function of each CloudEvent one."""
    import functions_framework
    from functions_framework import _function_registry as registry

    _cache_module_loading()
    main = os.path.join(source_dir, "main.py")
    apps, handlers = {}, {}
    for f in functions:
        apps[f["name"]] = functions_framework.create_app(f["entryPoint"], main,
                                                         f["signatureType"])
        if f["signatureType"] == "cloudevent":
            module, _ = registry.load_function_module(main)  # the cached, loaded module
            handlers[f["name"]] = registry.get_user_function(main, module, f["entryPoint"])
    return apps, handlers


class EventPool:
    """Threads started on demand up to ``max_threads``, kept for later calls.

    What ThreadPoolExecutor does for the event channel, without its per-call Future, work item
    and semaphore: a call is a tuple on a SimpleQueue, and a thread that finishes one takes the
    next queued call without sleeping. ``spare`` = threads - calls not finished: a call that
    finds no spare thread starts one (until the maximum; then calls queue for a free thread).
    """

    def __init__(self, max_threads: int, name: str = "event") -> None:
        self._calls: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._max = max(1, max_threads)
        self._name = name
        self.threads = 0
        self._spare = 0

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        with self._lock:
            self._spare -= 1
            start = self._spare < 0 and self.threads < self._max
            if start:
                self.threads += 1
                self._spare += 1
        self._calls.put((fn, args))
        if start:
            threading.Thread(target=self._serve, name=f"{self._name}_{self.threads}",
                             daemon=True).start()

    def _serve(self) -> None:
        calls, lock = self._calls, self._lock
        while True:
            fn, args = calls.get()
            try:
                fn(*args)
            except BaseException:  # noqa: BLE001, S110 - _invoke answered and printed it
                pass
            with lock:
                self._spare += 1


class EventServer:
    """The event channel's worker side: frames in, user function on a pool, statuses out."""

    def __init__(self, host: str, handlers: dict[str, Callable[[Any], Any]],
                 threads: int, secret: bytes,
                 envs: dict[str, dict[str, str]] | None = None) -> None:
        self.handlers = handlers
        self.envs = envs or {}
        self.secret = secret
        self.listener = socket.create_server((host, 0))
        self.port = self.listener.getsockname()[1]
        self.pool = EventPool(threads)

    def serve_forever(self) -> None:
        while True:
            conn, _ = self.listener.accept()
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._read, args=(conn,), daemon=True).start()

    def _read(self, conn: socket.socket) -> None:
        lock = threading.Lock()
        replies: list[bytes] = []
        flushing = [False]
        last_send = [-1e9]

        def answer(call_id: int, status: int, error: str = "") -> None:
            # Each send wakes the host's event loop and costs both sides a system call, so
            # replies leave in batches, as calls do (channel.FLUSH_INTERVAL): the first thread
            # to answer sends what is queued, waiting first if the last send was less than the
            # interval ago (under load); the others only queue. A quiet channel answers at once.
            frame = channel.encode_reply(call_id, status, error)
            with lock:
                replies.append(frame)
                if flushing[0]:
                    return
                flushing[0] = True
            while True:
                wait = last_send[0] + channel.FLUSH_INTERVAL - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                with lock:
                    data = b"".join(replies)
                    replies.clear()
                try:
                    conn.sendall(data)
                except OSError:
                    pass  # the host went away: it retries what it did not hear back about
                last_send[0] = time.monotonic()
                with lock:
                    if not replies:
                        flushing[0] = False
                        return

        reader = conn.makefile("rb")
        try:
            # A connection proves it is the host's once, with the run's secret (secret.py).
            if not matches(channel.read_hello(reader, MAX_SECRET_BYTES), self.secret):
                return
            for call_id, name, headers, body in channel.read_calls(reader):
                self.pool.submit(self._invoke, answer, call_id, name, headers, body)
        except (OSError, ValueError):
            pass
        finally:
            reader.close()
            conn.close()

    def _invoke(self, answer: Callable[..., None], call_id: int, name: str,
                headers: dict[str, str], body: bytes) -> None:
        from cloudevents import exceptions as cloud_exceptions

        function = self.handlers.get(name)
        if function is None:
            answer(call_id, 404, f"No CloudEvent function named {name!r} in this worker.")
            return
        _current.name = name
        function_env.enter(self.envs.get(name))
        try:
            event = event_decode.cloud_event(headers, body)  # as from_http, for less
        except (cloud_exceptions.MissingRequiredFields,
                cloud_exceptions.InvalidRequiredFields) as e:
            answer(call_id, 400, f"not a CloudEvent: {e}")
            return
        try:
            function(event)
        except BaseException as e:  # noqa: BLE001 - whatever the function does, answer
            traceback.print_exc()
            answer(call_id, 500, f"{type(e).__name__}: {e}")
            if not isinstance(e, Exception):
                raise
            return
        answer(call_id, 200)


def _exit_when_parent_goes(stdin: Any) -> None:
    try:
        while stdin.read(1 << 16):
            pass
    finally:
        os._exit(0)


def main(argv: list[str]) -> int:
    source_dir, functions = argv[0], json.loads(argv[1])
    # Taken out of the environment before any function code loads: functions (and the
    # programs they start) never see it.
    secret = os.environ.pop(SECRET_ENV, "").encode()
    # Ctrl-C reaches the whole process group; the host decides when the worker ends (stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if WORKER_NICE > 0:
        os.nice(WORKER_NICE)
    host = os.environ.get("MESSENGER_WORKER_HOST", "127.0.0.1")
    protocol = sys.stdout
    lock = threading.Lock()
    sys.stdout = PrefixingStream(protocol, lock)
    sys.stderr = PrefixingStream(protocol, lock)
    threading.Thread(target=_exit_when_parent_goes, args=(sys.stdin.buffer,),
                     daemon=True).start()

    def say(line: str) -> None:
        with lock:
            protocol.write(line + "\n")
            protocol.flush()

    try:
        apps, handlers = load_apps(source_dir, functions)
    except BaseException as e:  # any failure of user code at import: report, do not hang
        traceback.print_exc()
        sys.stderr.flush()
        say(msg.WORKER_FAILED + json.dumps({"error": f"{type(e).__name__}: {e}"}))
        # os._exit: a normal interpreter shutdown would trip over the stdin-watching thread.
        os._exit(3)

    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        # Keep-alive: the host reuses its connections instead of one TCP connect per call.
        protocol_version = "HTTP/1.1"

        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass  # the host logs what matters; a line per request would drown function logs

    # Each function's own FUNCTION_TARGET, K_SERVICE, K_REVISION (function_env.py); PORT is
    # where the worker serves them all.
    envs = {f["name"]: function_env.function_values(f["name"], f["entryPoint"],
                                                    f["signatureType"]) for f in functions}
    function_env.install()
    server = make_server(host, 0, make_dispatcher(apps, secret, envs), threaded=True,
                         request_handler=QuietHandler)
    os.environ["PORT"] = str(server.server_port)
    events = EventServer(host, handlers, EVENT_THREADS, secret, envs)
    threading.Thread(target=events.serve_forever, daemon=True).start()
    # the user's code is loaded: no long collector pauses from here on (suite/collector.py)
    CollectorPolicy().install_threaded()
    say(msg.WORKER_READY + json.dumps({"port": server.server_port, "events": events.port}))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
