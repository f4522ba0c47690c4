"""The database's request handlers: REST verbs on /PATH.json, streaming,
/.settings/rules.json, and the mapping of every refusal or failure to a JSON answer.

They run on the lean HTTP server of `server.py`: a handler returns a `Response`, a
`StreamStart` or (a write, which waits for durability) a coroutine that returns a `Response`.

Access is decided first, as Firebase does: a caller the rules refuse gets
`401 {"error": "Permission denied"}` whatever its other parameters and headers say. Before
that decision come only what the decision needs (the method, path, namespace, credential,
the query's syntax for query-based rules, and a write's body for `newData`), none of which
depends on stored data. Everything else waits until access is granted: the other parameters'
errors (print, format, shallow, timeout, writeSizeLimit, callback, download, unknown ones,
if-match on a method without it), index errors, if-match/ETag, writeSizeLimit against the
data, streaming, rules traces (the operator's only).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from messenger_emulators.rules import Decision, RulesError, RuleSet

from . import messages as msg
from . import tree
from .engine import DatabaseEngine, Namespace
from .errors import DatabaseError, bad_request
from .identity import Identity, TokenPolicy, resolve
from .params import DEFAULT_OPTIONS, Options, namespace_of, parse_options
from .paths import Path, parse_relative, parse_url_path
from .query import Query, index_error, parse_query, required_index, run
from .server import JSON, HttpServerState, Request, Response, StreamStart
from .streaming import StreamHub

log = logging.getLogger("messenger_emulators.database.http")

MAX_BODY = 256 * 1024 * 1024 + 1024
_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")
# CORS stays open (`*`), as Firebase's REST API: a web page may use the database with a
# signed ID token, and never as the admin or with an unsigned token (identity.resolve). No
# X-Rules-Trace: traces are the operator's, who is never a web page.
_OPTIONS_HEADERS = {
    "Access-Control-Allow-Methods": ", ".join(_METHODS),
    "Access-Control-Allow-Headers": "Authorization, Content-Type, X-Firebase-ETag, "
    "if-match, X-HTTP-Method-Override"}
_STREAM_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
_JSONP = "application/javascript; charset=utf-8"
_compact = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _dumps(value: Any, pretty: bool = False) -> str:
    if pretty:
        return json.dumps(value, indent=2, ensure_ascii=False)
    return _compact(value)


def json_response(value: Any, status: int = 200, pretty: bool = False,
                  headers: dict[str, str] | None = None) -> Response:
    return Response(_dumps(value, pretty).encode("utf-8"), status, JSON,
                    headers or None)


def error_response(status: int, message: str, headers: dict[str, str] | None = None
                   ) -> Response:
    return json_response({"error": message}, status=status, pretty=True, headers=headers)


def error_to_response(request: Request, exc: BaseException) -> Response:
    """Every refusal becomes `{"error": ...}`; an unexpected exception is logged and answered
    as a JSON error instead of a traceback or a dropped connection."""
    if isinstance(exc, DatabaseError):
        headers = dict(exc.headers)
        if exc.has_body:
            return json_response(tree.export(exc.body), status=exc.status, headers=headers)
        return error_response(exc.status, exc.message, headers)
    log.error("unexpected error on %s %s", request.method, request.path_qs, exc_info=exc)
    return error_response(500, msg.INTERNAL.format(kind=type(exc).__name__))


def _add_trace(request: Request, response: Response) -> Response:
    trace = request.rules_trace
    if trace is not None:
        response.headers = {**(response.headers or {}), "X-Rules-Trace": trace_header(trace)}
    return response


def trace_header(trace: list[dict]) -> str:
    """The trace as a header value, shortened to fit what HTTP clients accept in a header
    (the full trace is in the log with --rules-trace)."""
    text = json.dumps(trace, ensure_ascii=True)
    while len(text) > msg.MAX_TRACE_HEADER and any(len(d["trace"]) > 1 for d in trace):
        trace = [{**d, "trace": d["trace"][: max(1, len(d["trace"]) // 2)] + ["..."]
                  if len(d["trace"]) > 1 else d["trace"]} for d in trace]
        text = json.dumps(trace, ensure_ascii=True)
    if len(text) > msg.MAX_TRACE_HEADER:
        text = json.dumps([{k: d[k] for k in ("operation", "allowed")} for d in trace])
    return text


class DatabaseApp:
    """Request handlers bound to one engine and stream hub."""

    def __init__(self, engine: DatabaseEngine, hub: StreamHub,
                 tokens: TokenPolicy) -> None:
        self.engine = engine
        self.hub = hub
        self.tokens = tokens

    # --- helpers ---
    def _identity(self, request: Request) -> Identity:
        return resolve(request.query, request.headers, self.engine.project_id,
                       self.tokens, local_peer=request.local_peer)

    @staticmethod
    def _trace_sink(request: Request, identity: Identity) -> Any:
        """Traces show what the rules looked at (other people's data.exists()...): only the
        operator (the admin credential, also with auth_variable_override) gets them."""
        if not identity.operator or \
                request.headers.get("X-Rules-Trace", "").lower() != "true":
            return None
        trace: list[dict] = []
        request.rules_trace = trace
        request.after = _add_trace

        def sink(what: str, decision: Decision) -> None:
            trace.append({"operation": what, "allowed": decision.allowed,
                          "trace": decision.trace})
        return sink

    @staticmethod
    def _body(request: Request, options: Options) -> tuple[Any, str]:
        raw = request.body
        if options.write_size_limit is not None and len(raw) > options.write_size_limit:
            raise bad_request(msg.WRITE_TOO_BIG)
        if not raw.strip():
            raise bad_request(msg.NO_DATA)
        try:
            text = raw.decode("utf-8")
            value = _decode_json(text)
        except (ValueError, RecursionError):
            raise bad_request(msg.INVALID_JSON) from None
        return value, text

    def _normalise(self, value: Any, text: str, depth: int) -> tuple[Any, bool]:
        normalizer = tree.Normalizer(text)
        try:
            stored = normalizer.value(value, depth)
        except RecursionError:
            raise bad_request(msg.DATA_TOO_DEEP.format(path="the written location",
                                                       limit=msg.MAX_DEPTH)) from None
        return stored, normalizer.has_server_values

    # --- entry point ---
    def handle(self, request: Request) -> Any:
        """A `Response`, a `StreamStart`, or a coroutine (a write) that returns a Response."""
        method = request.method
        if method == "HEAD":
            method = "GET"  # the server sends the headers only
        if method == "OPTIONS":
            return Response(b"", 200, None, _OPTIONS_HEADERS)
        if method == "POST":
            override = request.headers.get("X-HTTP-Method-Override")
            if override is not None:
                method = override.strip().upper()
                if method not in _METHODS:
                    raise bad_request(msg.BAD_METHOD_OVERRIDE)
        if method not in _METHODS:
            raise DatabaseError(405, msg.BAD_METHOD.format(method=method))
        raw_path = request.raw_path.split("?", 1)[0]
        if raw_path.rstrip("/") in ("/.settings/rules.json", "/.settings/rules"):
            return self.rules(request, method)
        if not raw_path.endswith(".json"):
            raise DatabaseError(404, msg.NOT_JSON_PATH.format(path=raw_path))
        path = parse_url_path(raw_path[: -len(".json")])
        params = request.query
        invalid: DatabaseError | None = None
        try:
            options = parse_options(params, method)
        except DatabaseError as exc:      # answered once access is granted
            options, invalid = DEFAULT_OPTIONS, exc
        ns = self.engine.namespace(namespace_of(params, request.host,
                                                self.engine.project_id))
        identity = self._identity(request)
        trace = self._trace_sink(request, identity)
        if method == "GET":
            return self.get(request, ns, path, options, identity, trace, invalid)
        if invalid is None and params and ("orderBy" in params or any(p in params for p in (
                "startAt", "startAfter", "endAt", "endBefore", "equalTo"))):
            invalid = bad_request(msg.GET_ONLY.format(name="orderBy"))
        return self.write(request, method, ns, path, options, identity, trace, invalid)

    # --- reads ---
    @staticmethod
    def _query(request: Request, shallow: bool = False) -> Query | None:
        params = request.query
        if not params:
            return None
        return parse_query(params, params.getall, shallow)

    def get(self, request: Request, ns: Namespace, path: Path, options: Options,
            identity: Identity, trace: Any,
            invalid: DatabaseError | None = None) -> Response | StreamStart:
        headers_in = request.headers
        query = self._query(request, options.shallow)     # query-based rules read it
        root = ns.durable_root
        self.engine.check_read(ns, path, identity, root, query.info() if query else None, trace)
        if invalid is not None:
            raise invalid
        if "if-match" in headers_in:
            raise bad_request(msg.IF_MATCH_ON_GET)
        if query is not None:
            needed = required_index(query)
            if needed is not None and needed not in ns.rules.index_on(path):
                raise bad_request(index_error(query, path))
        if "text/event-stream" in headers_in.get("Accept", "") and request.method != "HEAD":
            return self.stream(ns, path, query, identity)
        started = time.monotonic()
        stored = tree.get(root, path)
        if query is not None:
            result = run(query, stored)
            value = (tree.shallow(result) if options.shallow else
                     tree.plain(result) if options.export else
                     {k: tree.export(v) for k, v in result.items()}
                     if isinstance(result, dict) else tree.export(result))
        elif options.shallow:
            value = tree.shallow(stored)
        else:
            value = tree.plain(stored) if options.export else tree.export(stored)
        if (time.monotonic() - started) * 1000 > options.timeout_ms:
            raise bad_request(msg.READ_TIMEOUT)
        headers: dict[str, str] = {}
        if_none_match = headers_in.get("if-none-match")
        if headers_in.get("X-Firebase-ETag", "").lower() == "true" or if_none_match:
            headers["ETag"] = self.engine.etags.of(ns.name, path, stored)
            if if_none_match is not None and if_none_match == headers["ETag"]:
                return Response(b"", 304, None, headers)
        if options.silent:
            return Response(b"", 204, None, headers or None)
        if options.download:
            headers["Content-Disposition"] = f'attachment; filename="{options.download}"'
        if options.callback:
            return Response(f"{options.callback}({_dumps(value)});".encode(), 200, _JSONP,
                            headers or None)
        return json_response(value, pretty=options.pretty, headers=headers)

    def stream(self, ns: Namespace, path: Path, query: Query | None,
               identity: Identity) -> StreamStart:
        """The server writes the headers and the initial `put`, then hands the socket to
        the stream: later events are written to it by the hub, already chunk-framed (by
        server.chunk)."""
        stream = self.hub.open(ns, path, query, identity)
        return StreamStart(_STREAM_HEADERS, stream.initial, stream.go_live,
                           lambda: self.hub.close(stream))

    # --- writes ---
    async def write(self, request: Request, method: str, ns: Namespace, path: Path,
                    options: Options, identity: Identity, trace: Any,
                    invalid: DatabaseError | None = None) -> Response:
        headers_in = request.headers
        if_match = headers_in.get("if-match")
        if if_match is not None and method not in ("PUT", "DELETE"):
            if invalid is None:
                invalid = bad_request(msg.IF_MATCH_ON_METHOD)
            if_match = None
        # a conditional write always answers with the new ETag (firebase-admin relies on it)
        want_etag = method != "PATCH" and (
            if_match is not None or headers_in.get("X-Firebase-ETag", "").lower() == "true")
        has_sv = False
        if method == "DELETE":
            writes: list[tuple[Path, Any]] = [(path, None)]
        else:
            body, text = self._body(request, options)
            if method == "PATCH" and body is None:
                writes = [(path, None)]  # PATCH null deletes (firebase-tools' database:remove)
            elif method == "PATCH":
                writes, has_sv = self._patch_writes(path, body, text)
            else:
                stored, has_sv = self._normalise(body, text, len(path))
                target = path
                if method == "POST":
                    target = path + (self.engine.push_ids.next_id(),)
                writes = [(target, stored)]
        commit = await self.engine.write(ns, writes, identity, has_server_values=has_sv,
                                         if_match=if_match, size_limit=options.write_size_limit,
                                         trace=trace, invalid=invalid,
                                         update_base=path if method == "PATCH" else None,
                                         disable_triggers=options.disable_triggers)
        resolved = commit.writes if commit is not None else [
            (p, tree.get(ns.root, p)) for p, _ in writes]
        headers: dict[str, str] = {}
        if want_etag and resolved:
            headers["ETag"] = self.engine.etags.of(ns.name, resolved[0][0],
                                                   tree.get(ns.root, resolved[0][0]))
        if options.silent:
            return Response(b"", 204, None, headers or None)
        if method == "POST":
            answer: Any = {"name": resolved[0][0][-1]}
        elif method == "PATCH":
            answer = None if writes == [(path, None)] else \
                {"/".join(p[len(path):]): tree.export(v) for p, v in resolved}
        elif method == "DELETE":
            answer = None
        else:
            answer = tree.export(resolved[0][1])
        return json_response(answer, pretty=options.pretty, headers=headers)

    def _patch_writes(self, path: Path, body: Any, text: str
                      ) -> tuple[list[tuple[Path, Any]], bool]:
        if not isinstance(body, dict):
            raise bad_request(msg.PATCH_NEEDS_OBJECT)
        writes: list[tuple[Path, Any]] = []
        has_sv = False
        for key, value in body.items():
            rel = parse_relative(key)
            if not rel:
                raise bad_request(msg.INVALID_PATH)
            if len(path) + len(rel) > msg.MAX_DEPTH:
                raise bad_request(msg.PATH_TOO_DEEP.format(limit=msg.MAX_DEPTH))
            stored, sv = self._normalise(value, text, len(path) + len(rel))
            has_sv = has_sv or sv
            writes.append((path + rel, stored))
        ordered = sorted(writes, key=lambda w: w[0])
        for (a, _), (b, _) in zip(ordered, ordered[1:], strict=False):
            if b[: len(a)] == a:
                raise bad_request(msg.PATCH_OVERLAP.format(a="/".join(a[len(path):]),
                                                           b="/".join(b[len(path):])))
        return writes, has_sv

    # --- rules ---
    def rules(self, request: Request, method: str) -> Response:
        ns = self.engine.namespace(namespace_of(request.query, request.host,
                                                self.engine.project_id))
        if not self._identity(request).admin:
            raise DatabaseError(401, msg.RULES_NEED_ADMIN)
        if method == "GET":
            return Response(ns.rules.source.encode(), 200, JSON)
        if method != "PUT":
            raise DatabaseError(405, msg.BAD_METHOD.format(method=method))
        try:
            rules = RuleSet.from_text(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise bad_request(msg.INVALID_JSON) from None
        except RulesError as exc:
            raise bad_request(str(exc)) from None
        self.engine.set_rules(ns.name, rules)
        return json_response({"status": "ok"})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# one decoder for every request (json.loads with an argument builds a new one per call)
_decode_json = json.JSONDecoder(parse_constant=_reject_constant).decode


def build_server(engine: DatabaseEngine, hub: StreamHub,
                 tokens: TokenPolicy) -> HttpServerState:
    """The HTTP server's shared state, serving these handlers. Every path reaches the
    handler, including ones with an (encoded) line break, which get Firebase's JSON 400."""
    handlers = DatabaseApp(engine, hub, tokens)
    return HttpServerState(
        handlers.handle, error_to_response,
        too_big=lambda: error_response(400, msg.WRITE_TOO_BIG),
        bad_request=lambda reason: error_response(400, f"Bad request: {reason}"),
        max_body=MAX_BODY)
