"""Influencer charts: plotly graph_objects figures built from the core's read-model DataFrames."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

EARNED = "#2e7d32"
MIN_MONTHS = 6


def monthly_series(by_month: pd.DataFrame, *, min_months: int = MIN_MONTHS) -> pd.DataFrame:
    """Every month from the first to the last in by_month (gaps as 0, and at least min_months ending
    with the last one), amounts in currency units.

    by_month is core.marketplace.ad_requests.earnings_by_month's frame: month ("YYYY-MM"), amount_cents.
    """
    if by_month.empty:
        return pd.DataFrame({"month": pd.Series(dtype="str"), "amount": pd.Series(dtype="float64")})
    amounts = by_month.groupby(by_month["month"].astype(str))["amount_cents"].sum().astype("int64") / 100
    last = pd.Period(max(amounts.index), freq="M")
    first = min(pd.Period(min(amounts.index), freq="M"), last - (min_months - 1))
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
    amounts = amounts.reindex(months, fill_value=0.0)
    return pd.DataFrame({"month": list(amounts.index), "amount": amounts.to_numpy(dtype="float64")})


def earnings_by_month_figure(by_month: pd.DataFrame) -> go.Figure:
    """Bars of accepted and completed payments per month of acceptance, labelled with their amounts."""
    series = monthly_series(by_month)
    figure = go.Figure()
    figure.add_bar(
        x=series["month"],
        y=series["amount"],
        name="Earned that month",
        marker_color=EARNED,
        text=[f"${value:,.0f}" if value else "" for value in series["amount"]],
        textposition="outside",
        hovertemplate="%{x}: $%{y:,.2f}<extra></extra>",
    )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        showlegend=False,
        bargap=0.35,
        xaxis={"type": "category", "title": None},
        yaxis={"title": "Earned per month", "tickprefix": "$", "rangemode": "tozero"},
    )
    return figure
