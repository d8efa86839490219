"""CSV that is safe to open in a spreadsheet: cells that would start a formula are neutralised."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import case, func, literal
from sqlalchemy.sql._typing import ColumnExpressionArgument
from sqlalchemy.sql.elements import ColumnElement

# A spreadsheet treats a cell starting with one of these as a formula (or strips it before one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """value, with a single quote in front when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_sql(text: ColumnExpressionArgument[str]) -> ColumnElement:
    """neutralise() as SQL, evaluated by the database for big exports; NULL and '' both give NULL.

    Empty text becomes NULL because PostgreSQL's COPY … CSV writes '' as a quoted "" but NULL as
    nothing, which is what csv.writer writes for both.
    """
    return case(
        (func.substr(text, 1, 1).in_(FORMULA_PREFIXES), literal("'").concat(text)),
        else_=func.nullif(text, ""),
    )


def frame_to_csv_bytes(frame: pd.DataFrame, *, encoding: str = "utf-8") -> bytes:
    """frame as CSV bytes (header row, no index) with every text cell neutralised."""
    safe = frame.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]) and not pd.api.types.is_datetime64_any_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    return safe.to_csv(index=False, lineterminator="\n").encode(encoding)
