"""Signing the simulated users in: custom tokens exchanged at the Auth emulator, or the API.

The default mints custom tokens with firebase-admin (as the `api` function does after checking a
password) and exchanges them at the Auth emulator's signInWithCustomToken, exactly the second
half of the client's sign-in. It skips only the bcrypt check of /register and /login, which costs
~50-250 ms of CPU per user by design and would measure password hashing, not messaging.
`--signin api` goes through /register instead, for the full path with fewer users.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from dataclasses import dataclass

import aiohttp

API_KEY = "fake-api-key"  # emulators accept any key
CONCURRENCY = 20


@dataclass(frozen=True)
class User:
    uid: str
    id_token: str
    refresh_token: str = ""


def _custom_tokens(uids: list[str], auth_host: str, project_id: str) -> list[str]:
    import firebase_admin
    from firebase_admin import auth

    # firebase-admin mints unsigned custom tokens when it sees the emulator variable.
    saved = os.environ.get("FIREBASE_AUTH_EMULATOR_HOST")
    os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = auth_host
    app = firebase_admin.initialize_app(options={"projectId": project_id},
                                        name=f"load-{uuid.uuid4().hex}")
    try:
        tokens = []
        for uid in uids:
            token = auth.create_custom_token(uid, app=app)
            tokens.append(token.decode() if isinstance(token, bytes) else token)
        return tokens
    finally:
        firebase_admin.delete_app(app)
        if saved is None:
            os.environ.pop("FIREBASE_AUTH_EMULATOR_HOST", None)
        else:
            os.environ["FIREBASE_AUTH_EMULATOR_HOST"] = saved


async def _exchange(session: aiohttp.ClientSession, auth_url: str, token: str) -> dict:
    url = (f"{auth_url}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken"
           f"?key={API_KEY}")
    async with session.post(url, json={"token": token, "returnSecureToken": True}) as r:
        body = await r.json(content_type=None)
        if r.status != 200:
            raise RuntimeError(f"sign-in refused ({r.status}): {body}")
        return body


async def _register(session: aiohttp.ClientSession, api_url: str, index: int) -> str:
    email = f"load-{index}-{uuid.uuid4().hex[:8]}@example.com"
    async with session.post(f"{api_url}/register",
                            json={"email": email, "password": "load test password 1"}) as r:
        body = await r.json(content_type=None)
        if r.status != 200:
            raise RuntimeError(f"/register refused ({r.status}): {body}")
        return body["custom_token"]


async def sign_in(count: int, auth_url: str, auth_host: str, project_id: str,
                  api_url: str | None = None, prefix: str = "load") -> list[User]:
    """`count` users with fresh ID tokens (via the API when api_url is given)."""
    limit = asyncio.Semaphore(CONCURRENCY)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        if api_url is None:
            # uids as the api mints them: 28 alphanumerics, never "_" (chat ids join them by "_")
            uids = [f"{prefix}{i:04d}{uuid.uuid4().hex}"[:28] for i in range(count)]
            customs = _custom_tokens(uids, auth_host, project_id)
        else:
            async def register(i: int) -> str:
                async with limit:
                    return await _register(session, api_url, i)
            customs = list(await asyncio.gather(*(register(i) for i in range(count))))

        async def exchange(token: str) -> User:
            async with limit:
                body = await _exchange(session, auth_url, token)
            uid = body.get("localId") or _uid_of(body["idToken"])
            return User(uid, body["idToken"], body.get("refreshToken", ""))
        return list(await asyncio.gather(*(exchange(t) for t in customs)))


def _uid_of(id_token: str) -> str:
    import base64
    import json

    payload = id_token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims["user_id"]
