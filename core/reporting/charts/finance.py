"""Finance charts: budget burn per campaign and the ageing of overdue invoices (plotly graph_objects)."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from core.reporting.charts.memo import memoized

# Stacked from settled to free: each campaign's bar adds up to its budget.
BURN_PARTS = (
    ("paid_cents", "Paid", "#2e7d32"),
    ("owed_cents", "Approved, unpaid", "#f9a825"),
    ("pending_cents", "Invoiced, awaiting approval", "#90caf9"),
    ("uninvoiced_cents", "Committed, not invoiced", "#b0bec5"),
    ("uncommitted_cents", "Uncommitted budget", "#eceff1"),
)
AGEING_COLOURS = ("#fdd835", "#fb8c00", "#e53935", "#b71c1c")


def burn_parts(burn: pd.DataFrame) -> pd.DataFrame:
    """The budget-burn frame split into parts that do not overlap (cents)."""
    parts = burn[["name"]].copy()
    parts["paid_cents"] = burn["paid_cents"]
    parts["owed_cents"] = burn["owed_cents"]
    parts["pending_cents"] = burn["invoiced_cents"] - burn["paid_cents"] - burn["owed_cents"]
    parts["uninvoiced_cents"] = (burn["committed_cents"] - burn["invoiced_cents"]).clip(lower=0)
    parts["uncommitted_cents"] = burn["uncommitted_cents"].clip(lower=0)
    return parts


@memoized
def budget_burn_figure(burn: pd.DataFrame, *, max_bars: int = 12, with_budget: bool = False) -> go.Figure:
    """One horizontal stacked bar per campaign (largest commitment first), scaled to what was committed.

    The uncommitted rest of each budget is left out unless asked for: drawn to the budget's scale, real
    spending would be a sliver at zero.
    """
    parts = burn_parts(burn.head(max_bars)).iloc[::-1]
    names = [html.escape(str(n)) for n in parts["name"]]
    traces = [
        go.Bar(
            y=names,
            x=parts[column] / 100,
            name=label,
            orientation="h",
            marker_color=colour,
            hovertemplate=f"{label}: $%{{x:,.2f}}<extra></extra>",
        )
        for column, label, colour in (BURN_PARTS if with_budget else BURN_PARTS[:-1])
    ]
    layout = {
        "barmode": "stack",
        "height": max(180, 42 * len(parts) + 90),
        "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
        "legend": {"orientation": "h", "y": -0.2},
        "xaxis": {"tickprefix": "$", "tickformat": ",.0f"},
    }
    return go.Figure(data=traces, layout=layout)


@memoized
def ageing_figure(ageing: pd.DataFrame) -> go.Figure:
    """Overdue approved invoices by days past due: amount per bucket, count in the hover."""
    figure = go.Figure(
        go.Bar(
            x=ageing["bucket"],
            y=ageing["amount_cents"] / 100,
            marker_color=list(AGEING_COLOURS[: len(ageing)]),
            customdata=ageing["count"],
            hovertemplate="%{x}: $%{y:,.2f} in %{customdata} invoice(s)<extra></extra>",
        ),
        layout={
            "height": 260,
            "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
            "yaxis": {"tickprefix": "$", "tickformat": ",.0f"},
        },
    )
    return figure
