"""Who may use the suite's unchecked credentials: one rule for every emulator.

The emulators accept two kinds of credential that prove nothing by themselves:

- the **admin** credential (`Authorization: Bearer owner`, `?auth=owner`, and the database's
  `auth_variable_override` that rides on it), which firebase-admin sends to every emulator and
  which bypasses rules and admin-only endpoints;
- **unsigned** ID tokens (`alg: none`, signature not checked), which the official emulators
  accept outside secure mode so tests and SDKs can sign in as anyone.

Anyone who can reach the port can send either, so who may use them is decided here, from
facts of the connection and request that a remote caller cannot choose:

- ``secure``: the suite runs in secure mode (forced on when it listens beyond loopback, or
  asked for with ``--secure``);
- the socket's **peer address** (the transport's ``peername``, never a header such as
  ``X-Forwarded-For``, which any client can write) and the address the connection arrived on
  (the socket's ``sockname``);
- whether the request comes from a **web page** in a browser (an ``Origin`` header, or a
  ``Sec-Fetch-Site`` other than ``none``; browsers add these and a page's script cannot remove
  them), or names a foreign site in its ``Host`` header (DNS rebinding: a page on
  ``evil.example`` whose name now resolves to 127.0.0.1 sends same-origin requests, which older
  browsers send without ``Origin`` or ``Sec-Fetch-Site``; the ``Host`` is still its name).

The rule:

- A request from a web page never acts as the admin nor with an unsigned token, in any mode:
  any site the user visits can `fetch("http://127.0.0.1:9000/...")`, and the suite answers
  with `Access-Control-Allow-Origin: *`. Such a request is answered as an invalid credential.
- Outside secure mode (loopback only) the admin and unsigned tokens are accepted, as Google's
  emulators accept them.
- In secure mode unsigned tokens are never accepted (only tokens the suite's Auth emulator
  signed), and the admin only from this machine: a loopback peer, or a peer whose address is
  the very address the connection arrived on (a process on this machine connecting to the
  machine's own LAN address, e.g. the functions worker of a suite bound to 10.0.0.5; a
  TCP peer elsewhere cannot hold that address, the handshake would fail).

Pure functions, no I/O: callers pass the addresses and headers they already have.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from functools import lru_cache

__all__ = [
    "is_browser",
    "is_browser_request",
    "is_foreign_host",
    "is_local_peer",
    "is_loopback_address",
    "may_act_as_admin",
    "may_use_unsigned_tokens",
    "peer_host",
]


@lru_cache(maxsize=256)
def is_loopback_address(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and IPv4-mapped loopback (::ffff:127.0.0.1). An address
    only: names (even "localhost") are not peer addresses."""
    if not host:
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _same_address(a: str, b: str) -> bool:
    try:
        x = ipaddress.ip_address(a.strip("[]").split("%", 1)[0])
        y = ipaddress.ip_address(b.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(x, ipaddress.IPv6Address) and x.ipv4_mapped is not None:
        x = x.ipv4_mapped
    if isinstance(y, ipaddress.IPv6Address) and y.ipv4_mapped is not None:
        y = y.ipv4_mapped
    return x == y and not x.is_unspecified


@lru_cache(maxsize=256)
def is_local_peer(peer: str | None, local: str | None = None) -> bool:
    """Is the connection from a process on this machine? `peer` is the socket's peer
    address, `local` the address the connection arrived on (both from the socket, e.g.
    `transport.get_extra_info("peername")[0]` and `...("sockname")[0]`).

    Loopback peers are; so is a peer with the very address the connection arrived on (this
    machine connecting to its own non-loopback address). Unknown addresses are not."""
    if is_loopback_address(peer):
        return True
    if not peer or not local:
        return False
    return _same_address(peer, local)


def peer_host(address: object) -> str | None:
    """The host part of a `peername`/`sockname` (a tuple for IP sockets), else None."""
    if isinstance(address, (tuple, list)) and address and isinstance(address[0], str):
        return address[0]
    return None


def is_browser(origin: str | None, sec_fetch_site: str | None = None) -> bool:
    """Does a request come from a web page? Browsers send `Origin` on every cross-origin
    request a page can read the answer of (and on every POST), and `Sec-Fetch-Site` on every
    request; `Sec-Fetch-Site: none` is the user's own navigation (a typed URL, a bookmark),
    which no page can trigger. Any `Origin` counts, `null` included (sandboxed frames,
    file: pages)."""
    if origin is not None:
        return True
    return sec_fetch_site is not None and sec_fetch_site.strip().lower() != "none"


@lru_cache(maxsize=256)
def is_foreign_host(host_header: str | None, own_host: str | None = None) -> bool:
    """Does a `Host` header name some other site (a DNS-rebinding page)? This machine's names
    are not foreign: IP literals, `localhost` and `*.localhost` (browsers resolve those to
    loopback themselves), and `own_host`, the name the emulator was told to listen on. No
    Host (HTTP/1.0 tools) is not foreign: browsers always send one."""
    if not host_header:
        return False
    host = host_header.strip().lower()
    if host.startswith("["):                     # [v6]:port
        name = host[1:host.find("]")] if "]" in host else host[1:]
    elif host.count(":") == 1:                   # name:port
        name = host.rsplit(":", 1)[0]
    else:                                        # name, or a bare v6 address
        name = host
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):
        return False
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
        return False
    except ValueError:
        pass
    if own_host and name == own_host.strip("[]").lower().rstrip("."):
        return False
    return True


def is_browser_request(headers: Mapping[str, str], own_host: str | None = None) -> bool:
    """`is_browser` of a case-insensitive header mapping (multidict, aiohttp, requests), or
    a request whose Host is foreign (`is_foreign_host`; `own_host`: the name the emulator
    listens on, when that is a name rather than an address)."""
    return is_browser(headers.get("Origin"), headers.get("Sec-Fetch-Site")) or \
        is_foreign_host(headers.get("Host"), own_host)


def may_act_as_admin(*, secure: bool, local_peer: bool, browser: bool) -> bool:
    """May this request use the admin credential (`owner`, `auth_variable_override`)?
    Never from a web page; in secure mode only from this machine."""
    if browser:
        return False
    return local_peer or not secure


def may_use_unsigned_tokens(*, secure: bool, browser: bool) -> bool:
    """May this request be identified by an ID token whose signature is not checked?
    Never from a web page, never in secure mode."""
    return not secure and not browser
