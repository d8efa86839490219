"""Sponsor charts: plotly graph_objects figures built from the core's read-model DataFrames."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

COMMITTED = "#2e7d32"
REMAINING = "#c8e6c9"
DAILY = "#81c784"
BUDGET_LINE = "#9e9e9e"
STATUS_COLOURS = {
    "pending": "#90caf9",
    "negotiating": "#ffb74d",
    "accepted": "#66bb6a",
    "completed": "#2e7d32",
    "rejected": "#e57373",
    "withdrawn": "#bdbdbd",
}
MAX_CAMPAIGN_BARS = 12


def _units(cents: pd.Series) -> pd.Series:
    return cents.astype("int64") / 100


def _layout(figure: go.Figure, *, height: int, **extra) -> go.Figure:
    settings = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.15},
        "hovermode": "x unified",
    }
    figure.update_layout(**{**settings, **extra})
    return figure


def budget_burn_figure(burn: pd.DataFrame, budget_cents: int) -> go.Figure:
    """Money committed per day (bars) and its running total (line) against the total budget.

    burn is core.marketplace.campaigns.budget_burn's frame: day, committed_cents, cumulative_cents.
    """
    figure = go.Figure()
    figure.add_bar(
        x=burn["day"],
        y=_units(burn["committed_cents"]),
        name="Committed that day",
        marker_color=DAILY,
        hovertemplate="$%{y:,.2f}<extra></extra>",
    )
    figure.add_scatter(
        x=burn["day"],
        y=_units(burn["cumulative_cents"]),
        name="Committed in total",
        mode="lines+markers",
        line={"color": COMMITTED, "width": 3, "shape": "hv"},
        hovertemplate="$%{y:,.2f}<extra></extra>",
    )
    if budget_cents > 0:
        figure.add_hline(
            y=budget_cents / 100,
            line={"color": BUDGET_LINE, "dash": "dash"},
            annotation_text=f"Total budget ${budget_cents / 100:,.0f}",
            annotation_position="top left",
        )
    figure.update_yaxes(title_text="USD", tickprefix="$", rangemode="tozero")
    figure.update_xaxes(title_text=None)
    return _layout(figure, height=360)


def campaign_budget_figure(campaigns: pd.DataFrame) -> go.Figure:
    """Committed vs remaining budget per campaign (stacked horizontal bars, biggest budgets first).

    campaigns is core.marketplace.campaigns.list_sponsor_campaigns' frame.
    """
    top = campaigns.nlargest(MAX_CAMPAIGN_BARS, "budget_cents").iloc[::-1]
    # Plotly renders a subset of HTML tags in labels: escape user-chosen names.
    names = [f"{html.escape(str(name), quote=False)} (#{cid})" for name, cid in zip(top["name"], top["id"])]
    figure = go.Figure()
    figure.add_bar(
        y=names,
        x=_units(top["committed_cents"]),
        name="Committed",
        orientation="h",
        marker_color=COMMITTED,
        hovertemplate="$%{x:,.2f}<extra>Committed</extra>",
    )
    figure.add_bar(
        y=names,
        x=_units(top["remaining_cents"].clip(lower=0)),
        name="Remaining",
        orientation="h",
        marker_color=REMAINING,
        hovertemplate="$%{x:,.2f}<extra>Remaining</extra>",
    )
    figure.update_xaxes(tickprefix="$", rangemode="tozero")
    return _layout(figure, height=max(220, 48 * len(top) + 90), barmode="stack", hovermode="y unified")


def requests_by_status_figure(campaigns: pd.DataFrame) -> go.Figure:
    """How many ad requests are in each status, over all the sponsor's campaigns."""
    statuses = [s for s in STATUS_COLOURS if s in campaigns]
    counts = [int(campaigns[s].sum()) for s in statuses]
    figure = go.Figure(
        go.Bar(
            x=statuses,
            y=counts,
            marker_color=[STATUS_COLOURS[s] for s in statuses],
            text=counts,
            textposition="outside",
            hovertemplate="%{x}: %{y}<extra></extra>",
        )
    )
    figure.update_yaxes(title_text="Requests", rangemode="tozero", dtick=max(1, (max(counts, default=0) // 5) or 1))
    return _layout(figure, height=300, showlegend=False)
