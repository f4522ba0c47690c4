"""Who an Auth emulator request may act as: suite/trust.py's rule, applied to an aiohttp request.

The admin (``Bearer owner``, what firebase-admin sends to emulators) acts only where
trust.may_act_as_admin allows it (never from a web page; in secure mode only from this
machine), and tokens whose signature nobody checks only where may_use_unsigned_tokens does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..suite import trust

ADMIN_AUTHORIZATION = "Bearer owner"


@dataclass(frozen=True)
class Caller:
    admin: bool  # sent the admin token and may act as the admin
    admin_place: bool  # is where the admin may act from (the /emulator/v1 routes need that)
    unsigned_ok: bool  # may use tokens whose signature is not checked

    @classmethod
    def of(cls, request: Any, secure: bool) -> Caller:
        """An aiohttp request's caller; ``secure``: the suite runs in secure mode."""
        browser = trust.is_browser_request(request.headers)
        transport = request.transport
        peer = local = None
        if transport is not None:
            peer = trust.peer_host(transport.get_extra_info("peername"))
            local = trust.peer_host(transport.get_extra_info("sockname"))
        place = trust.may_act_as_admin(secure=secure, local_peer=trust.is_local_peer(peer, local),
                                       browser=browser)
        owner = request.headers.get("Authorization", "").strip() == ADMIN_AUTHORIZATION
        # (In secure mode every token's signature is checked: server.py consults unsigned_ok
        # only outside it.)
        return cls(admin=owner and place, admin_place=place,
                   unsigned_ok=trust.may_use_unsigned_tokens(secure=secure, browser=browser))
