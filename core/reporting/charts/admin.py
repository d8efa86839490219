"""Admin dashboard charts: pure builders from core.marketplace.stats.admin_statistics frames to plotly/altair figures."""

from __future__ import annotations

import altair as alt
import pandas as pd
import plotly.graph_objects as go

from core.reporting.charts.memo import memoized, vega_spec

ROLE_COLORS = {"admin": "#7f7f7f", "sponsor": "#4c78a8", "influencer": "#f58518"}
STATE_COLORS = {"active": "#54a24b", "pending": "#eeca3b", "flagged": "#e45756", "deactivated": "#9d9d9d"}
STATUS_COLORS = {
    "pending": "#eeca3b",
    "negotiating": "#4c78a8",
    "accepted": "#54a24b",
    "rejected": "#e45756",
    "withdrawn": "#9d9d9d",
    "completed": "#2f7d32",
}
REQUEST_STATUSES = tuple(STATUS_COLORS)
ACTIVITY_COLORS = {
    "Sign-ups: influencers": ROLE_COLORS["influencer"],
    "Sign-ups: sponsors": ROLE_COLORS["sponsor"],
    "Ad requests": "#72b7b2",
}
USER_STATES = (
    ("active", "active"),
    ("pending", "pending_sponsors"),
    ("flagged", "flagged"),
    ("deactivated", "deactivated"),
)
EMPTY_TEXT = "No data yet"
MARGIN = {"l": 10, "r": 10, "t": 10, "b": 10}
LEGEND = {"orientation": "h", "y": -0.15}


# ---- frames from the statistics dict (pure pandas) ----------------------------------------------------------


def users_by_role_frame(users: dict) -> pd.DataFrame:
    """[role, count] from admin_statistics()['users']."""
    return pd.DataFrame(
        {
            "role": ["sponsor", "influencer", "admin"],
            "count": [int(users.get(k, 0)) for k in ("sponsors", "influencers", "admins")],
        }
    )


def users_by_state_frame(users: dict) -> pd.DataFrame:
    """[state, count] from admin_statistics()['users'] (a flagged user may also be deactivated)."""
    return pd.DataFrame({"state": [s for s, _ in USER_STATES], "count": [int(users.get(k, 0)) for _, k in USER_STATES]})


def requests_by_status_frame(ad_requests: dict) -> pd.DataFrame:
    """[status, count] from admin_statistics()['ad_requests']."""
    return pd.DataFrame(
        {"status": list(REQUEST_STATUSES), "count": [int(ad_requests.get(s, 0)) for s in REQUEST_STATUSES]}
    )


def _month_start(months: pd.Series) -> pd.Series:
    return pd.to_datetime(months.astype(str).str.slice(0, 7) + "-01", format="%Y-%m-%d")


def activity_frame(signups: pd.DataFrame, requests: pd.DataFrame) -> pd.DataFrame:
    """Long [month (datetime), series, count] of sign-ups per role (admins left out) and new ad requests per month."""
    parts = []
    signups = signups[signups["role"] != "admin"]
    if not signups.empty:
        parts.append(
            pd.DataFrame(
                {
                    "month": _month_start(signups["month"]),
                    "series": "Sign-ups: " + signups["role"].astype(str) + "s",
                    "count": signups["count"].astype("int64"),
                }
            )
        )
    if not requests.empty:
        parts.append(
            pd.DataFrame(
                {
                    "month": _month_start(requests["month"]),
                    "series": "Ad requests",
                    "count": requests["count"].astype("int64"),
                }
            )
        )
    if not parts:
        return pd.DataFrame(
            {
                "month": pd.Series(dtype="datetime64[ns]"),
                "series": pd.Series(dtype="object"),
                "count": pd.Series(dtype="int64"),
            }
        )
    return pd.concat(parts, ignore_index=True).sort_values(["month", "series"], ignore_index=True)


# ---- plotly graph_objects ------------------------------------------------------------------------------------


def _layout(*, height: int = 300, **extra) -> dict:
    """The layout, passed at construction: update_layout costs three times the whole figure."""
    return {"height": height, "margin": MARGIN, "legend": LEGEND, **extra}


def _empty_figure() -> go.Figure:
    """A blank figure that says there is no data yet."""
    note = {"text": EMPTY_TEXT, "showarrow": False, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper"}
    note["font"] = {"size": 16, "color": "#888"}
    hidden = {"visible": False}
    return go.Figure(layout=_layout(annotations=[note], xaxis=hidden, yaxis=hidden))


def _count_axis(counts: pd.Series) -> dict:
    """Whole-number ticks: no 0.2 of a user on small platforms."""
    return dict(tickformat=",d", dtick=1 if int(counts.max()) <= 8 else None, rangemode="tozero")


def users_by_role_chart(frame: pd.DataFrame) -> go.Figure:
    """Donut of users per role; frame is [role, count]."""
    data = frame[frame["count"] > 0] if not frame.empty else frame
    if data.empty:
        return _empty_figure()
    fig = go.Figure(
        go.Pie(
            labels=data["role"],
            values=data["count"],
            hole=0.55,
            sort=False,
            marker=dict(colors=[ROLE_COLORS.get(r, "#bab0ac") for r in data["role"]]),
            textinfo="label+value",
            hovertemplate="%{label}: %{value}<extra></extra>",
        ),
        layout=_layout(showlegend=False),
    )
    return fig


def users_by_state_chart(frame: pd.DataFrame) -> go.Figure:
    """Bar of users per standing (active, pending, flagged, deactivated); frame is [state, count]."""
    if frame.empty or int(frame["count"].sum()) == 0:
        return _empty_figure()
    fig = go.Figure(
        go.Bar(
            x=frame["state"],
            y=frame["count"],
            text=frame["count"],
            textposition="auto",
            marker_color=[STATE_COLORS.get(s, "#bab0ac") for s in frame["state"]],
            hovertemplate="%{x}: %{y}<extra></extra>",
        ),
        layout=_layout(yaxis={"title": "users", **_count_axis(frame["count"])}),
    )
    return fig


def requests_by_status_chart(frame: pd.DataFrame) -> go.Figure:
    """Bar of ad requests per status; frame is [status, count]."""
    if frame.empty or int(frame["count"].sum()) == 0:
        return _empty_figure()
    fig = go.Figure(
        go.Bar(
            x=frame["status"],
            y=frame["count"],
            text=frame["count"],
            textposition="auto",
            marker_color=[STATUS_COLORS.get(s, "#bab0ac") for s in frame["status"]],
            hovertemplate="%{x}: %{y}<extra></extra>",
        ),
        layout=_layout(yaxis={"title": "ad requests", **_count_axis(frame["count"])}),
    )
    return fig


def money_by_month_chart(frame: pd.DataFrame) -> go.Figure:
    """Grouped bars of money committed (deals accepted that month) and paid (invoices paid that month), in dollars.

    frame is admin_statistics()['money_by_month']: [month 'YYYY-MM', committed_cents, paid_cents].
    """
    if frame.empty:
        return _empty_figure()
    months = _month_start(frame["month"])
    fig = go.Figure(
        [
            go.Bar(
                name="Committed",
                x=months,
                y=frame["committed_cents"].astype("float64") / 100,
                marker_color="#4c78a8",
                hovertemplate="%{x|%b %Y}: $%{y:,.2f}<extra>committed</extra>",
            ),
            go.Bar(
                name="Paid",
                x=months,
                y=frame["paid_cents"].astype("float64") / 100,
                marker_color="#54a24b",
                hovertemplate="%{x|%b %Y}: $%{y:,.2f}<extra>paid</extra>",
            ),
        ],
        layout=_layout(
            barmode="group",
            xaxis={"dtick": "M1", "tickformat": "%b %Y"},
            yaxis={"tickprefix": "$", "tickformat": ",.0f"},
        ),
    )
    return fig


# ---- altair ---------------------------------------------------------------------------------------------------


def activity_chart(data: pd.DataFrame) -> alt.Chart:
    """Bars of new sign-ups per role and new ad requests per month, side by side; data is activity_frame()."""
    return (
        alt.Chart(data, height=300)
        .mark_bar(cornerRadiusTopLeft=2, cornerRadiusTopRight=2)
        .encode(
            x=alt.X("yearmonth(month):O", title=None),
            xOffset=alt.XOffset("series:N"),
            y=alt.Y("count:Q", title="per month", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color(
                "series:N",
                title=None,
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=list(ACTIVITY_COLORS), range=list(ACTIVITY_COLORS.values())),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("count:Q", title="Count"),
            ],
        )
    )


def top_categories_chart(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of campaigns per category, total budget in the tooltip.

    frame is admin_statistics()['top_categories']: [category, campaigns, budget_cents].
    """
    data = frame.assign(budget=frame["budget_cents"].astype("float64") / 100).drop(columns=["budget_cents"])
    return (
        alt.Chart(data, height=alt.Step(30))
        .mark_bar(color="#4c78a8")
        .encode(
            x=alt.X("campaigns:Q", title="campaigns", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("category:N", sort="-x", title=None),
            tooltip=[
                alt.Tooltip("category:N", title="Category"),
                alt.Tooltip("campaigns:Q", title="Campaigns"),
                alt.Tooltip("budget:Q", title="Total budget", format="$,.2f"),
            ],
        )
    )


def influencer_categories_chart(frame: pd.DataFrame) -> alt.Chart:
    """Horizontal bars of influencers per category; frame is [category, influencers]."""
    return (
        alt.Chart(frame, height=alt.Step(30))
        .mark_bar(color="#f58518")
        .encode(
            x=alt.X("influencers:Q", title="influencers", axis=alt.Axis(tickMinStep=1, format="d")),
            y=alt.Y("category:N", sort="-x", title=None),
            tooltip=[alt.Tooltip("category:N", title="Category"), alt.Tooltip("influencers:Q", title="Influencers")],
        )
    )


# ---- the dashboard's figures, built once per content of the statistics ------------------------------------------


@memoized
def _dashboard_figures(
    users: dict,
    ad_requests: dict,
    signups: pd.DataFrame,
    requests: pd.DataFrame,
    money: pd.DataFrame,
    top_categories: pd.DataFrame,
    influencer_categories: pd.DataFrame,
) -> dict:
    activity = activity_frame(signups, requests)
    return {
        "roles": users_by_role_chart(users_by_role_frame(users)),
        "states": users_by_state_chart(users_by_state_frame(users)),
        "status": requests_by_status_chart(requests_by_status_frame(ad_requests)),
        "money": money_by_month_chart(money),
        "activity": None if activity.empty else vega_spec(activity_chart(activity)),
        "top_categories": None if top_categories.empty else vega_spec(top_categories_chart(top_categories)),
        "influencer_categories": (
            None if influencer_categories.empty else vega_spec(influencer_categories_chart(influencer_categories))
        ),
    }


def dashboard_figures(statistics: dict) -> dict:
    """Every chart of the admin dashboard from admin_statistics(): plotly figures and Vega-Lite specs (None when
    there is nothing to chart), shared and reused while the numbers are unchanged: do not mutate them.

    as_of is left out of the memo's key, so a recomputation that finds the same numbers reuses the charts."""
    return _dashboard_figures(
        statistics["users"],
        statistics["ad_requests"],
        statistics["signups_by_month"],
        statistics["ad_requests_by_month"],
        statistics["money_by_month"],
        statistics["top_categories"],
        statistics["influencer_categories"],
    )
