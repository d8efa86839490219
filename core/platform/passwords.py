"""bcrypt password hashing, compatible with streamlit-authenticator's Hasher (which imports streamlit)."""

from __future__ import annotations

import secrets
from functools import lru_cache

import bcrypt

from core import validate
from core.platform.config import get_settings


def hash_password(password: str) -> str:
    """A bcrypt hash of password after checking the password rules."""
    validate.password(password)
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(get_settings().bcrypt_rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """True when password matches; False for any malformed input."""
    try:
        return bcrypt.checkpw((password or "").encode(), password_hash.encode())
    except ValueError:
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(get_settings().bcrypt_rounds))


def burn_equal_time(password: str) -> None:
    """Spend what a real check costs, so login timing does not reveal which usernames exist."""
    bcrypt.checkpw((password or "").encode()[:72], _dummy_hash())
