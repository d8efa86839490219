"""Trend charts from daily analytics snapshots (core.crm.snapshots.trend frames): plotly graph_objects figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from core.reporting.charts.memo import memoized

COUNT_LINES = {
    "campaigns_active": ("Active campaigns", "#4c78a8"),
    "influencers_active": ("Creators in negotiation", "#f58518"),
    "influencers_final": ("Creators hired", "#54a24b"),
}
MONEY_LINES = {
    "budget_cents": ("Total budget", "#9e9e9e"),
    "expenses_cents": ("Committed", "#f58518"),
    "revenue_cents": ("Paid to creators", "#2e7d32"),
}


LAYOUT = {
    "height": 300,
    "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
    "legend": {"orientation": "h", "y": -0.2},
    "hovermode": "x unified",
    "yaxis": {"rangemode": "tozero", "tickformat": ",.0f"},
}


def _figure(frame: pd.DataFrame, lines: dict[str, tuple[str, str]], *, money: bool) -> go.Figure:
    # Traces and layout at construction: update_layout and add_trace cost more than the whole figure.
    traces = [
        go.Scatter(
            x=frame["day"],
            y=frame[column].astype("int64") / 100 if money else frame[column],
            name=label,
            mode="lines",
            line={"color": colour, "width": 2},
            hovertemplate="%{y:,.2f}" if money else "%{y:,d}",
        )
        for column, (label, colour) in lines.items()
    ]
    return go.Figure(data=traces, layout=LAYOUT)


@memoized
def counts_trend_figure(frame: pd.DataFrame) -> go.Figure:
    """Active campaigns and creators per pipeline stage, one point per day."""
    return _figure(frame, COUNT_LINES, money=False)


@memoized
def money_trend_figure(frame: pd.DataFrame) -> go.Figure:
    """Budget, committed and paid (cumulative, in currency units), one point per day."""
    return _figure(frame, MONEY_LINES, money=True)
