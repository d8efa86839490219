"""Money as integer cents: parsing user amounts and formatting them."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from core.errors import InvalidInput

MAX_CENTS = 10**13  # 100 billion in currency units: beyond any campaign, below BigInteger limits


def to_cents(amount, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """Convert a user-entered amount (str, int, float or Decimal, in currency units) to cents."""
    if amount is None or (isinstance(amount, str) and not amount.strip()):
        raise InvalidInput(f"{field} is required.")
    try:
        value = Decimal(str(amount).replace(",", "").strip())
    except InvalidOperation:
        raise InvalidInput(f"{field} must be a number, like 1500 or 1500.50.") from None
    if not value.is_finite():
        raise InvalidInput(f"{field} must be a number, like 1500 or 1500.50.")
    cents = int((value * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    return check_cents(cents, field=field, allow_zero=allow_zero)


def check_cents(cents, *, field: str = "Amount", allow_zero: bool = True) -> int:
    """Validate an amount already in cents."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise InvalidInput(f"{field} must be a whole number of cents.")
    if cents < 0:
        raise InvalidInput(f"{field} cannot be negative.")
    if cents == 0 and not allow_zero:
        raise InvalidInput(f"{field} must be more than zero.")
    if cents > MAX_CENTS:
        raise InvalidInput(f"{field} is too large.")
    return cents


def format_cents(cents: int | None, currency: str = "$") -> str:
    """1234567 -> '$12,345.67'."""
    if cents is None:
        return "—"
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(int(cents)), 100)
    return f"{sign}{currency}{whole:,}.{frac:02d}"
