"""Encryption of account secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from .errors import GatewayError

log = logging.getLogger(__name__)


class SecretBox:
    """Encrypts and decrypts small secrets with a key derived from the configured one."""

    def __init__(self, key: str) -> None:
        raw = key.encode()
        try:
            decoded = base64.urlsafe_b64decode(raw)
            fernet_key = raw if len(decoded) == 32 else None
        except ValueError:
            fernet_key = None
        if fernet_key is None:
            # Any passphrase works: derive a 32-byte key from it.
            fernet_key = base64.urlsafe_b64encode(hashlib.sha256(raw).digest())
        self._fernet = Fernet(fernet_key)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise GatewayError(
                "stored secret cannot be decrypted: wrong GATEWAY_SECRET_KEY?"
            ) from exc


def load_or_create_key(configured: str | None, sqlite_file: Path | None) -> str:
    """The secret key: configured, or kept in a file beside the SQLite database."""
    if configured:
        return configured
    if sqlite_file is None:
        raise GatewayError("GATEWAY_SECRET_KEY is required unless the store is a SQLite file")
    key_file = sqlite_file.with_name(sqlite_file.name + ".key")
    if key_file.exists():
        return key_file.read_text().strip()
    key = Fernet.generate_key().decode()
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    log.warning(
        "GATEWAY_SECRET_KEY not set: generated one in %s; keep it safe and back it up", key_file
    )
    return key


def derive_key(key: str, purpose: str) -> bytes:
    """A 32-byte key for one ``purpose`` (e.g. signing change-feed states), from the secret
    key: HMAC-SHA256, so no purpose's key tells anything of another's or of the secret."""
    return hmac.new(key.encode(), b"mailgate:" + purpose.encode(), hashlib.sha256).digest()
