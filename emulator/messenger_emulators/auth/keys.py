"""Secure-mode key material: the ID-token signing key and the suite's service account.

Generated once and kept in the state folder (``<data_dir>/auth`` or a per-user state folder),
so ID tokens and service-account credentials stay valid across restarts:

- ``id-token-key.pem``: RSA key that signs ID tokens (RS256, header ``kid``), published as an
  X.509 certificate and as a JWK, the way Google publishes securetoken's keys.
- ``service-account.json``: a service-account key file in Google's format. In secure mode the
  Auth emulator accepts only custom tokens signed by this key; the functions host hands it to
  the functions as ``GOOGLE_APPLICATION_CREDENTIALS`` so ``auth.create_custom_token`` signs with it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

ID_TOKEN_KEY_FILE = "id-token-key.pem"
SERVICE_ACCOUNT_FILE = "service-account.json"
CERT_SUBJECT = "securetoken.system.gserviceaccount.com"


def default_state_dir(data_dir: Path | None, project_id: str) -> Path:
    """Where the Auth emulator keeps keys and accounts."""
    if data_dir is not None:
        return Path(data_dir) / "auth"
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "messenger-emulators" / project_id / "auth"


def _b64url_uint(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _write_private(path: Path, data: bytes) -> None:
    """Write a secret file readable only by its owner, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def _load_or_create_key(path: Path) -> rsa.RSAPrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    _write_private(path, pem)
    return key


def _kid_of(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha1(der).hexdigest()  # noqa: S324 - an identifier, not a security hash


@dataclass
class SigningKey:
    """The RSA key that signs ID tokens, with its kid and self-signed certificate."""

    private_key: rsa.RSAPrivateKey
    kid: str
    cert_pem: str

    @classmethod
    def load_or_create(cls, state_dir: Path) -> SigningKey:
        key = _load_or_create_key(state_dir / ID_TOKEN_KEY_FILE)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CERT_SUBJECT)])
        # The certificate is re-made at every start (cheap) so it never expires under us.
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(int(_kid_of(key)[:16], 16))
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        return cls(key, _kid_of(key), cert.public_bytes(serialization.Encoding.PEM).decode())

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)

    def jwk(self) -> dict[str, str]:
        numbers = self.private_key.public_key().public_numbers()
        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": self.kid,
                "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}


@dataclass
class ServiceAccount:
    """The suite's service account: the only signer of custom tokens accepted in secure mode."""

    path: Path
    client_email: str
    key_id: str
    public_key: rsa.RSAPublicKey

    @classmethod
    def load_or_create(cls, state_dir: Path, project_id: str) -> ServiceAccount:
        path = state_dir / SERVICE_ACCOUNT_FILE
        if path.exists():
            info = json.loads(path.read_text())
            key = serialization.load_pem_private_key(info["private_key"].encode(), None)
            if info.get("project_id") == project_id and isinstance(key, rsa.RSAPrivateKey):
                return cls(path, info["client_email"], info["private_key_id"], key.public_key())
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        email = f"firebase-adminsdk@{project_id}.iam.gserviceaccount.com"
        info = {
            "type": "service_account",
            "project_id": project_id,
            "private_key_id": _kid_of(key),
            "private_key": key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption()).decode(),
            "client_email": email,
            "client_id": str(int(_kid_of(key)[:15], 16)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": "https://oauth2.googleapis.com/token",
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/" + email,
        }
        _write_private(path, json.dumps(info, indent=2).encode())
        return cls(path, email, info["private_key_id"], key.public_key())
