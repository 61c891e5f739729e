"""The identity providers' client secrets, encrypted at rest.

A client secret is kept in the database only as a Fernet token (AES-128-CBC with an
HMAC-SHA256, from `cryptography`), made with the first key of IDENTITY_SECRET_KEYS
(comma-separated Fernet keys, from the environment). Older keys stay listed after it
while secrets are re-encrypted (`MultiFernet`), so the key can be rotated. A database
dump alone therefore never gives a provider's secret; the key lives only in the
environment, beside SECRET_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SecretUnreadable(Exception):
    """The stored secret was made with a key that is no longer in IDENTITY_SECRET_KEYS."""


def _fernet() -> MultiFernet:
    keys = [k.strip() for k in getattr(settings, "IDENTITY_SECRET_KEYS", []) if k.strip()]
    if not keys:
        raise ImproperlyConfigured(
            "IDENTITY_SECRET_KEYS is not set: make a key with `python -c "
            '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`'
        )
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "IDENTITY_SECRET_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes)"
        ) from error


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise SecretUnreadable(
            "the client secret cannot be read with IDENTITY_SECRET_KEYS"
        ) from error
