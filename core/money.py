"""Money as integer cents: parsing user amounts and formatting them.

Accepted input is unambiguous on purpose: digits, commas only between groups of three, one dot
before the cents, an optional leading "$" ("1500", "1500.5", "1,500.00", "$1,500"). Anything a
European or a typo could mean differently ("1,50", "1.500,00", "1,2,3"), exponents, NaN/inf and
minus signs are refused with an example, never guessed. The largest amount is MAX_CENTS.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

from core.errors import InvalidInput

# 100 billion in currency units: beyond any campaign, far below BIGINT (9.2e18), and exact in a float.
MAX_CENTS = 10**13
_MAX_UNITS = Decimal(MAX_CENTS) / 100

_AMOUNT_RE = re.compile(
    r"""^\$?\s*
    (?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)?   # 1,500 or 1500 (or nothing, as in .50)
    (?:\.(?P<frac>[0-9]*))?$                       # one dot, then the cents
    """,
    re.VERBOSE | re.ASCII,
)
_EXPONENT_RE = re.compile(r"^\$?\s*[0-9.,]*[0-9][eE][+-]?[0-9]+$", re.ASCII)
_EXAMPLE = "like 1500, 1500.50, 1,500.00 or $1,500 (a dot before the cents, commas only between thousands)"


def to_cents(amount, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """Convert a user-entered amount (str, int, float or Decimal, in currency units) to cents, half-up."""
    value = _parse(amount, field)
    if value > _MAX_UNITS:  # compared before scaling, so no Decimal context overflow on 1e308
        raise _too_large(field)
    cents = int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return check_cents(cents, field=field, allow_zero=allow_zero)


def _parse(amount, field: str) -> Decimal:
    """The amount as a finite, non-negative Decimal in currency units, or InvalidInput."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise InvalidInput(f"{field} is required.")
    if isinstance(amount, bool):
        raise InvalidInput(f"{field} must be a number, {_EXAMPLE}.")
    if isinstance(amount, int):
        value = Decimal(amount)
    elif isinstance(amount, float):
        if not math.isfinite(amount):
            raise InvalidInput(f"{field} must be a number, {_EXAMPLE}.")
        value = Decimal(repr(amount))  # the shortest decimal that round-trips: 2.675 stays 2.675
    elif isinstance(amount, Decimal):
        if not amount.is_finite():
            raise InvalidInput(f"{field} must be a number, {_EXAMPLE}.")
        value = amount
    else:
        value = _parse_text(str(amount), field)
    if value.is_signed():  # negative amounts and negative zero alike
        raise InvalidInput(f"{field} cannot be negative.")
    return value


def _parse_text(raw: str, field: str) -> Decimal:
    text = raw.strip()
    if text.startswith("-") or text.startswith("$-") or text.startswith("-$"):
        raise InvalidInput(f"{field} cannot be negative.")
    if _EXPONENT_RE.match(text):
        raise InvalidInput(f"{field} must be written out in digits, without an exponent, {_EXAMPLE}.")
    match = _AMOUNT_RE.match(text)
    if match is None or not (match["whole"] or match["frac"]):
        raise InvalidInput(f"{field} must be a number, {_EXAMPLE}.")
    whole = (match["whole"] or "0").replace(",", "").lstrip("0") or "0"
    if len(whole) > len(str(MAX_CENTS)):  # 30 digits: too large, without building a huge Decimal
        raise _too_large(field)
    return Decimal(f"{whole}.{match['frac'] or '0'}")


def _too_large(field: str) -> InvalidInput:
    return InvalidInput(f"{field} is too large: the most we accept is {format_cents(MAX_CENTS)}.")


def check_cents(cents, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """Validate an amount already in cents: a whole, non-negative int no larger than MAX_CENTS."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise InvalidInput(f"{field} must be a whole number of cents.")
    if cents < 0:
        raise InvalidInput(f"{field} cannot be negative.")
    if cents == 0 and not allow_zero:
        raise InvalidInput(f"{field} must be more than zero.")
    if cents > MAX_CENTS:
        raise _too_large(field)
    return cents


def cents_or_typed(amount, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """Cents from an int already in cents, or from the amount as the user typed it ("1,500.50"), checked alike.

    Lets a form hand its raw text to the service, which then reports it together with the other fields."""
    if isinstance(amount, str):
        return to_cents(amount, field=field, allow_zero=allow_zero)
    return check_cents(amount, field=field, allow_zero=allow_zero)


def format_cents(cents: int | None, currency: str = "$") -> str:
    """1234567 -> '$12,345.67'."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{currency}{whole:,}.{frac:02d}"
