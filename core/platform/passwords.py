"""bcrypt password hashing, compatible with streamlit-authenticator's Hasher (which imports streamlit)."""

from __future__ import annotations

import secrets
import unicodedata
from functools import lru_cache

import bcrypt

from core import validate
from core.errors import InvalidInput
from core.platform.config import get_settings


def _as_secret(password) -> bytes | None:
    """The bytes bcrypt checks, or None for what no stored password can be (controls, unencodable, > 72 bytes).

    bcrypt stops at a NUL byte, so a password with one would match a shorter one: such input is never a password.
    """
    if not isinstance(password, str) or any(unicodedata.category(ch) == "Cc" for ch in password):
        return None
    try:
        data = password.encode()
    except UnicodeEncodeError:  # a lone surrogate from a hostile client
        return None
    return data if len(data) <= 72 else None


def hash_password(password: str) -> str:
    """A bcrypt hash of password after checking the password rules."""
    validate.password(password)
    data = _as_secret(password)
    if data is None:
        raise InvalidInput("Password cannot contain control characters (such as tab or NUL) or unpaired surrogates.")
    return bcrypt.hashpw(data, bcrypt.gensalt(get_settings().bcrypt_rounds)).decode()


def verify_password(password: str, password_hash: str) -> bool:
    """True when password matches; False for any malformed input, after the same bcrypt work as a real check."""
    data = _as_secret(password)
    if data is None:
        burn_equal_time()
        return False
    try:
        return bcrypt.checkpw(data, password_hash.encode())
    except ValueError:  # a malformed stored hash
        burn_equal_time()
        return False


@lru_cache(maxsize=1)
def _dummy_hash() -> bytes:
    return bcrypt.hashpw(secrets.token_bytes(16).hex().encode(), bcrypt.gensalt(get_settings().bcrypt_rounds))


def burn_equal_time() -> None:
    """Spend what one real check costs (one bcrypt verify), so timing does not tell which usernames exist."""
    bcrypt.checkpw(b"not-the-password", _dummy_hash())
