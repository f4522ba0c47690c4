"""Parsing of the non-query REST parameters: print, format, shallow, timeout, writeSizeLimit,
callback, download; and the namespace a request addresses."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from . import messages as msg
from .errors import bad_request
from .query import QUERY_PARAMS

KNOWN_PARAMS = frozenset(QUERY_PARAMS) | {
    "auth", "access_token", "auth_variable_override", "ns", "print", "format", "shallow",
    "timeout", "writeSizeLimit", "callback", "download", "disableTriggers",
}
_TIMEOUT_RE = re.compile(r"^(\d+(?:\.\d+)?)(ms|s|min)$")
_CALLBACK_RE = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$.]*$")
_UNIT_MS = {"ms": 1, "s": 1000, "min": 60_000}


@dataclass(frozen=True)
class Options:
    pretty: bool = False
    silent: bool = False
    export: bool = False
    shallow: bool = False
    timeout_ms: float = msg.MAX_TIMEOUT_MS
    write_size_limit: int | None = None     # only when the request names one
    callback: str | None = None
    download: str | None = None
    # disableTriggers=true (firebase-tools' database:set/update/import/remove
    # --disable-triggers): the write fires no function triggers
    disable_triggers: bool = False


DEFAULT_OPTIONS = Options()
# parameters that do not change how a request is answered (identity, namespace)
_NEUTRAL = frozenset({"auth", "access_token", "auth_variable_override", "ns"})


def parse_options(params: Mapping[str, str], method: str) -> Options:
    for name in params:
        if name not in _NEUTRAL:
            break
    else:                      # the common case: no options at all
        return DEFAULT_OPTIONS
    for name in params:
        if name not in KNOWN_PARAMS:
            raise bad_request(msg.UNKNOWN_PARAM.format(name=name))
    printing = params.get("print")
    if printing not in (None, "pretty", "silent"):
        raise bad_request(msg.BAD_PRINT)
    fmt = params.get("format")
    if fmt not in (None, "export"):
        raise bad_request(msg.BAD_FORMAT)
    shallow_text = params.get("shallow")
    if shallow_text not in (None, "true", "false"):
        raise bad_request(msg.BAD_SHALLOW)
    shallow = shallow_text == "true"
    # shallow with a query lists a window of keys (how firebase-tools pages children)
    if shallow and any(p in params for p in ("format", "callback", "download")):
        raise bad_request(msg.SHALLOW_MIXED)
    for name in ("callback", "download", "format", "shallow"):
        if name in params and method != "GET":
            raise bad_request(msg.GET_ONLY.format(name=name))
    callback = params.get("callback")
    if callback is not None and not _CALLBACK_RE.match(callback):
        raise bad_request(msg.BAD_CALLBACK)
    download = params.get("download")
    if download is not None and (not download or "/" in download or '"' in download
                                 or any(ord(c) < 32 for c in download)):
        raise bad_request(msg.BAD_DOWNLOAD)
    timeout_ms: float = msg.MAX_TIMEOUT_MS
    if "timeout" in params:
        match = _TIMEOUT_RE.match(params["timeout"])
        if not match:
            raise bad_request(msg.BAD_TIMEOUT.format(value=params["timeout"]))
        timeout_ms = float(match.group(1)) * _UNIT_MS[match.group(2)]
        if timeout_ms <= 0 or timeout_ms > msg.MAX_TIMEOUT_MS:
            raise bad_request(msg.BAD_TIMEOUT.format(value=params["timeout"]))
    limit = None
    if "writeSizeLimit" in params:
        name = params["writeSizeLimit"]
        if name not in msg.WRITE_SIZE_LIMITS:
            raise bad_request(msg.BAD_WRITE_SIZE_LIMIT.format(value=name))
        limit = msg.WRITE_SIZE_LIMITS[name]
    return Options(pretty=printing == "pretty", silent=printing == "silent",
                   export=fmt == "export", shallow=shallow, timeout_ms=timeout_ms,
                   write_size_limit=limit, callback=callback, download=download,
                   disable_triggers=params.get("disableTriggers") == "true")


def namespace_of(params: Mapping[str, str], host: str | None, project_id: str) -> str:
    """?ns=NAME wins; else the first label of a NAME.localhost-style Host; else the project."""
    if params.get("ns"):
        return params["ns"]
    if host:
        name = host.rsplit(":", 1)[0] if not host.startswith("[") else ""
        labels = name.split(".")
        is_ip = len(labels) == 4 and all(label.isdigit() for label in labels)
        if len(labels) > 1 and not is_ip and labels[0]:
            return labels[0]
    return project_id
