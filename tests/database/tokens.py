"""Unsigned (alg: none) Firebase ID tokens, as the official emulator accepts them."""

from __future__ import annotations

import base64
import json
import time


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def unsigned_token(uid: str, project_id: str = "demo-messenger", ttl: float = 3600,
                   **claims) -> str:
    now = int(time.time())
    body = {"iss": f"https://securetoken.google.com/{project_id}", "aud": project_id,
            "sub": uid, "user_id": uid, "iat": now, "exp": now + ttl,
            "firebase": {"sign_in_provider": "custom", "identities": {}}, **claims}
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(body)}."
