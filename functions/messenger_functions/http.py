"""The HTTP layer of the `api` function: routing, bodies, identity, and errors as JSON.

functions-framework hands us a Flask request; everything below turns it into a validated call
of one handler and turns whatever happens into a JSON answer: {"detail": "..."} with the right
status for every failure, never a traceback.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.formparser import FormDataParser
from werkzeug.routing import Map, Rule

from . import backend, settings
from .errors import (
    AUTH_EXPIRED,
    AUTH_INVALID,
    AUTH_MISSING,
    BODY_NOT_JSON,
    BODY_NOT_OBJECT,
    BODY_NOT_UTF8,
    BODY_TOO_LARGE,
    BUSY,
    INTERNAL,
    INVALID_PARAMETER,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    NOT_WHOLE_NUMBER,
    PARAMETER_REPEATED,
    PARAMETER_TWICE,
    PARAMETERS_IN_URL,
    UNAVAILABLE,
    UNSUPPORTED_BODY,
    ApiError,
)

log = logging.getLogger(__name__)

# The functions emulator's URL layout (/PROJECT/REGION/api/...) when a host forwards it whole;
# in production the platform strips it and the path starts at the route.
# The function's own name may also lead the path (a proxy that forwards /api/... unchanged).
_EMULATOR_PREFIX = re.compile(r"^(/[A-Za-z0-9-]+/[a-z0-9-]+)?/api(?=/|$)")


@dataclass
class Call:
    """One validated request, as a handler sees it."""

    uid: str | None
    body: Any = None
    query: Any = None
    path_args: dict[str, str] = field(default_factory=dict)
    address: str = "unknown"


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # werkzeug rule syntax: /delete_message/<chat_id>/<message_id>
    handler: Callable[[Call], Any]
    summary: str
    response: Any  # a model class, or list[Model]
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    success: int = 200
    auth: bool = True
    errors: tuple[int, ...] = ()
    # Parameters may come in the query string as well as in the body (the original client
    # sends `POST /mark_read?sender=…&receiver=…`); not for credentials, which a URL would
    # carry into every proxy's and platform's request log.
    url_parameters: bool = True
    # The OpenAPI document lists a body route's fields as query parameters too (the routes the
    # original client calls that way; a message's text in a URL is allowed, not advertised).
    documented_in_query: bool = False


def _json_response(payload: Any, status: int, headers: dict[str, str] | None = None) -> Any:
    import flask

    response = flask.Response(
        json.dumps(payload, ensure_ascii=False), status=status, mimetype="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def error_response(error: ApiError) -> Any:
    return _json_response({"detail": error.detail}, error.status, error.headers)


def _describe(error: ValidationError) -> str:
    """Our own sentences as they are (the client translates them); Pydantic's with their place."""
    items = error.errors(include_url=False)
    ours = [str(item.get("msg", "")).removeprefix("Value error, ") for item in items
            if item.get("type") == "value_error"]
    if ours and len(ours) == len(items):
        return " ".join(dict.fromkeys(ours))
    problems = []
    for item in items:
        where = ".".join(str(part) for part in item.get("loc", ())) or "body"
        message = str(item.get("msg", "invalid"))
        message = message.removeprefix("Value error, ")
        problems.append(f"{where}: {message}")
    return INVALID_PARAMETER.format(problems="; ".join(problems))


def _validate(model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(400, _describe(error)) from None


def _read_body(request: Any) -> dict[str, Any]:
    limit = settings.MAX_BODY_BYTES
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, BODY_TOO_LARGE.format(limit=limit))
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise ApiError(413, BODY_TOO_LARGE.format(limit=limit))
    mimetype = (request.mimetype or "").lower()
    if not raw.strip():
        return {}
    if mimetype == "application/json" or mimetype.endswith("+json") or not mimetype:
        try:
            text = raw.decode("utf-8-sig")  # RFC 8259: JSON between systems is UTF-8
        except UnicodeDecodeError:
            raise ApiError(400, BODY_NOT_UTF8) from None
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise ApiError(400, BODY_NOT_JSON) from None
        if not isinstance(data, dict):
            raise ApiError(400, BODY_NOT_OBJECT)
        return data
    if mimetype == "application/x-www-form-urlencoded":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ApiError(400, BODY_NOT_UTF8) from None
        return dict(parse_qsl(text, keep_blank_values=True))
    if mimetype == "multipart/form-data":
        parser = FormDataParser(max_content_length=limit)
        try:
            _, form, _ = parser.parse(
                io.BytesIO(raw), mimetype, len(raw), dict(request.mimetype_params)
            )
        except Exception:  # werkzeug raises several kinds for a broken multipart body
            raise ApiError(400, UNSUPPORTED_BODY) from None
        return {key: form.get(key) for key in form}
    raise ApiError(400, UNSUPPORTED_BODY)


def _parameters(request: Any, model: type[BaseModel], from_url: bool) -> dict[str, Any]:
    """The request's parameters from its query string and its body (JSON or a form) alike;
    a name given in both must have the same value in both."""
    query = request.args.to_dict(flat=True)
    fields = set(model.model_fields)
    if from_url:
        _check_query(request, model, fields & set(query))
    if not from_url:
        in_url = sorted(fields & set(query))
        if in_url:
            raise ApiError(400, PARAMETERS_IN_URL.format(names=", ".join(in_url)))
        query = {}
    body = _read_body(request) if request.method != "GET" or _has_body(request) else {}
    clashes = sorted(name for name in fields & set(query) & set(body)
                     if _as_text(body[name]) != query[name])
    if clashes:
        raise ApiError(400, PARAMETER_TWICE.format(names=", ".join(clashes)))
    return {**query, **body}


# An integer as OpenAPI serializes one in a URL. (pydantic's lax parsing would also take
# " 5", "+5" or "5_0": values the document forbids, so the schema fuzz saw them accepted.)
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _check_query(request: Any, model: type[BaseModel], names: set[str]) -> None:
    """A field given twice in the URL is refused (the first value would win silently), and
    an integer field must be spelled as one."""
    repeated = sorted(name for name in names if len(request.args.getlist(name)) > 1)
    if repeated:
        raise ApiError(400, PARAMETER_REPEATED.format(names=", ".join(repeated)))
    for name in sorted(names):
        annotation = model.model_fields[name].annotation
        kinds = set(typing.get_args(annotation)) or {annotation}
        if int in kinds and str not in kinds and not _WHOLE_NUMBER.fullmatch(request.args[name]):
            raise ApiError(400, NOT_WHOLE_NUMBER.format(name=name))


def _as_text(value: Any) -> str:
    """A body value as a query string would spell it (true, 5, text)."""
    return value if isinstance(value, str) else json.dumps(value)


def _has_body(request: Any) -> bool:
    return bool(request.content_length) or "chunked" in request.headers.get(
        "Transfer-Encoding", "").lower()


def _identity(request: Any) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, AUTH_MISSING, {"WWW-Authenticate": "Bearer"})
    if settings.ID_TOKEN_JWKS_URL:
        claims = _verify_with_key_set(token)
    else:
        from firebase_admin import auth

        try:
            claims = auth.verify_id_token(token, app=backend.app())
        except auth.ExpiredIdTokenError:
            raise ApiError(401, AUTH_EXPIRED, {"WWW-Authenticate": "Bearer"}) from None
        except (auth.InvalidIdTokenError, ValueError):
            raise ApiError(401, AUTH_INVALID, {"WWW-Authenticate": "Bearer"}) from None
    # Against the Auth emulator firebase-admin skips every time check; make expiry hold anyway.
    expires = claims.get("exp")
    if not isinstance(expires, int | float) or expires < time.time() - 5:
        raise ApiError(401, AUTH_EXPIRED, {"WWW-Authenticate": "Bearer"})
    uid = claims.get("uid")
    if not isinstance(uid, str) or not uid:
        raise ApiError(401, AUTH_INVALID, {"WWW-Authenticate": "Bearer"})
    return uid


def _verify_with_key_set(token: str) -> dict[str, Any]:
    """The configured key set (id_tokens.py) instead of Google's certificates."""
    from . import id_tokens

    try:
        return id_tokens.verify(token, backend.app().project_id, settings.ID_TOKEN_JWKS_URL)
    except id_tokens.ExpiredToken:
        raise ApiError(401, AUTH_EXPIRED, {"WWW-Authenticate": "Bearer"}) from None
    except id_tokens.InvalidToken:
        raise ApiError(401, AUTH_INVALID, {"WWW-Authenticate": "Bearer"}) from None
    except id_tokens.KeysUnavailable as error:
        log.error("the ID-token keys at %s could not be fetched: %s",
                  settings.ID_TOKEN_JWKS_URL, error)
        raise ApiError(503, UNAVAILABLE, {"Retry-After": "5"}) from None


def _serialize(result: Any) -> Any:
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list):
        return [_serialize(item) for item in result]
    return result


class Api:
    """Dispatches requests over a route table; the same table generates the OpenAPI document."""

    def __init__(self, routes: Sequence[Route], extra: dict[str, Callable[[Any], Any]]) -> None:
        self.routes = list(routes)
        self._by_endpoint = {f"r{i}": route for i, route in enumerate(self.routes)}
        self._extra = extra  # endpoint name -> raw handler (e.g. the OpenAPI document)
        rules = [
            Rule(route.path, endpoint=name, methods=[route.method])
            for name, route in self._by_endpoint.items()
        ]
        rules += [Rule(path, endpoint=path, methods=["GET"]) for path in extra]
        self._map = Map(rules, strict_slashes=False, merge_slashes=False)

    def __call__(self, request: Any) -> Any:
        try:
            return self._dispatch(request)
        except ApiError as error:
            return error_response(error)
        except Exception as error:  # the last resort: log it, never show a traceback
            return self._server_error(error)

    def _dispatch(self, request: Any) -> Any:
        path = _EMULATOR_PREFIX.sub("", request.path, count=1) or "/"
        adapter = self._map.bind("localhost", path_info=path)
        try:
            endpoint, args = adapter.match(method=request.method)
        except NotFound:
            raise ApiError(404, NOT_FOUND) from None
        except MethodNotAllowed as error:
            allowed = ", ".join(sorted(error.valid_methods or []))
            raise ApiError(
                405,
                METHOD_NOT_ALLOWED.format(method=request.method, allowed=allowed),
                {"Allow": allowed},
            ) from None
        if endpoint in self._extra:
            return self._extra[endpoint](request)
        route = self._by_endpoint[endpoint]
        from .accounts import client_address

        call = Call(
            uid=_identity(request) if route.auth else None,
            path_args={key: str(value) for key, value in args.items()},
            address=client_address(request.remote_addr, request.headers.get("X-Forwarded-For")),
        )
        model = route.body or route.query
        if model is not None:
            parameters = _parameters(request, model, route.url_parameters)
            if route.body is not None:
                call.body = _validate(route.body, parameters)
            else:
                call.query = _validate(model, parameters)
        return _json_response(_serialize(route.handler(call)), route.success)

    def _server_error(self, error: Exception) -> Any:
        from firebase_admin import db, exceptions

        if isinstance(error, db.TransactionAbortedError):
            log.warning("transaction gave up after retries: %s", error)
            return error_response(ApiError(503, BUSY, {"Retry-After": "1"}))
        if isinstance(error, exceptions.FirebaseError) or _is_connection_error(error):
            log.error("database call failed: %s", error)
            return error_response(ApiError(503, UNAVAILABLE, {"Retry-After": "5"}))
        log.exception("unhandled error in the api function")
        return error_response(ApiError(500, INTERNAL))


def _is_connection_error(error: Exception) -> bool:
    import requests

    return isinstance(error, requests.ConnectionError | requests.Timeout)
