"""Clock helpers: naive UTC datetimes everywhere in the database."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    """Now in UTC without tzinfo (what the database columns store)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in UTC."""
    return utcnow().date()


def month_start(day: dt.date) -> dt.date:
    """First day of day's month."""
    return day.replace(day=1)


def previous_month(day: dt.date) -> dt.date:
    """First day of the month before day's month (correct across January)."""
    first = day.replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1)
