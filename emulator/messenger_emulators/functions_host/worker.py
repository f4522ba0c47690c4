"""The functions worker: a subprocess that runs the function code under functions-framework.

    python -m messenger_emulators.functions_host.worker SOURCE_DIR FUNCTIONS_JSON

``FUNCTIONS_JSON`` is a JSON list of ``{"name", "entryPoint", "signatureType"}``. Each function
gets functions-framework's own ``create_app(target, source, signature_type)``; one WSGI
dispatcher routes ``/NAME/<suffix>`` to it with ``PATH_INFO = "/<suffix>"`` (what Cloud
Functions shows the function), served by werkzeug's threaded server on a free loopback port.

Protocol with the host, on stdout: one ``WORKER_READY {"port": N}`` line when serving, or one
``WORKER_FAILED {"error": ...}`` line (then exit 3) if the code cannot be loaded. Every other
line is function output, prefixed with the function's name. The worker exits when its stdin
closes, so it never outlives the host, even one killed with SIGKILL.
"""

from __future__ import annotations

import io
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from . import messages as msg

WSGIApp = Callable[[dict, Callable], Iterable[bytes]]
_current = threading.local()


class PrefixingStream(io.TextIOBase):
    """A text stream that writes whole lines, each prefixed with the running function's name."""

    def __init__(self, out: Any, lock: threading.Lock) -> None:
        self._out = out
        self._lock = lock
        self._partial = threading.local()

    def writable(self) -> bool:
        return True

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


def make_dispatcher(apps: dict[str, WSGIApp]) -> WSGIApp:
    def dispatch(environ: dict, start_response: Callable) -> Iterable[bytes]:
        name, _, rest = environ.get("PATH_INFO", "/").lstrip("/").partition("/")
        app = apps.get(name)
        if app is None:
            return _not_found(start_response, name)
        environ["PATH_INFO"] = "/" + rest
        # werkzeug serves each request on its own thread: the name labels its output.
        _current.name = name
        return app(environ, start_response)
    return dispatch


def load_apps(source_dir: str, functions: list[dict[str, str]]) -> dict[str, WSGIApp]:
    import functions_framework

    _cache_module_loading()
    main = os.path.join(source_dir, "main.py")
    apps = {}
    for f in functions:
        apps[f["name"]] = functions_framework.create_app(f["entryPoint"], main,
                                                         f["signatureType"])
    return apps


def _exit_when_parent_goes(stdin: Any) -> None:
    try:
        while stdin.read(1 << 16):
            pass
    finally:
        os._exit(0)


def main(argv: list[str]) -> int:
    source_dir, functions = argv[0], json.loads(argv[1])
    # Ctrl-C reaches the whole process group; the host decides when the worker ends (stdin).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    host = os.environ.get("MESSENGER_WORKER_HOST", "127.0.0.1")
    protocol = sys.stdout
    lock = threading.Lock()
    sys.stdout = PrefixingStream(protocol, lock)  # type: ignore[assignment]
    sys.stderr = PrefixingStream(protocol, lock)  # type: ignore[assignment]
    threading.Thread(target=_exit_when_parent_goes, args=(sys.stdin.buffer,),
                     daemon=True).start()

    def say(line: str) -> None:
        with lock:
            protocol.write(line + "\n")
            protocol.flush()

    try:
        apps = load_apps(source_dir, functions)
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

    server = make_server(host, 0, make_dispatcher(apps), threaded=True,
                         request_handler=QuietHandler)
    say(msg.WORKER_READY + json.dumps({"port": server.server_port}))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
