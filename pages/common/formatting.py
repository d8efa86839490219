"""How every page shows money, dates, counts and missing values: one place, one format each."""

from __future__ import annotations


import pandas as pd
import streamlit as st

from core.money import format_cents

EMPTY = "—"  # what a missing value looks like everywhere (never "None", "nan" or "NaT")
DAY = "%d %b %Y"  # 07 Mar 2026
MOMENT = "%d %b %Y, %H:%M UTC"  # 07 Mar 2026, 14:05 UTC
# The same two formats for st.column_config (moment.js tokens).
DAY_COLUMN = "DD MMM YYYY"
MOMENT_COLUMN = "DD MMM YYYY, HH:mm"


def is_missing(value) -> bool:
    """None, NaN, NaT and pandas' NA alike."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # lists and other containers are values, not missing
        return False


def money(cents: int | None) -> str:
    """1234567 -> '$12,345.67'; missing -> '—'."""
    return EMPTY if is_missing(cents) else format_cents(int(cents))


def units(cents) -> str:
    """Integer cents as an exact editable amount: 150050 -> '1500.50'."""
    whole, frac = divmod(int(cents), 100)
    return f"{whole}.{frac:02d}"


def compact(number) -> str:
    """1834000 -> '1.8M', 52300 -> '52.3k', 950 -> '950'; missing -> '—'."""
    if is_missing(number):
        return EMPTY
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "k")):
        if abs(number) >= size:
            return f"{number / size:.1f}".removesuffix(".0") + suffix
    return f"{int(number):,}"


def count(number) -> str:
    """1234 -> '1,234'; missing -> '—'."""
    return EMPTY if is_missing(number) else f"{int(number):,}"


def day(value) -> str:
    """A date (or the date of a timestamp) as '07 Mar 2026'; missing -> '—'."""
    return EMPTY if is_missing(value) else pd.Timestamp(value).strftime(DAY)


def moment(value) -> str:
    """A UTC timestamp as '07 Mar 2026, 14:05 UTC'; missing -> '—'."""
    return EMPTY if is_missing(value) else pd.Timestamp(value).strftime(MOMENT)


def text(value) -> str:
    """Any value as display text, with '—' for a missing one."""
    return EMPTY if is_missing(value) or value == "" else str(value)


def plural(number: int, noun: str, many: str | None = None) -> str:
    """'1 request', '3 requests'."""
    return f"{count(number)} {noun if number == 1 else many or noun + 's'}"


def blank_missing(frame: pd.DataFrame, *, keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """Copy of frame whose text columns show '—' for None, NaN or '' (numbers, dates and keep stay as they are)."""
    out = frame.copy()
    for column in out.columns:
        if column in keep:
            continue
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: EMPTY if is_missing(v) or v == "" else v)
    return out


def table(data, *, column_config: dict | None = None, **options):
    """st.dataframe with missing text shown as '—' (a link column keeps its None: '—' is no address)."""
    if isinstance(data, pd.DataFrame):
        links = tuple(
            name
            for name, config in (column_config or {}).items()
            if isinstance(config, dict) and config.get("type_config", {}).get("type") == "link"
        )
        data = blank_missing(data, keep=links)
    return st.dataframe(data, column_config=column_config, **options)


def prepared_table(data, *, column_config: dict | None = None, **options):
    """st.dataframe of a frame whose missing text blank_missing already filled (e.g. once per content, memoized), or
    of such a frame already converted to a pyarrow Table (st.dataframe then only serializes it)."""
    return st.dataframe(data, column_config=column_config, **options)


def cents_to_units(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Copy of frame with each *_cents column turned into currency units (for a money_column)."""
    out = frame.copy()
    for column in columns:
        if column in out:
            out[column.removesuffix("_cents")] = out[column].astype("float64") / 100
            out = out.drop(columns=[column])
    return out


# ---- st.column_config builders: the same formats inside tables -------------------------------------------


def money_column(label: str, **options) -> st.column_config.NumberColumn:
    return st.column_config.NumberColumn(label, format="dollar", **options)


def day_column(label: str, **options) -> st.column_config.DateColumn:
    return st.column_config.DateColumn(label, format=DAY_COLUMN, **options)


def moment_column(label: str, **options) -> st.column_config.DatetimeColumn:
    return st.column_config.DatetimeColumn(label, format=MOMENT_COLUMN, **options)


def count_column(label: str, **options) -> st.column_config.NumberColumn:
    """Followers and other large counts: '54.3k', never cut to '54,…' by a narrow column."""
    return st.column_config.NumberColumn(label, format="compact", **options)
