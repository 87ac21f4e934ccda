"""The issuer's signing keys: RSA keys in files under DATA_DIR/keys, never in the database.

Each key is one PEM file, `0001.pem`, `0002.pem`, … (mode 0600). The highest number
signs; every key stays published in the JWK set so credentials signed before a
rotation still verify. A key's id (`kid`) is its RFC 7638 JWK thumbprint.
"""

import base64
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings

ALGORITHM = "RS256"  # the algorithm Open Badges 3.0 §8.2.3 requires every verifier to support
KEY_SIZE = 3072
_NAME = re.compile(r"^(\d{4,})\.pem$")


@dataclass(frozen=True)
class SigningKey:
    number: int
    private_key: rsa.RSAPrivateKey

    @property
    def public_jwk(self) -> dict:
        numbers = self.private_key.public_key().public_numbers()
        return {"kty": "RSA", "n": _b64_uint(numbers.n), "e": _b64_uint(numbers.e)}

    @property
    def thumbprint(self) -> str:
        """RFC 7638: SHA-256 of the required members, sorted, without whitespace."""
        canonical = json.dumps(self.public_jwk, sort_keys=True, separators=(",", ":"))
        return _b64(hashlib.sha256(canonical.encode()).digest())

    @property
    def kid(self) -> str:
        """A URI that dereferences to this one public JWK (OB 3.0 §8.2 JOSE Header `kid`)."""
        return f"{settings.BASE_URL}/.well-known/jwks/{self.thumbprint}.json"

    @property
    def legacy_kid(self) -> str:
        """The `kid` of credentials issued before December 2026 (a fragment of the set)."""
        return f"{settings.BASE_URL}/.well-known/jwks.json#{self.thumbprint}"

    def jwk(self, kid: str | None = None) -> dict:
        return self.public_jwk | {"kid": kid or self.kid, "use": "sig", "alg": ALGORITHM}


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64_uint(value: int) -> str:
    return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def key_dir() -> Path:
    return Path(settings.DATA_DIR) / "keys"


_cache: dict[tuple[str, int], SigningKey] = {}


def _load(path: Path, number: int) -> SigningKey:
    stat = path.stat()
    cache_key = (str(path), stat.st_mtime_ns)
    if cache_key not in _cache:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        _cache[cache_key] = SigningKey(number, private_key)
    return _cache[cache_key]


def all_keys() -> list[SigningKey]:
    """Every key on disk, oldest first (none generated here)."""
    directory = key_dir()
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        if match := _NAME.match(path.name):
            found.append((int(match.group(1)), path))
    return [_load(path, number) for number, path in sorted(found)]


def _write_new_key() -> SigningKey:
    """Generate a key and store it under the next free number; two processes never clash."""
    directory = key_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_SIZE)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written whole to a private temporary file, then linked under its number: a
    # reader never sees half a key, and link() fails if another process took the number.
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=".new-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.chmod(temporary, 0o600)
        while True:
            number = max((k.number for k in all_keys()), default=0) + 1
            path = directory / f"{number:04d}.pem"
            try:
                os.link(temporary, path)
            except FileExistsError:
                continue
            return _load(path, number)
    finally:
        os.unlink(temporary)


def current_key() -> SigningKey:
    """The key that signs now; generated on first use."""
    keys = all_keys()
    if keys:
        return keys[-1]
    _write_new_key()
    return all_keys()[-1]


def rotate() -> SigningKey:
    """Add a new signing key; older keys stay published for verification."""
    return _write_new_key()


def jwks() -> dict:
    """The public JWK set (no private members, ever), newest key first.

    Each key is listed under its `kid` and again under its legacy `kid`, so that tokens
    issued before the `kid` became a single key's URL still find their key by `kid`.
    """
    current_key()
    published = reversed(all_keys())
    return {"keys": [entry for key in published for entry in (key.jwk(), key.jwk(key.legacy_kid))]}


def public_jwk(thumbprint: str) -> dict | None:
    """The one public key whose RFC 7638 thumbprint this is (what a `kid` dereferences to)."""
    current_key()
    return next((key.jwk() for key in all_keys() if key.thumbprint == thumbprint), None)
