"""Input checks shared by services; each raises InvalidInput with a message for the user."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal

from collections.abc import Callable
from typing import Any

from core.errors import InvalidInput

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,39}$")
# A plain address: no spaces and none of the characters RFC 5322 only allows quoted (which Markdown also uses).
EMAIL_RE = re.compile(r"^[^@\s()<>\[\],;:\\\"]+@[^@\s()<>\[\],;:\\\"]+\.[^@\s()<>\[\],;:\\\"]+$")
URL_RE = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)


def each(**checks: Callable[[], Any]) -> dict[str, Any]:
    """Run every field's check and return the values; if any fail, raise one InvalidInput naming them all.

    A form then reports every invalid field at once instead of one per attempt."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for name, check in checks.items():
        try:
            values[name] = check()
        except InvalidInput as error:
            problems.extend(p for p in error.problems if p not in problems)
    if problems:
        raise InvalidInput.combined(problems)
    return values


def text(value, field: str, *, max_len: int, required: bool = True, min_len: int = 1, multiline: bool = False) -> str:
    """Trimmed text within length limits, free of characters a database or a terminal would choke on.

    Control characters are refused (a NUL byte makes PostgreSQL reject the whole statement); a
    multi-line field also accepts newline and tab. Lone surrogates and Unicode non-characters are
    refused too: they cannot be encoded for PostgreSQL and no keyboard produces them.
    """
    value = "" if value is None else str(value)
    if multiline:  # Windows and old Macs end lines differently; store one kind
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.strip()
    if not value:
        if required:
            raise InvalidInput(f"{field} is required.")
        return ""
    bad = _first_forbidden(value, multiline=multiline)
    if bad is not None:
        raise InvalidInput(f"{field} contains a character that cannot be stored ({_describe(bad)}); please remove it.")
    if len(value) < min_len:
        raise InvalidInput(f"{field} must be at least {min_len} characters.")
    if len(value) > max_len:
        raise InvalidInput(f"{field} must be at most {max_len} characters.")
    return value


# Control characters (C0 except tab/newline, DEL, C1), UTF-16 surrogates, and the 66 Unicode non-characters.
_NONCHARACTERS = "".join(chr(code) for code in range(0xFDD0, 0xFDF0)) + "".join(
    chr(plane * 0x10000 + 0xFFFE) + chr(plane * 0x10000 + 0xFFFF) for plane in range(17)
)
_ALWAYS_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff" + re.escape(_NONCHARACTERS) + "]")


def _first_forbidden(value: str, *, multiline: bool) -> str | None:
    match = _ALWAYS_FORBIDDEN.search(value)
    if match is not None:
        return match.group()
    if not multiline:
        for char in ("\n", "\t"):
            if char in value:
                return char
    return None


def _describe(char: str) -> str:
    return {"\n": "a line break", "\t": "a tab"}.get(char, f"U+{ord(char):04X}")


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
    if len(value) > 254 or not EMAIL_RE.match(value) or _ALWAYS_FORBIDDEN.search(value):
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
    if len(value) > 500 or not URL_RE.match(value) or _ALWAYS_FORBIDDEN.search(value):
        raise InvalidInput(f"{field} must be a web address starting with http:// or https://.")
    return value


# Integer inputs (followers, counts, ids, page sizes, cents) fit a signed 64-bit BIGINT column.
BIGINT_MAX = 2**63 - 1
_INTEGER_RE = re.compile(r"^[+-]?[0-9]{1,3}(,[0-9]{3})*$|^[+-]?[0-9]+$")


def integer(value, *, field: str, minimum: int = 0, maximum: int = BIGINT_MAX) -> int:
    """A whole number within [minimum, maximum]; refuses bools, NaN/inf, fractions, exponents and huge values."""
    number = _as_integer(value)
    if number is None:
        raise InvalidInput(f"{field} must be a whole number, like 1500 or 1,500.")
    if number < minimum:
        raise InvalidInput(f"{field} cannot be less than {minimum:,}.")
    if number > maximum:
        raise InvalidInput(f"{field} is too large: at most {maximum:,}.")
    return number


def _as_integer(value) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, Decimal):
        return int(value) if value.is_finite() and value == value.to_integral_value() else None
    if isinstance(value, str):
        raw = value.strip()
        if not _INTEGER_RE.match(raw):
            return None
        digits = raw.replace(",", "").lstrip("+-").lstrip("0")
        # int() of thousands of digits is slow (and refused past 4300): such a number is too large anyway.
        if len(digits) > 30:
            return -(10**30) if raw.startswith("-") else 10**30  # its magnitude is at least this
        return int(raw.replace(",", ""))
    try:  # numpy/pandas integers and friends
        return _as_integer(int(value)) if int(value) == value else None
    except (TypeError, ValueError, OverflowError, ArithmeticError):
        return None


def whole_number(value, field: str, *, minimum: int = 0, maximum: int = 10**12) -> int:
    """Older spelling of integer() with the field positional."""
    return integer(value, field=field, minimum=minimum, maximum=maximum)


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
