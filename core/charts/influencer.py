"""Influencer charts: plotly graph_objects figures built from the core's read-model DataFrames."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

EARNED = "#2e7d32"


def monthly_series(by_month: pd.DataFrame) -> pd.DataFrame:
    """Every month from the first to the last in by_month (gaps as 0), amounts in currency units.

    by_month is core.ad_requests.earnings_by_month's frame: month ("YYYY-MM"), amount_cents.
    """
    if by_month.empty:
        return pd.DataFrame({"month": pd.Series(dtype="str"), "amount": pd.Series(dtype="float64")})
    amounts = by_month.groupby(by_month["month"].astype(str))["amount_cents"].sum().astype("int64") / 100
    months = pd.period_range(min(amounts.index), max(amounts.index), freq="M").strftime("%Y-%m")
    amounts = amounts.reindex(months, fill_value=0.0)
    return pd.DataFrame({"month": list(amounts.index), "amount": amounts.to_numpy(dtype="float64")})


def earnings_by_month_figure(by_month: pd.DataFrame) -> go.Figure:
    """Bars of accepted and completed payments per month of acceptance, with a running total line."""
    series = monthly_series(by_month)
    figure = go.Figure()
    figure.add_bar(x=series["month"], y=series["amount"], name="Earned that month", marker_color=EARNED,
                   text=[f"${value:,.0f}" if value else "" for value in series["amount"]], textposition="outside",
                   hovertemplate="%{x}: $%{y:,.2f}<extra></extra>")
    figure.add_scatter(x=series["month"], y=series["amount"].cumsum(), name="Running total", mode="lines+markers",
                       line={"color": "#9e9e9e", "dash": "dot"}, yaxis="y2",
                       hovertemplate="Total by %{x}: $%{y:,.2f}<extra></extra>")
    figure.update_layout(
        height=320, margin={"l": 10, "r": 10, "t": 30, "b": 10}, hovermode="x unified",
        legend={"orientation": "h", "y": -0.2},
        xaxis={"type": "category", "title": None},
        yaxis={"title": "Per month", "tickprefix": "$", "rangemode": "tozero"},
        yaxis2={"title": "Running total", "tickprefix": "$", "rangemode": "tozero", "overlaying": "y",
                "side": "right", "showgrid": False},
    )
    return figure
