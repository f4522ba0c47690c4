"""Who may act as the admin, and who may use tokens whose signature nobody checks.

Two facts about a request decide it, both taken from the connection and headers, never from
anything a client can claim about itself:

- **From a web page?** A browser adds ``Origin`` to every cross-origin request (and to every
  POST) and ``Sec-Fetch-Site`` to every request a page makes. A page in the user's browser may
  reach the local suite (``fetch("http://127.0.0.1:9099/...")``), so such a request never acts
  as the admin and never gets by with an unsigned token, in any mode.
- **From this machine?** The socket's peer is a loopback address, or the very address the
  request arrived on (a connection from this machine to its own LAN address; nobody else can
  complete a TCP handshake from it). In secure mode the admin acts only from this machine.

Outside secure mode the suite listens on loopback only, so every peer is this machine: the
admin and unsigned tokens stay what Google's emulators make them, for tests and SDKs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ADMIN_AUTHORIZATION = "Bearer owner"


def from_browser(headers: Mapping[str, str]) -> bool:
    """True when a web page sent the request (``Origin``, or ``Sec-Fetch-Site`` other than
    ``none``, which is a user typing the URL)."""
    if "Origin" in headers:
        return True
    site = headers.get("Sec-Fetch-Site")
    return site is not None and site != "none"


def _address(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_local_peer(peer: str | None, local: str | None) -> bool:
    """The peer is this machine: a loopback address, or the address it connected to."""
    address = _address(peer)
    if address is None:
        return False
    return address.is_loopback or address == _address(local)


def _socket_addresses(request: Any) -> tuple[str | None, str | None]:
    transport = request.transport
    if transport is None:
        return None, None
    peer, local = transport.get_extra_info("peername"), transport.get_extra_info("sockname")
    return (peer[0] if peer else None), (local[0] if local else None)


@dataclass(frozen=True)
class Caller:
    admin: bool  # sent the admin token and may act as the admin
    admin_place: bool  # is where the admin may act from (the /emulator/v1 routes need that)
    unsigned_ok: bool  # may use tokens whose signature is not checked

    @classmethod
    def of(cls, request: Any, secure: bool) -> Caller:
        """An aiohttp request's caller; ``secure``: the suite runs in secure mode."""
        browser = from_browser(request.headers)
        place = not browser and (not secure or is_local_peer(*_socket_addresses(request)))
        owner = request.headers.get("Authorization", "") == ADMIN_AUTHORIZATION
        return cls(admin=owner and place, admin_place=place, unsigned_ok=not browser)
