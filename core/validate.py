"""Input checks shared by services; each raises InvalidInput with a message for the user."""

from __future__ import annotations

import datetime as dt
import re

from core.errors import InvalidInput

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
URL_RE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def text(value, field: str, *, max_len: int, required: bool = True, min_len: int = 1) -> str:
    """Trimmed text within length limits."""
    value = "" if value is None else str(value).strip()
    if not value:
        if required:
            raise InvalidInput(f"{field} is required.")
        return ""
    if len(value) < min_len:
        raise InvalidInput(f"{field} must be at least {min_len} characters.")
    if len(value) > max_len:
        raise InvalidInput(f"{field} must be at most {max_len} characters.")
    return value


def choice(value, field: str, allowed) -> str:
    """One of the allowed values (case-insensitive)."""
    value = (value or "").strip().lower()
    if value not in allowed:
        raise InvalidInput(f"{field} must be one of: {', '.join(allowed)}.")
    return value


def username(value) -> str:
    value = (value or "").strip().lower()
    if not USERNAME_RE.match(value):
        raise InvalidInput(
            "Username must be 3–40 characters: letters, digits, dot, dash or underscore, "
            "starting with a letter or digit."
        )
    return value


def email(value) -> str:
    value = (value or "").strip().lower()
    if len(value) > 254 or not EMAIL_RE.match(value):
        raise InvalidInput("Please enter a valid email address, like name@example.com.")
    return value


def password(value) -> str:
    value = value or ""
    if len(value) < 8:
        raise InvalidInput("Password must be at least 8 characters.")
    if len(value.encode()) > 72:
        raise InvalidInput("Password must be at most 72 bytes long.")
    if not (re.search(r"[A-Za-z]", value) and re.search(r"\d", value)):
        raise InvalidInput("Password must contain at least one letter and one digit.")
    return value


def url(value, field: str, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"{field} is required.")
        return None
    if len(value) > 500 or not URL_RE.match(value):
        raise InvalidInput(f"{field} must be a web address starting with http:// or https://.")
    return value


def whole_number(value, field: str, *, minimum: int = 0, maximum: int = 10**12) -> int:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value)
        if isinstance(value, float) and value != number:
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a whole number.") from None
    if number < minimum:
        raise InvalidInput(f"{field} cannot be less than {minimum:,}.")
    if number > maximum:
        raise InvalidInput(f"{field} cannot be more than {maximum:,}.")
    return number


def percent(value, field: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a number between 0 and 100.") from None
    if not 0 <= number <= 100:
        raise InvalidInput(f"{field} must be between 0 and 100.")
    return round(number, 2)


def date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a date like 2026-12-31.") from None


def date_range(start, end) -> tuple[dt.date, dt.date]:
    start_d, end_d = date(start, "Start date"), date(end, "End date")
    if end_d < start_d:
        raise InvalidInput("End date cannot be before the start date.")
    return start_d, end_d
