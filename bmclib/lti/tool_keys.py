"""The tool's key pair: made on the hub, the private half never leaves it.

``python -m bmclib.lti keygen --out DIR`` writes

- ``tool-key.pem``: the private key (mode 600). Only the hub's administrator reads it.
- ``tool-public.pem``: the public key in PEM form (Moodle: *Public key type: RSA key*).
- ``tool-jwk.json``: the public key as one JSON Web Key (Canvas: the developer key's *Public JWK*).
- ``tool-jwks.json``: the same as a key set, to publish at a URL (*Public JWK URL*, *Keyset URL*).
"""

from __future__ import annotations

import json
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

from .errors import LTIError, need_packages

FILES = ("tool-key.pem", "tool-public.pem", "tool-jwk.json", "tool-jwks.json")


def new_key_id(now: datetime | None = None) -> str:
    """A fresh key id that says when the key was made (a new one at every rotation).

    >>> new_key_id(datetime(2026, 3, 2, tzinfo=UTC))[:15]
    'bmc-2026-03-02-'
    """
    return f"bmc-{(now or datetime.now(UTC)):%Y-%m-%d}-{secrets.token_hex(3)}"


def public_jwk(private_pem: bytes, key_id: str) -> dict:
    """The public JSON Web Key of a PEM private key, with ``kid``, ``alg`` RS256 and ``use`` sig."""
    need_packages()
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from jwt.algorithms import RSAAlgorithm

    key = load_pem_private_key(private_pem, password=None)
    jwk = json.loads(RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": key_id, "alg": "RS256", "use": "sig"}


def generate(out: str | os.PathLike, key_id: str | None = None) -> tuple[str, dict[str, Path]]:
    """Make a 2048-bit RSA key pair in the folder ``out``; return ``(key id, {name: path})``.

    Raises:
        LTIError: a key file is already there (it is never overwritten).
    """
    need_packages()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    folder = Path(out)
    paths = {name: folder / name for name in FILES}
    for path in paths.values():
        if path.exists():
            raise LTIError("lti_keygen_exists", path=str(path))
    folder.mkdir(parents=True, exist_ok=True)
    key_id = key_id or new_key_id()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(paths["tool-key.pem"], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private)
    paths["tool-public.pem"].write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    jwk = public_jwk(private, key_id)
    paths["tool-jwk.json"].write_text(json.dumps(jwk, indent=2) + "\n", encoding="utf-8")
    paths["tool-jwks.json"].write_text(
        json.dumps({"keys": [jwk]}, indent=2) + "\n", encoding="utf-8"
    )
    return key_id, paths
