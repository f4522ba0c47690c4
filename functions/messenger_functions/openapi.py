"""The OpenAPI 3 document of the `api` function, generated from the route table's models.

Accuracy matters more than prose: schemathesis fuzzes the API from this document, so every
status a route can answer is listed, and the schemas are the Pydantic models themselves.
"""

from __future__ import annotations

import re
import typing
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from .models import ErrorBody

REF = "#/components/schemas/{model}"
PARTS = "Parts"  # a body schema whose fields may come in the query string instead
_STATUS_TEXT = {
    200: "Success",
    400: "Invalid parameters or body",
    401: "Missing, invalid or expired ID token; or wrong email or password",
    403: "Acting as someone else, on someone else's data, in a chat you are not a member of, "
         "or as a plain member where an admin is needed",
    404: "No such user, message, chat (or group member) or route",
    405: "Method not allowed",
    409: "The email is already registered",
    413: "Body too large",
    429: "Too many attempts; see Retry-After",
    503: "A service behind the API (database, storage) is unavailable; try again",
}


def _models(routes: list[Any]) -> list[type[BaseModel]]:
    found: list[type[BaseModel]] = [ErrorBody]
    for route in routes:
        for candidate in (route.body, route.query, route.response):
            for arg in (candidate, *typing.get_args(candidate)):
                if isinstance(arg, type) and issubclass(arg, BaseModel) and arg not in found:
                    found.append(arg)
    return found


def _schema_of(response: Any) -> dict[str, Any]:
    if typing.get_origin(response) is list:
        (item,) = typing.get_args(response)
        return {"type": "array", "items": _schema_of(item)}
    if isinstance(response, type) and issubclass(response, BaseModel):
        return {"$ref": REF.format(model=response.__name__)}
    if response is str:
        return {"type": "string"}
    raise TypeError(f"no schema for {response!r}")


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent rather than null."""
    options = schema.get("anyOf")
    if options:
        kept = [option for option in options if option.get("type") != "null"]
        if len(kept) == 1:
            merged = {key: value for key, value in schema.items() if key != "anyOf"}
            merged.update(kept[0])
            if merged.get("default", 0) is None:
                merged.pop("default")
            return merged
    return schema


def _parameters(route: Any) -> list[dict[str, Any]]:
    parameters = [
        # No control characters: functions-framework's own router (before the function)
        # answers a path holding a newline with an HTML 404.
        {"name": name, "in": "path", "required": True,
         "schema": {"type": "string", "minLength": 1, "pattern": "^[^\\x00-\\x1f\\x7f]+$"}}
        for name in re.findall(r"<([a-z_]+)>", route.path)
    ]
    # A query route's parameters are required in the query (a body may carry them instead,
    # which OpenAPI cannot say); a body route's may come in the query instead of the body.
    model = route.query or (route.body if route.documented_in_query else None)
    if model is not None:
        schema = model.model_json_schema()
        required = set(schema.get("required", [])) if route.query is not None else set()
        for name, prop in schema["properties"].items():
            prop = _without_null(dict(prop))
            prop.pop("title", None)
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return parameters


def _error(status: int) -> dict[str, Any]:
    return {
        "description": _STATUS_TEXT.get(status, "Error"),
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}},
    }


def _operation(route: Any) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(route.success): {
            "description": _STATUS_TEXT.get(route.success, "Success"),
            "content": {"application/json": {"schema": _schema_of(route.response)}},
        }
    }
    statuses = set(route.errors) | ({401} if route.auth else set())
    for status in sorted(statuses):
        responses[str(status)] = _error(status)
    operation: dict[str, Any] = {
        "operationId": route.handler.__name__,
        "summary": route.summary,
        "responses": responses,
        "security": [{"bearerAuth": []}] if route.auth else [],
    }
    parameters = _parameters(route)
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        either = route.documented_in_query
        ref = {"$ref": REF.format(model=route.body.__name__ + (PARTS if either else ""))}
        operation["requestBody"] = {
            "required": not either,
            "description": "The parameters as JSON or a form"
            + ("; each may come in the query string instead." if either else "."),
            "content": {
                "application/json": {"schema": ref},
                "application/x-www-form-urlencoded": {"schema": ref},
            },
        }
    return operation


def document(routes: list[Any]) -> dict[str, Any]:
    _, defs = models_json_schema(
        [(model, "validation") for model in _models(routes)], ref_template=REF
    )
    schemas = defs.get("$defs", {})
    for route in routes:
        if route.body is not None and route.documented_in_query:
            # Any field may be in the query instead, so the body alone requires none.
            parts = dict(schemas[route.body.__name__])
            parts.pop("required", None)
            schemas[route.body.__name__ + PARTS] = parts
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        path = re.sub(r"<([a-z_]+)>", r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route)
    paths["/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "security": [],
            "responses": {
                "200": {
                    "description": "The OpenAPI document",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Messenger API",
            "version": "1.0.0",
            "description": "HTTPS function `api`: accounts and the messenger's REST API.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
