"""Act on what the user saw: version tokens that pages render and every state-changing service checks.

A token is the id of the newest row of the object's append-only history plus the fields the user decides
on (status, amount). History rows are never updated, so the newest id moves with every change, with no
version column and no migration. A service locks the row, rebuilds the token and calls `require`.
Ad requests use it (core/marketplace/ad_requests.py); deliverables, invoices and payments follow the same pattern.
"""

from __future__ import annotations

from core.errors import Conflict, InvalidInput


def token(last_history_id: int | None, *fields) -> str:
    """The version of an object: its newest history id, then the decisive fields, joined with ':'."""
    return ":".join([str(int(last_history_id or 0)), *(str(value) for value in fields)])


def require(expected, current: str, *, now: str, noun: str = "offer") -> None:
    """Conflict unless expected is the current token; `now` says what the user would see instead ("$900.00")."""
    if not isinstance(expected, str) or not expected:
        raise InvalidInput("This page is out of date. Reload it and try again.")
    if expected != current:
        raise Conflict(f"This {noun} changed while you were looking at it (now {now}). Review it and try again.")
