"""Influencer charts: plotly graph_objects figures built from the core's read-model DataFrames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.deals.earnings import LABELS
from core.reporting.charts.memo import memoized

# One colour per word, in the order money moves: agreed, then invoiced, then paid.
COLOURS = {"agreed_cents": "#90caf9", "invoiced_cents": "#ffb74d", "paid_cents": "#2e7d32"}
MIN_MONTHS = 6


def monthly_series(by_month: pd.DataFrame, *, min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """Every month from the first to the last in by_month (gaps as 0, and at least min_months ending
    with the last one), each money column in currency units.

    by_month is core.deals.earnings.by_month's frame: month ("YYYY-MM") and agreed/invoiced/paid cents.
    """
    if by_month.empty:
        return pd.DataFrame({"month": pd.Series(dtype="str"), **{c: pd.Series(dtype="float64") for c in LABELS}})
    amounts = by_month.groupby(by_month["month"].astype(str))[list(LABELS)].sum().astype("int64") / 100
    last = pd.Period(max(amounts.index), freq="M")
    first = min(pd.Period(min(amounts.index), freq="M"), last - (min_months - 1))
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
    amounts = amounts.reindex(months, fill_value=0.0)
    return pd.DataFrame({"month": list(amounts.index), **{c: amounts[c].to_numpy(dtype="float64") for c in LABELS}})


@memoized
def earnings_by_month_figure(by_month: pd.DataFrame) -> go.Figure:
    """Grouped bars per month: agreed, invoiced and paid, named exactly like the figures above the chart."""
    series = monthly_series(by_month)
    traces = [
        go.Bar(
            x=series["month"],
            y=series[column],
            name=name,
            marker_color=COLOURS[column],
            hovertemplate=f"{name} in %{{x}}: $%{{y:,.2f}}<extra></extra>",
        )
        for column, name in LABELS.items()
    ]
    layout = {
        "height": 320,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "barmode": "group",
        "bargap": 0.25,
        "legend": {"orientation": "h", "y": 1.12},
        "xaxis": {"type": "category", "title": None},
        "yaxis": {"title": {"text": "Per month"}, "tickprefix": "$", "rangemode": "tozero"},
    }
    # Layout at construction: update_layout costs more than building the whole figure.
    return go.Figure(data=traces, layout=layout)
