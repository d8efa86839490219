"""The login cookie's token: streamlit-authenticator's JWT plus the user's session version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"


@dataclass(frozen=True)
class SessionClaims:
    """What a validly signed, unexpired login cookie says."""

    username: str
    session_version: int
    exp_date: float


def issue(username: str, session_version: int, *, key: str, expiry_days: float, now: dt.datetime | None = None) -> str:
    """A signed token for username at session_version.

    It keeps the library's claims (username, exp_date as a timestamp) so its cookie re-login accepts it;
    session_version is ours, checked against the database on every load.
    """
    now = now or dt.datetime.now()
    exp_date = (now + dt.timedelta(days=expiry_days)).timestamp()
    payload = {"username": username, "exp_date": exp_date, "session_version": int(session_version)}
    return jwt.encode(payload, key, algorithm=ALGORITHM)


def read(token: str | None, *, key: str, now: dt.datetime | None = None) -> SessionClaims | None:
    """The claims of a token signed with key, or None when unsigned, expired, malformed or version-less."""
    if not token:
        return None
    try:
        payload = jwt.decode(token, key, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    username, version, exp_date = payload.get("username"), payload.get("session_version"), payload.get("exp_date")
    # A token without our claim (issued before revision 0004, or forged by the library's own encoder) is refused.
    if not isinstance(username, str) or type(version) is not int or not isinstance(exp_date, (int, float)):
        return None
    if exp_date <= (now or dt.datetime.now()).timestamp():
        return None
    return SessionClaims(username, version, float(exp_date))
