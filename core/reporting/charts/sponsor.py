"""Sponsor charts: plotly graph_objects figures built from the core's read-model DataFrames."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.reporting.charts.memo import memoized

COMMITTED = "#2e7d32"
REMAINING = "#c8e6c9"
INVOICED = "#ffb74d"
PAID = "#1565c0"
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


def _layout(*, height: int, **extra) -> dict:
    """The layout, passed at construction: update_layout and add_* cost more than the whole figure."""
    settings = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.15},
        "hovermode": "x unified",
    }
    return {**settings, **extra}


# The budget is drawn as a reference line only when it is within this factor of the money shown; further out
# it would squash real spending into a flat line at zero, so the title states it instead.
BUDGET_LINE_REACH = 3.0
BURN_SERIES = {
    "committed_cents": ("Committed", COMMITTED),
    "invoiced_cents": ("Invoiced", INVOICED),
    "paid_cents": ("Paid", PAID),
}


@memoized
def budget_burn_figure(burn: pd.DataFrame, budget_cents: int) -> go.Figure:
    """Running totals of money committed, invoiced and paid, on an axis scaled to that money.

    burn is core.deals.finance.burn_by_day's frame: day and that day's committed/invoiced/paid cents. The
    budget is a labelled reference line when it is within BUDGET_LINE_REACH of the largest total, else it is
    stated in the title (the bullet view, budget_used_figure, shows the budget to scale)."""
    burn = burn.sort_values("day")
    traces = []
    top = 0.0
    for column, (name, colour) in BURN_SERIES.items():
        if column not in burn:
            continue
        running = _units(burn[column]).cumsum()
        top = max(top, float(running.max()) if len(running) else 0.0)
        traces.append(
            go.Scatter(
                x=burn["day"],
                y=running,
                name=f"{name} in total",
                mode="lines+markers",
                line={"color": colour, "width": 3, "shape": "hv"},
                hovertemplate="$%{y:,.2f}<extra>" + name + "</extra>",
            )
        )
    budget = budget_cents / 100
    extra: dict = {}
    ceiling = top
    if budget > 0 and top > 0 and budget <= BUDGET_LINE_REACH * top:
        ceiling = max(top, budget)
        at_budget = {"xref": "x domain", "yref": "y", "y0": budget, "y1": budget}
        extra["shapes"] = [
            {"type": "line", "x0": 0, "x1": 1, **at_budget, "line": {"color": BUDGET_LINE, "dash": "dash"}}
        ]
        label = {"text": f"Total budget ${budget:,.0f}", "showarrow": False, "x": 0, "y": budget}
        extra["annotations"] = [{**label, "xref": "x domain", "yref": "y", "xanchor": "left", "yanchor": "bottom"}]
    elif budget > 0:
        extra["title"] = {
            "text": f"Total budget ${budget:,.0f} — off this scale; see budget used above",
            "font": {"size": 13},
        }
    yaxis = {"title": {"text": "USD"}, "tickprefix": "$", "range": [0, (ceiling or 1.0) * 1.1]}
    return go.Figure(data=traces, layout=_layout(height=360, yaxis=yaxis, **extra))


@memoized
def budget_used_figure(committed_cents: int, invoiced_cents: int, paid_cents: int, budget_cents: int) -> go.Figure:
    """A one-bar bullet of the whole budget: paid, invoiced not yet paid, committed not yet invoiced, and
    what is left, end to end on a scale of exactly the budget."""
    paid = min(paid_cents, invoiced_cents)
    parts = [
        ("Paid", paid, PAID),
        ("Invoiced, not paid", max(invoiced_cents - paid, 0), INVOICED),
        ("Committed, not invoiced", max(committed_cents - invoiced_cents, 0), COMMITTED),
        ("Uncommitted", max(budget_cents - committed_cents, 0), REMAINING),
    ]
    traces = [
        go.Bar(
            y=["Budget"],
            x=[cents / 100],
            name=name,
            orientation="h",
            marker_color=colour,
            hovertemplate="$%{x:,.2f}<extra>" + name + "</extra>",
        )
        for name, cents, colour in parts
    ]
    used = committed_cents / budget_cents if budget_cents else 0.0
    layout = _layout(
        height=150,
        barmode="stack",
        hovermode="y unified",
        title={"text": f"{used:.0%} of the budget committed", "font": {"size": 13}},
        margin={"l": 10, "r": 10, "t": 35, "b": 10},
        xaxis={"tickprefix": "$", "range": [0, max(budget_cents, committed_cents, 1) / 100]},
        yaxis={"showticklabels": False},
    )
    return go.Figure(data=traces, layout=layout)


def campaign_budget_figure(campaigns: pd.DataFrame) -> go.Figure:
    """Committed vs remaining budget per campaign (stacked horizontal bars, biggest budgets first).

    campaigns is core.marketplace.campaigns.list_sponsor_campaigns' frame.
    """
    # The MAX_CAMPAIGN_BARS largest budgets (ties: first listed first, as DataFrame.nlargest), smallest at the
    # bottom, picked in numpy: pandas' nlargest and column copies of a busy sponsor's thousand rows cost ~10x more.
    order = np.argsort(-campaigns["budget_cents"].to_numpy(dtype="int64"), kind="stable")[:MAX_CAMPAIGN_BARS][::-1]
    ids, names, committed, remaining = (
        tuple(campaigns[column].to_numpy()[order].tolist())
        for column in ("id", "name", "committed_cents", "remaining_cents")
    )
    return _campaign_budget_figure(ids, names, committed, remaining)


@memoized
def _campaign_budget_figure(ids: tuple, names: tuple, committed: tuple, remaining: tuple) -> go.Figure:
    # Plotly renders a subset of HTML tags in labels: escape user-chosen names.
    labels = [f"{html.escape(str(name), quote=False)} (#{cid})" for name, cid in zip(names, ids)]
    traces = [
        go.Bar(
            y=labels,
            x=[int(cents) / 100 for cents in values],
            name=name,
            orientation="h",
            marker_color=colour,
            hovertemplate="$%{x:,.2f}<extra>" + name + "</extra>",
        )
        for values, name, colour in (
            (committed, "Committed", COMMITTED),
            ([max(int(cents), 0) for cents in remaining], "Remaining", REMAINING),
        )
    ]
    layout = _layout(
        height=max(220, 48 * len(ids) + 90),
        barmode="stack",
        hovermode="y unified",
        xaxis={"tickprefix": "$", "rangemode": "tozero"},
    )
    return go.Figure(data=traces, layout=layout)


def requests_by_status_figure(campaigns: pd.DataFrame) -> go.Figure:
    """How many ad requests are in each status, over all the sponsor's campaigns."""
    statuses = tuple(s for s in STATUS_COLOURS if s in campaigns)
    return _requests_by_status_figure(statuses, tuple(int(campaigns[s].to_numpy().sum()) for s in statuses))


@memoized
def _requests_by_status_figure(statuses: tuple[str, ...], counts: tuple[int, ...]) -> go.Figure:
    bars = go.Bar(
        x=list(statuses),
        y=list(counts),
        marker_color=[STATUS_COLOURS[s] for s in statuses],
        text=list(counts),
        textposition="outside",
        hovertemplate="%{x}: %{y}<extra></extra>",
    )
    yaxis = {
        "title": {"text": "Requests"},
        "rangemode": "tozero",
        "dtick": max(1, (max(counts, default=0) // 5) or 1),
    }
    return go.Figure(data=[bars], layout=_layout(height=300, showlegend=False, yaxis=yaxis))
